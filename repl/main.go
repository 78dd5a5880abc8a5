// Command nerlab is nerlab's command-line face: `nerlab COMMAND [ARGS]`
// runs one command of the shared command layer (lib/lab) and exits;
// `nerlab help` lists them.
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
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code: 0 on
// success, 1 on any error (printed to stderr as one line, never a stack).
func run(args []string, stdout, stderr io.Writer) int {
	// Commands call libtorch from this goroutine; keeping it on one OS
	// thread keeps libtorch's per-thread state (grad mode, OpenMP team) in
	// one place.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l := lab.New()
	env := &lab.Env{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr, Session: &lab.Session{}}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		args = []string{"help"}
	}
	if err := l.Exec(ctx, env, args); err != nil {
		fmt.Fprintln(stderr, "nerlab:", err)
		return 1
	}
	return 0
}
