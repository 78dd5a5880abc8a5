package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nerlab/nerlab/internal/safefile"
)

// kernelName is the kernelspec's directory name (jupyter --kernel nerlab).
const kernelName = "nerlab"

// install writes the kernelspec: for the user (default), under a prefix
// (PREFIX/share/jupyter/kernels), or where --dir says.
func install(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.Bool("user", false, "install for the current user (the default): $JUPYTER_DATA_DIR or ~/.local/share/jupyter")
	prefix := fs.String("prefix", "", "install under PREFIX/share/jupyter/kernels (e.g. a virtualenv, or a test's JUPYTER_PATH)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("install: unexpected argument %q", fs.Arg(0))
	}
	if *user && *prefix != "" {
		return errors.New("install: give --user or --prefix, not both")
	}
	var root string
	switch {
	case *prefix != "":
		root = filepath.Join(*prefix, "share", "jupyter", "kernels")
	case os.Getenv("JUPYTER_DATA_DIR") != "":
		root = filepath.Join(os.Getenv("JUPYTER_DATA_DIR"), "kernels")
	default:
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		root = filepath.Join(home, ".local", "share", "jupyter", "kernels")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return err
	}
	spec := map[string]any{
		"argv":           []string{exe, "{connection_file}"},
		"display_name":   "Go (nerlab)",
		"language":       "go",
		"interrupt_mode": "message",
		"metadata":       map[string]any{"debugger": false},
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Join(root, kernelName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := safefile.WriteBytes(filepath.Join(dir, "kernel.json"), append(data, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed kernelspec %s in %s\n", kernelName, dir)
	return nil
}
