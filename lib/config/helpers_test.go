package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// datasetsDir returns the shared datasets folder as an absolute path; the
// test skips without it (fails under CI=true).
func datasetsDir(t *testing.T) string { return shareddata.Path(t, "datasets") }

// parseFromRoot reads a file of the repository as nerlab run from the
// repository root reads it, with ../shared/datasets pointed at the
// datasets this test found (returned too). It changes the working
// directory for the rest of the test.
func parseFromRoot(t *testing.T, rel string) (*Experiment, string) {
	t.Helper()
	ds := datasetsDir(t)
	t.Chdir(filepath.Join("..", ".."))
	data, err := os.ReadFile(rel)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("../shared/datasets"), []byte(ds))
	e, err := Parse(data, rel)
	if err != nil {
		t.Fatalf("Parse(%s): %v", rel, err)
	}
	return e, ds
}

func mustParse(t *testing.T, yaml string) *Experiment {
	t.Helper()
	e, err := Parse([]byte(yaml), "exp.yaml")
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, yaml)
	}
	return e
}

// parseError parses yaml, expects an error and returns its text.
func parseError(t *testing.T, yaml string) string {
	t.Helper()
	e, err := Parse([]byte(yaml), "exp.yaml")
	if err == nil {
		t.Fatalf("Parse succeeded (%+v); expected an error for\n%s", e, yaml)
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is %T; expected a *config.Error", err, err)
	}
	return err.Error()
}

// sameSettings compares what an experiment configures, leaving out where
// it was read from (Path, Dir, Warnings, Lines).
func sameSettings(a, b *Experiment) bool {
	x, y := *a.Clone(), *b.Clone()
	for _, e := range []*Experiment{&x, &y} {
		e.Path, e.Dir, e.Warnings, e.Lines = "", "", nil, nil
	}
	return reflect.DeepEqual(x, y)
}

// hasWarning reports whether some warning contains every part.
func hasWarning(e *Experiment, parts ...string) bool {
	for _, w := range e.Warnings {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(w, p)
		}
		if all {
			return true
		}
	}
	return false
}
