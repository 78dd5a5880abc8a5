// Command nerlab-kernel is a Jupyter kernel for Go cells, evaluated by the
// gomacro interpreter.
//
//	nerlab-kernel CONNECTION_FILE          serve (Jupyter starts it this way)
//	nerlab-kernel install [--user|--prefix P]   write the kernelspec
//
// The kernel process holds the Jupyter sockets, the execution count and
// the history; cells run in a second process, the evaluator (the same
// executable, started with the hidden subcommand "evaluator"), which the
// kernel restarts when a fatal error of the Go runtime ends it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/nerlab/nerlab/kernel/jupyter"
)

// version is the kernel's implementation version.
const version = "0.1.0"

func runtimeVersion() string { return runtime.Version() }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: nerlab-kernel CONNECTION_FILE          run the kernel (Jupyter does this)
       nerlab-kernel install [--user|--prefix P]   install the kernelspec "nerlab"
`

func run(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stderr, usage)
		return 2
	case args[0] == evaluatorArg && len(args) == 1:
		return runEvaluator(stderr)
	case args[0] == "install":
		if err := install(args[1:], stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "nerlab-kernel:", err)
			return 1
		}
		return 0
	case len(args) > 1:
		fmt.Fprint(stderr, usage)
		return 2
	}
	conn, err := jupyter.ReadConnection(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "nerlab-kernel:", err)
		return 1
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "nerlab-kernel: finding its own executable for the Go session:", err)
		return 1
	}
	sup := newSupervisor(exe, stderr)
	defer sup.Close()
	k, err := jupyter.New(conn, sup, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "nerlab-kernel:", err)
		return 1
	}
	defer k.Close()
	if pid, ok := parentPID(os.Getenv); ok {
		go watchParent(pid, time.Second, func() {
			// The shell goroutine may be inside a cell: exit from here.
			fmt.Fprintf(stderr, "nerlab-kernel: the client (pid %d) is gone; exiting\n", pid)
			sup.Close()
			k.Close()
			os.Exit(0)
		})
	}
	if _, err := k.Run(context.Background()); err != nil {
		fmt.Fprintln(stderr, "nerlab-kernel:", err)
		return 1
	}
	return 0
}
