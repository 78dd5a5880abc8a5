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
}, {
	File: "ts/tensor.go",
	Old: `func NoGrad(fn func()) {
	// Switch off Grad
	MustGradSetEnabled(false)

	fn()

	// Switch on Grad
	MustGradSetEnabled(true)
}`,
	New: `func NoGrad(fn func()) {
	// Patched by nerlab: libtorch's grad mode is per OS thread, so the
	// goroutine stays on one thread while it is off, and the previous mode
	// is restored (also on panic) instead of forcing it on.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := MustGradSetEnabled(false)
	defer MustGradSetEnabled(prev)
	fn()
}`,
	Why: "gotch's NoGrad (used by nn's initialisers and VarStore loading) switched gradients off on one OS thread " +
		"and, after the goroutine moved, back on on another, leaving the first thread without gradients: " +
		"a later backward on it failed with 'element 0 of tensors does not require grad'",
}}

// extraFiles are Go files added to gotch's packages: wrappers for C functions
// that torch_api.h declares but gotch's Go API does not expose. Seeding makes
// training reproducible (dropout masks, initialisation) and thread control
// lets benchmarks pin the core count.
var extraFiles = map[string]string{
	"libtch/nerlab_extra.go": `// Code added by nerlab's tools/gotchprep; not part of gotch.

package libtch

// #include <stdbool.h>
// #include "torch_api.h"
import "C"

// AtManualSeed seeds libtorch's default generators.
func AtManualSeed(seed int64) { C.at_manual_seed(C.int64_t(seed)) }

// AtSetNumThreads sets the intra-op thread count.
func AtSetNumThreads(n int) { C.at_set_num_threads(C.int(n)) }

// AtGetNumThreads reports the intra-op thread count.
func AtGetNumThreads() int { return int(C.at_get_num_threads()) }
`,
}

// addExtraFiles writes extraFiles under root, refusing to overwrite a file
// gotch itself ships.
func addExtraFiles(root string, files map[string]string) error {
	for name, text := range files {
		path := filepath.Join(root, name)
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("extra file %s already exists in gotch", name)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

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
