package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/runs/runstest"
)

func TestRunsSeedsCommand(t *testing.T) {
	root := t.TempDir()
	runstest.SeedRun(t, root, "a-s1", 1, 0.1)
	runstest.SeedRun(t, root, "a-s2", 2, 0.1)
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
