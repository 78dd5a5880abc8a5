package optim

import (
	"fmt"
	"math"
	"math/big"

	"github.com/sugarme/gotch/ts"
)

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled
// Weight Decay Regularization", ICLR 2019), as in PyTorch 1.13's
// torch.optim.AdamW without amsgrad. For step t of a parameter:
//
//	p = p·(1 − lr·wd)
//	m = β1·m + (1−β1)·g
//	v = β2·v + (1−β2)·g²
//	p = p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
//
// Each parameter counts its own steps, so one that first receives a
// gradient late starts its bias correction at t = 1, as in PyTorch.
type AdamW struct {
	core
	beta1, beta2, eps float64
	corr              biasCorrection // memo for the step count last seen
}

// biasCorrection holds 1−β1^t and √(1−β2^t) for one step count t.
type biasCorrection struct {
	t         int64
	one, two  float64
	populated bool
}

// NewAdamW makes an AdamW optimizer. The usual settings are β1 = 0.9,
// β2 = 0.999, ε = 1e-8. Invalid settings are reported by Step and
// LoadState.
func NewAdamW(groups []Group, beta1, beta2, eps float64) Optimizer {
	o := &AdamW{core: newCore("adamw", groups, []string{"exp_avg", "exp_avg_sq"}), beta1: beta1, beta2: beta2, eps: eps}
	switch {
	case o.invalid != nil:
	case !(beta1 >= 0 && beta1 < 1):
		o.invalid = fmt.Errorf("optim: adamw: beta1 %v; expected 0 <= beta1 < 1", beta1)
	case !(beta2 >= 0 && beta2 < 1):
		o.invalid = fmt.Errorf("optim: adamw: beta2 %v; expected 0 <= beta2 < 1", beta2)
	case !finiteNonNegative(eps):
		o.invalid = fmt.Errorf("optim: adamw: eps %v; expected a finite value >= 0", eps)
	}
	return o
}

// Step implements Optimizer.
func (o *AdamW) Step(lr float64) error { return o.step(lr, o.update) }

func (o *AdamW) update(s *slot, p, g handle, lr float64) error {
	if s.state[0] == nil {
		fresh := make([]*ts.Tensor, len(s.state))
		for i := range fresh {
			z, err := zerosLike(p)
			if err != nil {
				return err // the adopted ones are freed by the collector
			}
			fresh[i] = adopt(z)
		}
		copy(s.state, fresh)
	}
	m, v := raw(s.state[0]), raw(s.state[1])

	if s.weightDecay != 0 && lr != 0 {
		if err := mulScalar_(p, 1-lr*s.weightDecay); err != nil {
			return err
		}
	}
	// m = β1·m + (1−β1)·g. (lerp_ would be one kernel, but libtorch 1.13's
	// CPU lerp is about three times slower than these two.)
	if err := mulScalar_(m, o.beta1); err != nil {
		return err
	}
	if err := axpy_(m, g, 1-o.beta1); err != nil {
		return err
	}
	// v = β2·v + ((1−β2)·g)·g, PyTorch's own order of operations.
	if err := mulScalar_(v, o.beta2); err != nil {
		return err
	}
	scaled, err := mulScalar(g, 1-o.beta2)
	if err != nil {
		return err
	}
	err = addcmul_(v, scaled, g)
	free(scaled)
	if err != nil || lr == 0 {
		return err
	}

	if t := s.steps + 1; !o.corr.populated || o.corr.t != t {
		o.corr = biasCorrection{t: t, populated: true,
			one: 1 - powRounded(o.beta1, t), two: math.Sqrt(1 - powRounded(o.beta2, t))}
	}
	stepSize := lr / o.corr.one
	biasCorrection2Sqrt := o.corr.two
	denom, err := sqrt(v)
	if err != nil {
		return err
	}
	defer free(denom)
	if err := divScalar_(denom, biasCorrection2Sqrt); err != nil {
		return err
	}
	if err := addScalar_(denom, o.eps); err != nil {
		return err
	}
	// p += (−stepSize·m) / denom, in PyTorch's order of operations.
	step, err := mulScalar(m, -stepSize)
	if err != nil {
		return err
	}
	defer free(step)
	return addcdiv_(p, step, denom)
}

// State implements Optimizer.
func (o *AdamW) State() (map[string]*ts.Tensor, map[string]any) {
	return o.exportState(map[string]any{"beta1": o.beta1, "beta2": o.beta2, "eps": o.eps})
}

// LoadState implements Optimizer.
func (o *AdamW) LoadState(tensors map[string]*ts.Tensor, meta map[string]any) error {
	return o.importState(tensors, meta)
}

// powRounded is b^n rounded once to float64, as C's pow (and so Python's
// beta ** step in PyTorch) gives it; Go's math.Pow multiplies repeatedly
// for whole exponents and can be an ulp off, which would make the bias
// corrections, and every update, differ from PyTorch's in the last bit.
func powRounded(b float64, n int64) float64 {
	const bits = 256 // far beyond float64, so the one final rounding decides
	x := new(big.Float).SetPrec(bits).SetFloat64(b)
	r := new(big.Float).SetPrec(bits).SetFloat64(1)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			r.Mul(r, x)
		}
		x.Mul(x, x)
	}
	f, _ := r.Float64()
	return f
}
