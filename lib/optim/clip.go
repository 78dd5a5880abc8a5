package optim

import (
	"math"

	"github.com/nerlab/nerlab/lib/torch"
)

// clipEps keeps the clip coefficient finite for zero gradients; PyTorch's
// clip_grad_norm_ adds the same 1e-6 to the total norm.
const clipEps = 1e-6

// ClipGradNorm rescales the gradients of params in place so that their
// joint L2 norm is at most maxNorm, like torch.nn.utils.clip_grad_norm_
// with norm_type 2, and returns the norm before clipping. Parameters
// without a gradient are skipped; with none at all the norm is 0.
//
// The total is sqrt(Σ‖g_i‖²) over per-tensor norms (each computed by
// libtorch in the gradient's dtype), accumulated in float64; gradients are
// multiplied by maxNorm/(total+1e-6) when that is below 1. Two deliberate
// differences from PyTorch: gradients are left untouched when the factor
// is ≥ 1 (PyTorch multiplies by 1.0, which changes nothing), and when the
// total is NaN or ±Inf (PyTorch would write NaN into every gradient); the
// caller should then skip the step. NaN is also returned if libtorch fails.
func ClipGradNorm(params []Param, maxNorm float64) (total float64) {
	total = math.NaN()
	torch.NoGrad(func() {
		var grads []handle
		defer func() {
			for _, g := range grads {
				free(g)
			}
		}()
		sumSquares := 0.0
		for _, p := range params {
			h := raw(p.Tensor)
			if h == nil {
				return
			}
			g, err := grad(h)
			if err != nil {
				return
			}
			if g == nil {
				continue
			}
			grads = append(grads, g)
			n, err := norm2(g)
			if err != nil {
				return
			}
			sumSquares += n * n
		}
		norm := math.Sqrt(sumSquares)
		if coef := maxNorm / (norm + clipEps); coef < 1 && !math.IsNaN(norm) && !math.IsInf(norm, 0) {
			for _, g := range grads {
				if err := mulScalar_(g, coef); err != nil {
					return
				}
			}
		}
		total = norm
	})
	return total
}

// GradsFinite reports whether every defined gradient of params is free of
// NaN and ±Inf; a libtorch failure also reads as false. It reads one value
// per parameter back from the device.
func GradsFinite(params []Param) bool {
	ok := true
	torch.NoGrad(func() {
		for _, p := range params {
			h := raw(p.Tensor)
			if h == nil {
				ok = false
				return
			}
			g, err := grad(h)
			if err != nil {
				ok = false
				return
			}
			if g == nil {
				continue
			}
			finite, err := allFinite(g)
			free(g)
			if err != nil || !finite {
				ok = false
				return
			}
		}
	})
	return ok
}

// AllParams flattens groups into one list, for ClipGradNorm and
// GradsFinite.
func AllParams(groups []Group) []Param {
	var all []Param
	for _, g := range groups {
		all = append(all, g.Params...)
	}
	return all
}
