package embed

import (
	"math"
	"math/bits"
	"runtime"
	"sync"
	"unsafe"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// Dropout masks for the transformer layers, drawn in Go on all of
// libtorch's threads. libtorch draws a CPU dropout mask one element at a
// time on one thread (bernoulli_ is serial there, for reproducibility) and
// then scales it in a second pass; in a BERT layer's training step that
// was about a sixth of the time of the 4-layer/256 model on 2 cores
// (bench/transformer). The masks here mean the same (each entry 0 with
// probability p, else 1/(1−p)) and are as reproducible: the seed comes
// from libtorch's generator, so torch.Seed fixes them, and each block of
// maskBlock entries has its own generator (wyrand, seeded from the seed
// and the block's number), so the result does not depend on the number of
// threads.

// libtorchDropout makes the layers draw their masks with libtorch's own
// dropout, as PyTorch does: the test that compares a training step with
// dropout against PyTorch's sets it, to draw the same masks.
var libtorchDropout = false

const maskBlock = 1 << 15

// dropoutMask returns a float32 tensor of the given shape on the CPU whose
// entries are 0 with probability p and 1/(1−p) otherwise (0 < p < 1).
func dropoutMask(shape []int64, p float64) *ts.Tensor {
	mask := ts.MustEmpty(shape, gotch.Float, gotch.CPU)
	n := int(mask.Numel())
	if n == 0 {
		return mask
	}
	data := unsafe.Slice((*float32)(mask.MustDataPtr()), n)
	fillMask(data, maskSeed(), p, lib.AtGetNumThreads())
	runtime.KeepAlive(mask)
	return mask
}

// maskSeed draws a mask's seed from libtorch's default generator.
func maskSeed() uint64 {
	t := ts.MustRandint(math.MaxInt64, []int64{1}, gotch.Int64, gotch.CPU)
	defer t.MustDrop()
	return uint64(t.Int64Values()[0])
}

// fillMask fills data with the mask of seed, on workers goroutines; the
// result is the same for any number of workers.
func fillMask(data []float32, seed uint64, p float64, workers int) {
	// An entry is kept when a uniform 32-bit number is below keep:
	// probability keep/2³², within 2⁻³² of 1 − p.
	keep := uint64(math.Min(math.Round((1-p)*(1<<32)), (1<<32)-1))
	scale := float32(1 / (1 - p))
	blocks := (len(data) + maskBlock - 1) / maskBlock
	workers = max(1, min(workers, blocks))
	var next sync.Mutex
	nextBlock := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				b := nextBlock
				nextBlock++
				next.Unlock()
				if b >= blocks {
					return
				}
				part := data[b*maskBlock : min((b+1)*maskBlock, len(data))]
				state := seed ^ uint64(b)*0x9e3779b97f4a7c15
				for i := 0; i < len(part); i += 2 {
					r := wyrand(&state)
					// (x − keep) >> 63 is 1 when x < keep: no branch.
					part[i] = float32(((r&(1<<32-1))-keep)>>63) * scale
					if i+1 < len(part) {
						part[i+1] = float32(((r>>32)-keep)>>63) * scale
					}
				}
			}
		}()
	}
	wg.Wait()
}

// wyrand is Wang Yi's wyrand generator: a Weyl sequence mixed by one
// 64×64→128-bit product; fast, and random enough for dropout masks.
func wyrand(state *uint64) uint64 {
	*state += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(*state, *state^0xe7037ed1a0b428db)
	return hi ^ lo
}

// dropout_ applies dropout to t in place; dropout returns it applied to a
// new tensor (for inputs whose backward needs them unchanged, as softmax's
// output). Both are the identity unless train and p > 0.
func dropout_(t *ts.Tensor, p float64, train bool) {
	switch {
	case !train || p == 0:
	case libtorchDropout || t.MustDevice() != gotch.CPU || p >= 1:
		torch.InPlace(func(out *lib.Ctensor) { lib.AtgDropout_(out, lib.Ctensor(t.Ctensor()), p, 1) })
	default:
		mask := dropoutMask(t.MustSize(), p)
		torch.InPlace(func(out *lib.Ctensor) { lib.AtgMul_(out, lib.Ctensor(t.Ctensor()), lib.Ctensor(mask.Ctensor())) })
		mask.MustDrop()
	}
	runtime.KeepAlive(t)
}

func dropout(t *ts.Tensor, p float64, train bool) *ts.Tensor {
	switch {
	case !train || p == 0:
		return t.MustShallowClone()
	case libtorchDropout || t.MustDevice() != gotch.CPU || p >= 1:
		return ts.MustDropout(t, p, train)
	}
	mask := dropoutMask(t.MustSize(), p)
	defer mask.MustDrop()
	return t.MustMul(mask, false)
}
