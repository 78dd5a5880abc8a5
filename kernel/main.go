// Command nerlab-kernel is a Jupyter kernel for Go cells, evaluated by the
// gomacro interpreter.
//
//	nerlab-kernel CONNECTION_FILE          serve (Jupyter starts it this way)
//	nerlab-kernel install [--user|--prefix P]   write the kernelspec
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"

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
	capture, logw, err := startCapture()
	if err != nil {
		fmt.Fprintln(stderr, "nerlab-kernel:", err)
		return 1
	}
	k, err := jupyter.New(conn, newGoHandler(capture), logw)
	if err != nil {
		fmt.Fprintln(logw, "nerlab-kernel:", err)
		return 1
	}
	defer k.Close()
	if _, err := k.Run(context.Background()); err != nil {
		fmt.Fprintln(logw, "nerlab-kernel:", err)
		return 1
	}
	return 0
}
