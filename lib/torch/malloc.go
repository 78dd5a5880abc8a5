package torch

/*
#include <malloc.h>
#include <stdlib.h>

// nerlab_keep_freed_memory raises glibc's mmap and trim thresholds unless
// the user set them in the environment (glibc reads MALLOC_MMAP_THRESHOLD_
// and MALLOC_TRIM_THRESHOLD_ itself). It returns 1 when both were set here.
static int nerlab_keep_freed_memory(int mmap_threshold, int trim_threshold) {
	int ok = 1;
	if (!getenv("MALLOC_MMAP_THRESHOLD_")) ok &= mallopt(M_MMAP_THRESHOLD, mmap_threshold);
	if (!getenv("MALLOC_TRIM_THRESHOLD_")) ok &= mallopt(M_TRIM_THRESHOLD, trim_threshold);
	return ok;
}
*/
import "C"

import "sync"

// Thresholds of keepFreedMemory. A block under mmapThreshold comes from
// the heap, so the activations of a transformer step (BERT-base's FFN on
// 32×128 tokens: 50 MB) are reused, not mapped afresh; the heap keeps up to
// trimThreshold of free memory at its top before returning it to the system.
const (
	mmapThreshold = 256 << 20
	trimThreshold = 1<<31 - 1 // the most mallopt takes (an int)
)

var (
	keepFreedOnce sync.Once
	keptFreed     bool
)

// keepFreedMemory makes glibc keep the large blocks a training step frees
// for the next step. By default glibc returns any block above its mmap
// threshold (at most 32 MB) to the system when it is freed, and trims the
// heap's top above 128 kB, so every step maps its large tensors again and
// each new page faults: measured on a BERT-base layer, 86.5 k page faults
// a step and 8–12 % of the step in the kernel; with these thresholds 31.5 k
// and the step 9 % faster (BENCHMARKS.md, "transformer encoders"). The
// price is resident memory: up to trimThreshold of freed memory stays with
// the process until it exits. MALLOC_MMAP_THRESHOLD_ and
// MALLOC_TRIM_THRESHOLD_ in the environment take precedence, as glibc
// documents them.
// It reports whether both thresholds are nerlab's.
func keepFreedMemory() bool {
	keepFreedOnce.Do(func() { keptFreed = C.nerlab_keep_freed_memory(mmapThreshold, trimThreshold) == 1 })
	return keptFreed
}
