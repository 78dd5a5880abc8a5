package pretrain

import (
	"path/filepath"
	"testing"
)

// TestShippedConfigs: every pretraining config in data/configs reads and
// passes Check.
func TestShippedConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "data", "configs", "pretrain-*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no pretraining configs in data/configs (%v)", err)
	}
	for _, f := range files {
		cfg, err := ReadConfig(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if err := cfg.Check(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
