package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sugarme/gotch"
)

// groupSpec is a Group by parameter names.
type groupSpec struct {
	name        string
	params      []string
	lrScale     float64
	weightDecay float64
}

// scenario is a small training run: parameters, groups, optimizer settings
// and, per step, a base LR and the gradients that step sees (a parameter
// missing from a step keeps a zeroed gradient, or none if it never had one).
type scenario struct {
	name         string
	kind         string // "sgd" or "adamw"
	momentum     float64
	nesterov     bool
	beta1, beta2 float64
	eps          float64
	params       []spec
	groups       []groupSpec
	lrs          []float64
	grads        []map[string][]float64
}

// trajectory is every parameter's values after every step.
type trajectory []map[string][]float64

// newScenario builds a seeded run with two groups (the second with an LR
// multiplier, like CLNER's CRF group), weight decay in both, a parameter
// that gets no gradient in the first two steps, one that sees a zero
// gradient in step 3, and an LR of 0 in step 5.
func newScenario(name, kind string, seed uint64) scenario {
	r := rand.New(rand.NewPCG(seed, 7))
	params := []spec{
		{name: "enc.weight", shape: []int64{3, 4}},
		{name: "enc.bias", shape: []int64{4}},
		{name: "late.weight", shape: []int64{3}},
		{name: "crf.transitions", shape: []int64{2, 2, 2}},
	}
	for i := range params {
		params[i].values = randomValues(r, numel(params[i].shape), 1)
	}
	base := 0.1
	if kind == "adamw" {
		base = 0.01
	}
	factors := []float64{1, 1, 0.5, 0.5, 0.25, 0, 0.25}
	sc := scenario{
		name: name, kind: kind, beta1: 0.9, beta2: 0.999, eps: 1e-8, params: params,
		groups: []groupSpec{
			{name: "main", params: []string{"enc.weight", "enc.bias", "late.weight"}, weightDecay: 0.01},
			{name: "crf", params: []string{"crf.transitions"}, lrScale: 5, weightDecay: 0.1},
		},
	}
	for step, f := range factors {
		sc.lrs = append(sc.lrs, base*f)
		grads := map[string][]float64{}
		for _, p := range params {
			if p.name == "late.weight" && step < 2 || p.name == "enc.bias" && step == 3 {
				continue
			}
			grads[p.name] = randomValues(r, numel(p.shape), 1)
		}
		sc.grads = append(sc.grads, grads)
	}
	return sc
}

// build makes the scenario's parameters and optimizer on tensors of dtype.
func (sc scenario) build(t *testing.T, dtype gotch.DType) ([]Param, Optimizer) {
	t.Helper()
	byName := map[string]Param{}
	var all []Param
	for _, s := range sc.params {
		p := newParam(t, s, dtype)
		byName[s.name] = p
		all = append(all, p)
	}
	var groups []Group
	for _, g := range sc.groups {
		grp := Group{Name: g.name, LRScale: g.lrScale, WeightDecay: g.weightDecay}
		for _, n := range g.params {
			grp.Params = append(grp.Params, byName[n])
		}
		groups = append(groups, grp)
	}
	if sc.kind == "sgd" {
		return all, NewSGD(groups, sc.momentum, sc.nesterov)
	}
	return all, NewAdamW(groups, sc.beta1, sc.beta2, sc.eps)
}

// runSteps applies steps [from, to) of the scenario.
func (sc scenario) runSteps(t *testing.T, params []Param, opt Optimizer, from, to int) trajectory {
	t.Helper()
	var out trajectory
	for k := from; k < to; k++ {
		opt.ZeroGrad()
		setGrads(t, params, sc.grads[k])
		if err := opt.Step(sc.lrs[k]); err != nil {
			t.Fatalf("step %d: %v", k, err)
		}
		snap := map[string][]float64{}
		for _, p := range params {
			snap[p.Name] = values(p)
		}
		out = append(out, snap)
	}
	return out
}

// run executes the whole scenario on tensors of dtype.
func (sc scenario) run(t *testing.T, dtype gotch.DType) trajectory {
	params, opt := sc.build(t, dtype)
	return sc.runSteps(t, params, opt, 0, len(sc.lrs))
}

