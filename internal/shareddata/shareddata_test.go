package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPathHonoursNERLABDATASETS(t *testing.T) {
	dir := t.TempDir()
	ds := filepath.Join(dir, "datasets")
	os.MkdirAll(filepath.Join(ds, "wnut17"), 0o755)
	os.MkdirAll(filepath.Join(dir, "vectors"), 0o755)
	t.Setenv("NERLAB_DATASETS", ds)
	if got := Path(t, "datasets", "wnut17"); got != filepath.Join(ds, "wnut17") {
		t.Errorf("datasets path %s", got)
	}
	if got := Path(t, "vectors"); got != filepath.Join(dir, "vectors") {
		t.Errorf("vectors path %s", got)
	}
}

func TestMissingSkipsOrFails(t *testing.T) {
	t.Setenv("NERLAB_DATASETS", t.TempDir())
	t.Setenv("CI", "")
	skipped := t.Run("local", func(t *testing.T) { Path(t, "datasets", "nope") })
	if !skipped {
		t.Error("a missing file failed the test outside CI")
	}
	t.Setenv("CI", "true")
	ft := &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		Path(ft, "datasets", "nope")
	}()
	if !ft.failed {
		t.Error("a missing file did not fail the test under CI")
	}
}

// fakeTB records Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(args ...any) {
	f.failed = true
	panic("fatal")
}
