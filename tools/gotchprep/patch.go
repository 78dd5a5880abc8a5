package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Patch is a fix to gotch's Go sources, applied after copying. Old must
// occur exactly once, so a gotch release that changed the code makes the
// preparation fail loudly instead of silently skipping the fix.
type Patch struct {
	File     string // relative to the module root
	Old, New string
	Why      string
}

var patches = []Patch{{
	File: "libtch/tensor.go",
	Old:  "return *(*int)(unsafe.Pointer(&cretVal))",
	New:  "return int(cretVal)",
	Why: "AtGradSetEnabled read the 4-byte C int result through an 8-byte *int, " +
		"so GradSetEnabled reported a garbage previous state and NoGrad scopes could not be restored",
}}

// applyPatches applies every patch under root.
func applyPatches(root string, ps []Patch) error {
	for _, p := range ps {
		path := filepath.Join(root, p.File)
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("patch %s: %w", p.File, err)
		}
		if n := strings.Count(string(data), p.Old); n != 1 {
			return fmt.Errorf("patch %s: expected the text %q once, found it %d times (gotch changed?)", p.File, p.Old, n)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), p.Old, p.New, 1)), 0o644); err != nil {
			return err
		}
	}
	return nil
}
