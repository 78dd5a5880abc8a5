package optim

import (
	"fmt"

	"github.com/sugarme/gotch/ts"
)

// SGD is stochastic gradient descent with optional (Nesterov) momentum and
// coupled L2 weight decay, following PyTorch 1.13's torch.optim.SGD with
// dampening 0:
//
//	d = g + wd·p
//	b = d                (first step)      b = μ·b + d   (later steps)
//	d = d + μ·b          (Nesterov)        d = b         (otherwise, if μ ≠ 0)
//	p = p − lr·d
//
// Plain SGD (μ = 0) is flair's default optimizer and keeps no state.
type SGD struct {
	core
	momentum float64
	nesterov bool
}

// NewSGD makes an SGD optimizer. An invalid setting (negative momentum,
// Nesterov without momentum, see also CheckGroups) is reported by Step and
// LoadState.
func NewSGD(groups []Group, momentum float64, nesterov bool) Optimizer {
	var names []string
	if momentum != 0 {
		names = []string{"momentum_buffer"}
	}
	o := &SGD{core: newCore("sgd", groups, names), momentum: momentum, nesterov: nesterov}
	switch {
	case o.invalid != nil:
	case !finiteNonNegative(momentum):
		o.invalid = fmt.Errorf("optim: sgd: momentum %v; expected a finite value >= 0", momentum)
	case nesterov && momentum == 0:
		o.invalid = fmt.Errorf("optim: sgd: Nesterov momentum needs momentum > 0")
	}
	return o
}

// Step implements Optimizer.
func (o *SGD) Step(lr float64) error { return o.step(lr, o.update) }

func (o *SGD) update(s *slot, p, g handle, lr float64) error {
	// d is the update direction; it is freed at the end only when it is a
	// tensor made here (not the gradient or the momentum buffer).
	d, owned := g, false
	defer func() {
		if owned {
			free(d)
		}
	}()
	replace := func(next handle, nextOwned bool) {
		if owned {
			free(d)
		}
		d, owned = next, nextOwned
	}
	if s.weightDecay != 0 {
		wd, err := axpy(g, p, s.weightDecay) // g + wd·p
		if err != nil {
			return err
		}
		replace(wd, true)
	}
	if o.momentum != 0 {
		if s.state[0] == nil {
			b, err := clone(d)
			if err != nil {
				return err
			}
			s.state[0] = adopt(b)
		} else {
			b := raw(s.state[0])
			if err := mulScalar_(b, o.momentum); err != nil {
				return err
			}
			if err := add_(b, d); err != nil {
				return err
			}
		}
		b := raw(s.state[0])
		if o.nesterov {
			n, err := axpy(d, b, o.momentum) // d + μ·b
			if err != nil {
				return err
			}
			replace(n, true)
		} else {
			replace(b, false)
		}
	}
	if lr == 0 {
		return nil
	}
	return axpy_(p, d, -lr)
}

// State implements Optimizer.
func (o *SGD) State() (map[string]*ts.Tensor, map[string]any) {
	return o.exportState(map[string]any{"momentum": o.momentum, "nesterov": o.nesterov})
}

// LoadState implements Optimizer.
func (o *SGD) LoadState(tensors map[string]*ts.Tensor, meta map[string]any) error {
	return o.importState(tensors, meta)
}
