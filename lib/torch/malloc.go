package torch

/*
#include <malloc.h>
#include <stdlib.h>

// nerlab_keep_freed_memory raises glibc's mmap and trim thresholds, each
// unless the user set it in the environment (glibc reads
// MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ itself). It returns 0
// when mallopt refused a value (an older glibc may refuse an mmap threshold
// above 32 MB), else 1, also when the environment's setting was kept.
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
// trimThreshold of free memory at its top before returning it to the
// system. (A thread's own arena grows in heaps of 64 MB, so there a block
// above that is still mapped afresh.)
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
// each new page faults. With these thresholds a BERT-base training step
// went from 0.94 to 0.90 of PyTorch's (BENCHMARKS.md, "transformer encoders
// on an idle machine"). The price is resident memory: freed blocks stay
// with the process for its next step. MALLOC_MMAP_THRESHOLD_ and
// MALLOC_TRIM_THRESHOLD_ in the environment take precedence, as glibc
// documents them (GLIBC_TUNABLES does not: mallopt overrides it). It
// reports whether mallopt took both values.
func keepFreedMemory() bool {
	keepFreedOnce.Do(func() { keptFreed = C.nerlab_keep_freed_memory(mmapThreshold, trimThreshold) == 1 })
	return keptFreed
}
