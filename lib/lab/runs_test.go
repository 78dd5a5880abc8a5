package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
)

// seedRun writes a run folder holding only the experiment copy.
func seedRun(t *testing.T, root, name string, seed int64, lr float64) string {
	t.Helper()
	e := config.Default()
	e.Train.Seed, e.Train.LearningRate = seed, lr
	dir := filepath.Join(root, name)
	os.MkdirAll(dir, 0o755)
	if err := e.WriteFile(filepath.Join(dir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunsSeedsCommand(t *testing.T) {
	root := t.TempDir()
	seedRun(t, root, "a-s1", 1, 0.1)
	seedRun(t, root, "a-s2", 2, 0.1)
	s := newSession(t)
	out := s.run("runs --seeds " + root)
	if !strings.Contains(out, "\na              2  1,2    ") || !strings.Contains(out, "(2 unfinished, left out)") {
		t.Errorf("runs --seeds:\n%s", out)
	}
	os.WriteFile(filepath.Join(root, "a-s2", "config.yaml"), []byte("train: [\n"), 0o644)
	if _, err := s.try("runs --seeds " + root); err == nil || !strings.Contains(err.Error(), "a-s2") {
		t.Errorf("broken config copy: %v", err)
	}
}
