// Package testbin builds the module's commands for end-to-end tests, once
// per test process. Every binary lands in one folder, so commands that look
// for each other beside themselves (nerlab and nerlab-engine) find each
// other.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	mu     sync.Mutex
	dir    string
	builds = map[string]error{} // by binary name
)

// Build compiles the main package pkg (a path relative to the calling
// test's package, such as "." or "./engine") as name and returns the
// binary's path; a failed build fails the test.
//
// Go's test cache only knows the files a test opens, not the packages a
// binary it builds is made of, so Build first stats every Go source of
// the module: a change anywhere then reruns the tests that use it.
func Build(tb testing.TB, pkg, name string) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if dir == "" {
		d, err := os.MkdirTemp("", "nerlab-bin-")
		if err != nil {
			tb.Fatal(err)
		}
		dir = d
		statModuleSources()
	}
	path := filepath.Join(dir, name)
	err, done := builds[name]
	if !done {
		if out, e := exec.Command("go", "build", "-o", path, pkg).CombinedOutput(); e != nil {
			err = fmt.Errorf("go build %s: %v\n%s", pkg, e, out)
		}
		builds[name] = err
	}
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// statModuleSources stats the module's .go files, go.mod and go.sum.
func statModuleSources() {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && p != root && (d.Name() == "third_party" || d.Name() == "runs" || d.Name() == "bin" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum" {
			os.Stat(p)
		}
		return nil
	})
}
