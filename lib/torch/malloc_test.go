package torch

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// minorFaults is the process's count of page faults served without I/O.
func minorFaults(t *testing.T) int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		t.Fatal(err)
	}
	return u.Minflt
}

// A 50 MB tensor made and freed again and again must reuse its pages: with
// glibc's defaults each one is a fresh mapping and every page faults anew.
func TestLargeFreedBlocksAreReused(t *testing.T) {
	if os.Getenv("MALLOC_MMAP_THRESHOLD_") != "" || os.Getenv("MALLOC_TRIM_THRESHOLD_") != "" {
		t.Skip("the environment sets glibc's thresholds")
	}
	if thp, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); strings.Contains(string(thp), "[always]") {
		t.Skip("transparent huge pages are always on: the page faults do not count 4 kB pages")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	SetThreads(0) // what training calls
	if !keptFreed {
		t.Fatal("SetThreads did not set the thresholds (or mallopt refused them)")
	}
	const rows, cols = 4096, 3072 // BERT-base's FFN activations on 32×128 tokens
	pages := int64(rows * cols * 4 / os.Getpagesize())
	step := func() {
		x := ts.MustOnes([]int64{rows, cols}, gotch.Float, gotch.CPU) // touches every page
		x.MustDrop()
	}
	for range 20 { // the heap grows to its working size over the first steps
		step()
	}
	before := minorFaults(t)
	const steps = 10
	for range steps {
		step()
	}
	faults := minorFaults(t) - before
	if faults > pages {
		t.Errorf("%d page faults in %d steps of a %d-page tensor; freed blocks are not reused", faults, steps, pages)
	}
}
