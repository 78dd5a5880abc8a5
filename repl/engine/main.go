// Command nerlab-engine runs nerlab's commands (the command layer of
// lib/lab, on libtorch). Users run `nerlab`, a small front-end that starts
// at once and execs or starts this engine:
//
//	nerlab COMMAND [ARGS]    exec: run one command and exit (nerlab help lists them)
//	nerlab -f SCRIPT         exec: run a script, one command per line (- reads stdin);
//	                         without a terminal, plain `nerlab` reads commands from stdin
//	nerlab                   on a terminal: the REPL, which keeps `nerlab-engine --serve`
//	                         running beside it (see repl/internal/wire)
//
// -x before -f traces each script command on stderr. The engine is a
// separate binary because loading libtorch takes about half a second: the
// REPL's prompt appears while it loads.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/nerlab/nerlab/lib/lab"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: nerlab                  interactive REPL (on a terminal)
       nerlab [-x] -f SCRIPT   run the commands in SCRIPT (- for stdin), -x traces them
       nerlab COMMAND [ARGS]   run one command
`

// run dispatches on the arguments and returns the exit code: 0 on success,
// 1 on an error (one line on stderr, never a stack), 2 on a usage mistake
// of nerlab itself, 130 when a script was interrupted.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Commands call libtorch from this goroutine; keeping it on one OS
	// thread keeps libtorch's per-thread state (grad mode, OpenMP team) in
	// one place.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	trace, script := false, ""
	for len(args) > 0 {
		switch args[0] {
		case "-x":
			trace, args = true, args[1:]
			continue
		case "-f", "--file":
			if len(args) < 2 {
				fmt.Fprint(stderr, "nerlab: -f needs a script file (- for stdin)\n"+usage)
				return 2
			}
			script, args = args[1], args[2:]
			continue
		}
		break
	}
	switch {
	case script != "" && len(args) > 0:
		fmt.Fprintf(stderr, "nerlab: -f %s and a command %q: give one\n%s", script, args[0], usage)
		return 2
	case script == "-":
		return runScript("(stdin)", stdin, stdout, stderr, trace)
	case script != "":
		f, err := os.Open(script)
		if err != nil {
			fmt.Fprintln(stderr, "nerlab:", err)
			return 1
		}
		defer f.Close()
		return runScript(script, f, stdout, stderr, trace)
	case len(args) == 1 && args[0] == "--serve":
		req, resp := os.NewFile(3, "requests"), os.NewFile(4, "replies")
		if _, err := req.Stat(); err != nil {
			fmt.Fprintln(stderr, "nerlab-engine: --serve needs the request and reply pipes as file descriptors 3 and 4 (run nerlab)")
			return 2
		}
		return serve(req, resp, stdout, stderr, true)
	case len(args) == 0 && lab.IsTerminal(stdin):
		fmt.Fprint(stderr, "nerlab-engine runs the commands of nerlab; run nerlab for the REPL\n"+usage)
		return 2
	case len(args) == 0:
		return runScript("(stdin)", stdin, stdout, stderr, trace)
	case args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stdout, usage+"\n")
		args = []string{"help"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	defer stop()
	env := &lab.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Session: lab.NewSession()}
	if err := lab.New().Exec(ctx, env, args); err != nil && err != lab.ErrExit {
		fmt.Fprintln(stderr, "nerlab:", err)
		return 1
	}
	return 0
}
