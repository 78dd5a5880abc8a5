package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteBytes(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	// A failing writer must leave the previous content and no temp file.
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "first" {
		t.Fatalf("content after failed write = %q, want %q", got, "first")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory has %d entries after failed write, want 1", len(entries))
	}
	if err := WriteBytes(path, []byte("second")); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if string(got) != "second" {
		t.Fatalf("content = %q, want second", got)
	}
}

func TestWriteIntoMissingDirectoryFails(t *testing.T) {
	err := WriteBytes(filepath.Join(t.TempDir(), "no", "such", "x"), []byte("x"))
	if err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func TestWithin(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(data, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, base string
		want       bool
	}{
		{data, data, true},
		{filepath.Join(data, "sub"), data, true},
		{filepath.Join(data, "new", "deeper"), data, true},
		{filepath.Join(dir, "data", "..", "data"), data, true},
		{link, data, true},
		{filepath.Join(link, "sub", "x"), data, true},
		{filepath.Join(dir, "data2"), data, false},
		{filepath.Join(dir, "other"), data, false},
		{dir, data, false},
	} {
		if got := Within(c.path, c.base); got != c.want {
			t.Errorf("Within(%s, %s) = %v, want %v", c.path, c.base, got, c.want)
		}
	}
	f := filepath.Join(data, "train.txt")
	os.WriteFile(f, []byte("x"), 0o644)
	hard := filepath.Join(dir, "hard.txt")
	if err := os.Link(f, hard); err != nil {
		t.Fatal(err)
	}
	if !SameFile(hard, f) || !SameFile(filepath.Join(link, "train.txt"), f) || SameFile(f, filepath.Join(data, "dev.txt")) {
		t.Error("SameFile")
	}
}