// reference computes the scenario in plain Go float64 with PyTorch 1.13's
// formulas for torch.optim.SGD (dampening 0) and torch.optim.AdamW.
// round32 rounds inputs like float32 tensors hold them.
func (sc scenario) reference(round32 bool) trajectory {
	conv := func(v []float64) []float64 {
		if round32 {
			return roundTo32(v)
		}
		return append([]float64(nil), v...)
	}
	type state struct {
		p, g, m, v, buf []float64
		steps           int
		scale, wd       float64
	}
	st := map[string]*state{}
	var order []string
	for _, s := range sc.params {
		st[s.name] = &state{p: conv(s.values)}
		order = append(order, s.name)
	}
	for _, g := range sc.groups {
		for _, n := range g.params {
			st[n].scale, st[n].wd = g.lrScale, g.weightDecay
			if st[n].scale == 0 {
				st[n].scale = 1
			}
		}
	}
	var out trajectory
	for k, base := range sc.lrs {
		for _, n := range order {
			s := st[n]
			if g, ok := sc.grads[k][n]; ok {
				s.g = conv(g)
			} else if s.g != nil {
				s.g = make([]float64, len(s.g))
			}
			if s.g == nil {
				continue
			}
			lr := base * s.scale
			s.steps++
			if sc.kind == "sgd" {
				sgdReference(s.p, s.g, &s.buf, lr, s.wd, sc.momentum, sc.nesterov)
			} else {
				if s.m == nil {
					s.m, s.v = make([]float64, len(s.p)), make([]float64, len(s.p))
				}
				adamwReference(s.p, s.g, s.m, s.v, s.steps, lr, s.wd, sc.beta1, sc.beta2, sc.eps)
			}
		}
		snap := map[string][]float64{}
		for _, n := range order {
			snap[n] = append([]float64(nil), st[n].p...)
		}
		out = append(out, snap)
	}
	return out
}

func sgdReference(p, g []float64, buf *[]float64, lr, wd, momentum float64, nesterov bool) {
	d := make([]float64, len(p))
	for i := range p {
		d[i] = g[i] + wd*p[i]
	}
	if momentum != 0 {
		if *buf == nil {
			*buf = append([]float64(nil), d...)
		} else {
			for i := range d {
				(*buf)[i] = momentum*(*buf)[i] + d[i]
			}
		}
		for i := range d {
			if nesterov {
				d[i] += momentum * (*buf)[i]
			} else {
				d[i] = (*buf)[i]
			}
		}
	}
	for i := range p {
		p[i] -= lr * d[i]
	}
}

func adamwReference(p, g, m, v []float64, step int, lr, wd, beta1, beta2, eps float64) {
	bc1 := 1 - math.Pow(beta1, float64(step))
	bc2 := 1 - math.Pow(beta2, float64(step))
	for i := range p {
		p[i] *= 1 - lr*wd
		m[i] = beta1*m[i] + (1-beta1)*g[i]
		v[i] = beta2*v[i] + (1-beta2)*g[i]*g[i]
		p[i] -= lr / bc1 * m[i] / (math.Sqrt(v[i])/math.Sqrt(bc2) + eps)
	}
}

// compareTrajectories fails the test at the first value outside tol.
func compareTrajectories(t *testing.T, got, want trajectory, tol float64, what string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d steps, want %d", what, len(got), len(want))
	}
	for k := range want {
		for name, w := range want[k] {
			if i := closeTo(got[k][name], w, tol); i >= 0 {
				t.Fatalf("%s: step %d %s[%d] = %.17g, want %.17g (tolerance %g)", what, k, name, i, got[k][name][i], w[i], tol)
			}
		}
	}
}

// maxRelDiff is the largest |a−b|/(1+|b|) over all steps and values.
func maxRelDiff(got, want trajectory) float64 {
	worst := 0.0
	for k := range want {
		for name, w := range want[k] {
			for i := range w {
				worst = math.Max(worst, math.Abs(got[k][name][i]-w[i])/(1+math.Abs(w[i])))
			}
		}
	}
	return worst
}

// optimizerScenarios are the runs compared against Go and PyTorch.
func optimizerScenarios() []scenario {
	plain := newScenario("sgd", "sgd", 1)
	momentum := newScenario("sgd-momentum", "sgd", 2)
	momentum.momentum = 0.9
	nesterov := newScenario("sgd-nesterov", "sgd", 3)
	nesterov.momentum, nesterov.nesterov = 0.9, true
	adamw := newScenario("adamw", "adamw", 4)
	adamwOdd := newScenario("adamw-betas", "adamw", 5)
	adamwOdd.beta1, adamwOdd.beta2, adamwOdd.eps = 0.8, 0.95, 1e-3
	return []scenario{plain, momentum, nesterov, adamw, adamwOdd}
}
