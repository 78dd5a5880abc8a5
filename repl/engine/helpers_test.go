package main

import (
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// wnut17 is the shared WNUT-17 folder; without it the test skips, or fails
// under CI=true.
func wnut17(t *testing.T) string { return shareddata.Path(t, "datasets", "wnut17") }
