package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nerlab/nerlab/lib/lab"
)

// runScript runs the commands of a script, one per line, in one session:
// blank lines and lines starting with # are skipped, a line ending in a
// backslash continues on the next. The first failing command stops the
// script with its file and line. SIGINT or SIGTERM cancels the running
// command (training checkpoints) and stops the script with exit code 130.
// Commands get no input stream (stdin may be the script itself).
func runScript(name string, r io.Reader, stdout, stderr io.Writer, trace bool) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	defer stop()
	l := lab.New()
	env := &lab.Env{Stdout: stdout, Stderr: stderr, Session: lab.NewSession()}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	lineNo, start := 0, 0
	var cmd strings.Builder
	for sc.Scan() {
		lineNo++
		text := strings.TrimRight(sc.Text(), " \t\r")
		if cmd.Len() == 0 {
			start = lineNo
			if t := strings.TrimSpace(text); t == "" || strings.HasPrefix(t, "#") {
				continue
			}
		}
		if cmd.Len() > 0 {
			text = strings.TrimLeft(text, " \t")
		}
		if strings.HasSuffix(text, `\`) && !strings.HasSuffix(text, `\\`) {
			cmd.WriteString(strings.TrimRight(strings.TrimSuffix(text, `\`), " \t") + " ")
			continue
		}
		cmd.WriteString(text)
		line := strings.TrimSpace(cmd.String())
		cmd.Reset()
		if trace {
			fmt.Fprintf(stderr, "+ %s\n", line)
		}
		err := l.ExecLine(ctx, env, line)
		switch {
		case errors.Is(err, lab.ErrExit):
			return 0
		case ctx.Err() != nil:
			if err != nil {
				fmt.Fprintf(stderr, "nerlab: %s:%d: %v\n", name, start, err)
			}
			fmt.Fprintf(stderr, "nerlab: %s: interrupted at line %d\n", name, start)
			return 130
		case err != nil:
			fmt.Fprintf(stderr, "nerlab: %s:%d: %v\n", name, start, err)
			return 1
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "nerlab: %s:%d: %v\n", name, lineNo+1, err)
		return 1
	}
	if cmd.Len() > 0 {
		fmt.Fprintf(stderr, "nerlab: %s:%d: the last line ends with a backslash\n", name, start)
		return 1
	}
	return 0
}
