// Command nerlab is nerlab's front door. With arguments, or without a
// terminal, it execs nerlab-engine (the binary that runs commands on
// libtorch) with the same arguments, so one-shot commands and scripts
// behave exactly as the engine does. On a terminal without arguments it is
// the interactive REPL: go-prompt line editing, completion and history
// here, and the commands in an engine process started beside it, so the
// prompt is ready before libtorch has finished loading.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

func main() {
	engine, err := findEngine()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nerlab:", err)
		os.Exit(1)
	}
	if len(os.Args) == 1 && isTerminal(os.Stdin) && !isTerminal(os.Stdout) {
		fmt.Fprintln(os.Stderr, "nerlab: the REPL needs a terminal on stdout too; give a command, or -f SCRIPT for a script")
		os.Exit(2)
	}
	if len(os.Args) > 1 || !isTerminal(os.Stdin) {
		// argv[0] stays "nerlab": usage and errors read as the user typed.
		err := syscall.Exec(engine, append([]string{"nerlab"}, os.Args[1:]...), os.Environ())
		fmt.Fprintf(os.Stderr, "nerlab: running %s: %v\n", engine, err)
		os.Exit(1)
	}
	os.Exit(runShell(engine))
}

// findEngine locates nerlab-engine: $NERLAB_ENGINE, else beside this
// binary, else on PATH.
func findEngine() (string, error) {
	if p := os.Getenv("NERLAB_ENGINE"); p != "" {
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "nerlab-engine")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("nerlab-engine"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("cannot find nerlab-engine beside this binary or on PATH (make build puts both in bin/; NERLAB_ENGINE names it)")
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
