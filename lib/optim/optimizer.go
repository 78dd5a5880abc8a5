package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// Param is one trainable tensor. Name is its VarStore name; optimizer state
// is saved and restored under it, so it must be unique and stable across
// runs.
type Param struct {
	Name   string
	Tensor *ts.Tensor
}

// Group is a set of parameters sharing hyper-parameters.
//
// LRScale multiplies the schedule's learning rate for this group (CLNER
// trains the CRF transitions with a multiplied LR); 0 means 1, so a zero
// Group trains at the schedule's rate. WeightDecay is coupled L2 for SGD
// (added to the gradient) and decoupled decay for AdamW.
type Group struct {
	Name        string
	Params      []Param
	LRScale     float64
	WeightDecay float64
}

// scale is the group's effective LR multiplier.
func (g Group) scale() float64 {
	if g.LRScale == 0 {
		return 1
	}
	return g.LRScale
}

// Optimizer updates parameters from their gradients and can export and
// restore its whole state. It is not safe for concurrent use.
type Optimizer interface {
	// Step applies one update with base learning rate lr (times each
	// group's LRScale) to every parameter whose gradient is defined;
	// parameters that never received a gradient are left alone and keep
	// no state, as in PyTorch.
	Step(lr float64) error
	// ZeroGrad sets every defined gradient to zero (PyTorch 1.13's
	// zero_grad(set_to_none=False)). A failure is reported by the next Step.
	ZeroGrad()
	// State returns everything needed to resume: tensors are fresh copies
	// on the parameters' devices, owned by the caller (drop them after
	// saving), keyed
	// "<param name>.<state name>" with PyTorch's state names (exp_avg,
	// exp_avg_sq, momentum_buffer); meta holds JSON-encodable values
	// (optimizer name, hyper-parameters, per-parameter step counts).
	State() (tensors map[string]*ts.Tensor, meta map[string]any)
	// LoadState replaces the optimizer's state with copies of the given
	// tensors, converted to each parameter's dtype and device (the caller
	// keeps and drops its tensors). It checks everything before changing
	// anything: a missing, unexpected or wrongly shaped tensor, or state of
	// another optimizer, is an error and leaves the current state as it
	// was. meta may have passed through JSON (numbers as float64).
	// Hyper-parameters in meta are not compared with the optimizer's, so a
	// resumed run may change them on purpose.
	LoadState(tensors map[string]*ts.Tensor, meta map[string]any) error
	// Name is "sgd" or "adamw".
	Name() string
	// Release frees the state tensors now rather than whenever Go's
	// finalizers get to them: a REPL or kernel session that trains again
	// would otherwise hold two models' optimizer state (AdamW's is twice
	// the parameters). The optimizer stays usable, as if just made.
	Release()
}

// CheckGroups reports what is wrong with a parameter set: no parameters,
// an empty or repeated parameter name, a nil or dropped tensor, or a
// negative or non-finite LRScale or WeightDecay. The constructors run it
// and report its error from Step and LoadState.
func CheckGroups(groups []Group) error {
	seen := map[string]string{}
	count := 0
	for gi, g := range groups {
		label := g.Name
		if label == "" {
			label = fmt.Sprintf("#%d", gi)
		}
		if !finiteNonNegative(g.LRScale) {
			return fmt.Errorf("optim: group %s: LRScale %v; expected a finite value >= 0 (0 means 1)", label, g.LRScale)
		}
		if !finiteNonNegative(g.WeightDecay) {
			return fmt.Errorf("optim: group %s: WeightDecay %v; expected a finite value >= 0", label, g.WeightDecay)
		}
		for pi, p := range g.Params {
			switch {
			case p.Name == "":
				return fmt.Errorf("optim: group %s: parameter %d has no name; expected its VarStore name", label, pi)
			case p.Tensor == nil || raw(p.Tensor) == nil:
				return fmt.Errorf("optim: group %s: parameter %q has no tensor (nil or dropped)", label, p.Name)
			}
			if other, dup := seen[p.Name]; dup {
				return fmt.Errorf("optim: parameter %q appears twice (groups %s and %s); expected unique names", p.Name, other, label)
			}
			seen[p.Name] = label
			count++
		}
	}
	if count == 0 {
		return errors.New("optim: no parameters to optimize")
	}
	return nil
}

func finiteNonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }

// slot is one parameter with its group's settings and its state.
type slot struct {
	param       Param
	lrScale     float64
	weightDecay float64
	steps       int64        // updates applied to this parameter
	state       []*ts.Tensor // one per core.stateNames entry, each nil until the first update
}

// core is what SGD and AdamW share: the parameter slots and the names of
// their state tensors. invalid is a settings error from construction,
// reported by every Step and LoadState; pending is a ZeroGrad failure,
// reported by the next Step.
type core struct {
	name       string
	slots      []*slot
	stateNames []string
	invalid    error
	pending    error
}

func newCore(name string, groups []Group, stateNames []string) core {
	c := core{name: name, stateNames: stateNames, invalid: CheckGroups(groups)}
	if c.invalid != nil {
		return c
	}
	for _, g := range groups {
		for _, p := range g.Params {
			c.slots = append(c.slots, &slot{
				param: p, lrScale: g.scale(), weightDecay: g.WeightDecay,
				state: make([]*ts.Tensor, len(stateNames)),
			})
		}
	}
	return c
}

func (c *core) Name() string { return c.name }

func (c *core) Release() {
	for _, s := range c.slots {
		for i, t := range s.state {
			if t != nil {
				t.MustDrop()
				s.state[i] = nil
			}
		}
		s.steps = 0
	}
	c.pending = nil
}

// step validates lr and runs update on every slot whose parameter has a
// gradient, under no-grad and on one OS thread.
func (c *core) step(lr float64, update func(s *slot, p, g handle, lr float64) error) error {
	if c.invalid != nil {
		return c.invalid
	}
	if err := c.pending; err != nil {
		c.pending = nil // reported once; the next ZeroGrad may succeed
		return err
	}
	if !finiteNonNegative(lr) {
		return fmt.Errorf("optim: %s: learning rate %v; expected a finite value >= 0", c.name, lr)
	}
	var err error
	torch.NoGrad(func() {
		for _, s := range c.slots {
			p := raw(s.param.Tensor)
			if p == nil {
				err = fmt.Errorf("optim: %s: parameter %q was dropped", c.name, s.param.Name)
				return
			}
			g, gradErr := grad(p)
			if gradErr != nil {
				err = gradErr
				return
			}
			if g == nil {
				continue // no gradient yet: PyTorch skips it too
			}
			err = update(s, p, g, lr*s.lrScale)
			free(g)
			if err != nil {
				err = fmt.Errorf("%w (parameter %q)", err, s.param.Name)
				return
			}
			s.steps++
		}
	})
	return err
}

func (c *core) ZeroGrad() {
	torch.NoGrad(func() {
		for _, s := range c.slots {
			if err := zeroGrad(s.param.Tensor); err != nil {
				c.pending = fmt.Errorf("optim: %s: zero_grad of parameter %q: %w", c.name, s.param.Name, err)
				return
			}
		}
	})
}

// zeroGrad detaches and zeroes t's gradient if it has one.
func zeroGrad(t *ts.Tensor) error {
	p := raw(t)
	if p == nil {
		return errors.New("tensor was dropped")
	}
	g, err := grad(p)
	if err != nil || g == nil {
		return err
	}
	defer free(g)
	if err := detach_(g); err != nil {
		return err
	}
	return zero_(g)
}
