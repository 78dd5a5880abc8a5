// Package shareddata finds the data that tests and benchmarks read from
// beside the checkout (../shared: datasets, vectors) and the PyTorch
// their references run on, and decides what a test does when something it
// needs is missing: skip with a message locally, fail under CI=true,
// where everything must be there.
//
// NERLAB_DATASETS names the datasets folder when it lives elsewhere; the
// other shared folders (vectors) are then looked up beside it.
package shareddata

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Root returns the absolute path of the shared folder: the parent of
// $NERLAB_DATASETS, else ../shared beside the repository root (found from
// this source file, so the working directory does not matter).
func Root() string {
	if d := os.Getenv("NERLAB_DATASETS"); d != "" {
		abs, _ := filepath.Abs(filepath.Join(d, ".."))
		return abs
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
	}
	// Built with -trimpath: go test runs in the package folder, two levels
	// below the repository root for lib packages.
	abs, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	return abs
}

// Path returns the absolute path of parts under the shared folder
// (Path(t, "datasets", "wnut17", "train.txt")), or skips the test (fails it
// under CI) when it does not exist. $NERLAB_DATASETS replaces "datasets".
func Path(tb testing.TB, parts ...string) string {
	tb.Helper()
	path := filepath.Join(append([]string{Root()}, parts...)...)
	if d := os.Getenv("NERLAB_DATASETS"); d != "" && len(parts) > 0 && parts[0] == "datasets" {
		path = filepath.Join(append([]string{d}, parts[1:]...)...)
	}
	if _, err := os.Stat(path); err != nil {
		Missing(tb, "shared data missing (set NERLAB_DATASETS to the datasets folder): %v", err)
	}
	return path
}

// Missing ends a test that lacks something it needs: a skip with the
// message, or a failure under CI=true.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Python is Debian's python3, the one with python3-torch (not the pyenv
// python that may come first on PATH).
const Python = "/usr/bin/python3"

// PythonTorch returns Python when it can import torch and the other
// modules named (numpy, …), the PyTorch references' needs; otherwise the
// test ends as Missing says.
func PythonTorch(tb testing.TB, modules ...string) string {
	tb.Helper()
	imports := "import " + strings.Join(append([]string{"torch"}, modules...), ", ")
	if out, err := exec.Command(Python, "-c", imports).CombinedOutput(); err != nil {
		Missing(tb, "%s cannot run %q (%v; Debian's python3-torch is needed)\n%s", Python, imports, err, out)
	}
	return Python
}
