package main

import (
	"os"
	"path/filepath"
	"testing"
)

// wnut17 is the shared WNUT-17 folder ($NERLAB_DATASETS/wnut17, else
// ../shared/datasets/wnut17 beside the checkout); without it the test skips,
// or fails under CI=true.
func wnut17(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NERLAB_DATASETS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "datasets")
	}
	dir = filepath.Join(dir, "wnut17")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared datasets missing: %v", err)
		}
		t.Skipf("shared datasets missing: %v", err)
	}
	return dir
}
