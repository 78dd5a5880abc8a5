package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
)

func TestOptimizersMatchGoReference(t *testing.T) {
	for _, sc := range optimizerScenarios() {
		t.Run(sc.name+"/float64", func(t *testing.T) {
			got := sc.run(t, gotch.Double)
			want := sc.reference(false)
			// Only rounding separates them: PyTorch-style op order vs the
			// textbook formula, in float64.
			compareTrajectories(t, got, want, 1e-14, "float64 tensors vs Go float64")
			t.Logf("max relative difference %.3g", maxRelDiff(got, want))
		})
		t.Run(sc.name+"/float32", func(t *testing.T) {
			got := sc.run(t, gotch.Float)
			want := sc.reference(true)
			compareTrajectories(t, got, want, 5e-7, "float32 tensors vs Go float64")
			t.Logf("max relative difference %.3g", maxRelDiff(got, want))
		})
	}
}

// TestScenarioExercisesEveryPath guards the scenarios themselves: the late
// parameter must stay untouched while it has no gradient and move after,
// and an LR of 0 must leave SGD parameters (without momentum) in place.
func TestScenarioExercisesEveryPath(t *testing.T) {
	sc := newScenario("sgd", "sgd", 1)
	tr := sc.run(t, gotch.Double)
	for k := 0; k < 2; k++ {
		if i := closeTo(tr[k]["late.weight"], sc.params[2].values, 0); i >= 0 {
			t.Fatalf("late.weight moved at step %d without a gradient", k)
		}
	}
	if closeTo(tr[2]["late.weight"], sc.params[2].values, 0) < 0 {
		t.Fatal("late.weight did not move at step 2, its first gradient")
	}
	if sc.lrs[5] != 0 || closeTo(tr[5]["enc.weight"], tr[4]["enc.weight"], 0) >= 0 {
		t.Fatal("plain SGD moved a parameter at LR 0")
	}
}

// TestHandComputedSteps checks single updates against numbers worked out
// by hand.
func TestHandComputedSteps(t *testing.T) {
	cases := []struct {
		name   string
		opt    func([]Group) Optimizer
		group  Group
		p, g   float64
		lrs    []float64
		expect []float64 // parameter after each step (same gradient each step)
	}{
		{
			// p − lr·scale·(g + wd·p) = 1 − 0.2·(0.5 + 0.01) = 0.898
			name: "sgd scale and coupled decay", opt: func(gs []Group) Optimizer { return NewSGD(gs, 0, false) },
			group: Group{LRScale: 2, WeightDecay: 0.01}, p: 1, g: 0.5, lrs: []float64{0.1},
			expect: []float64{0.898},
		},
		{
			// b1 = 0.5, p1 = 1 − 0.1·0.5 = 0.95; b2 = 0.9·0.5 + 0.5 = 0.95,
			// p2 = 0.95 − 0.1·0.95 = 0.855
			name: "sgd momentum", opt: func(gs []Group) Optimizer { return NewSGD(gs, 0.9, false) },
			p: 1, g: 0.5, lrs: []float64{0.1, 0.1}, expect: []float64{0.95, 0.855},
		},
		{
			// step 1: b = 0.5, d = 0.5 + 0.9·0.5 = 0.95, p = 1 − 0.095 = 0.905
			// step 2: b = 0.95, d = 0.5 + 0.855 = 1.355, p = 0.905 − 0.1355 = 0.7695
			name: "sgd nesterov", opt: func(gs []Group) Optimizer { return NewSGD(gs, 0.9, true) },
			p: 1, g: 0.5, lrs: []float64{0.1, 0.1}, expect: []float64{0.905, 0.7695},
		},
		{
			// First Adam step: m̂ = g, √v̂ = |g|, so p·(1 − lr·wd) − lr·g/(|g|+ε)
			// = 0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.899000002 (to 1e-15).
			name: "adamw first step with decoupled decay", opt: func(gs []Group) Optimizer { return NewAdamW(gs, 0.9, 0.999, 1e-8) },
			group: Group{WeightDecay: 0.01}, p: 1, g: 0.5, lrs: []float64{0.1},
			expect: []float64{0.999 - 0.1*0.5/(0.5+1e-8)},
		},
		{
			// With a constant gradient m̂ = g and v̂ = g² at every step, so
			// each step moves lr·g/(|g|+ε) ≈ lr: 1 → 0.9 → 0.8 (scale 2 on 0.05).
			name: "adamw scale, constant gradient", opt: func(gs []Group) Optimizer { return NewAdamW(gs, 0.9, 0.999, 1e-8) },
			group: Group{LRScale: 2}, p: 1, g: 0.5, lrs: []float64{0.05, 0.05},
			expect: []float64{1 - 0.1*0.5/(0.5+1e-8), 1 - 2*0.1*0.5/(0.5+1e-8)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newParam(t, spec{name: "w", shape: []int64{1}, values: []float64{tc.p}}, gotch.Double)
			g := tc.group
			g.Params = []Param{p}
			opt := tc.opt([]Group{g})
			for k, lr := range tc.lrs {
				opt.ZeroGrad()
				setGrads(t, []Param{p}, map[string][]float64{"w": {tc.g}})
				if err := opt.Step(lr); err != nil {
					t.Fatal(err)
				}
				if got := values(p)[0]; math.Abs(got-tc.expect[k]) > 1e-14 {
					t.Fatalf("step %d: p = %.17g, want %.17g", k+1, got, tc.expect[k])
				}
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	p := newParam(t, spec{name: "w", shape: []int64{2}, values: []float64{1, 2}}, gotch.Double)
	dropped := newParam(t, spec{name: "gone", shape: []int64{1}, values: []float64{1}}, gotch.Double)
	dropped.Tensor.MustDrop()
	cases := []struct {
		name string
		opt  Optimizer
		want string
	}{
		{"no params", NewSGD(nil, 0, false), "no parameters"},
		{"unnamed", NewSGD([]Group{{Params: []Param{{Tensor: p.Tensor}}}}, 0, false), "has no name"},
		{"duplicate", NewSGD([]Group{{Name: "a", Params: []Param{p}}, {Name: "b", Params: []Param{p}}}, 0, false), `"w" appears twice (groups a and b)`},
		{"dropped", NewSGD([]Group{{Params: []Param{dropped}}}, 0, false), "no tensor"},
		{"negative scale", NewSGD([]Group{{Params: []Param{p}, LRScale: -1}}, 0, false), "LRScale -1"},
		{"nesterov without momentum", NewSGD([]Group{{Params: []Param{p}}}, 0, true), "Nesterov"},
		{"beta1", NewAdamW([]Group{{Params: []Param{p}}}, 1, 0.999, 1e-8), "beta1 1"},
		{"beta2", NewAdamW([]Group{{Params: []Param{p}}}, 0.9, -0.1, 1e-8), "beta2 -0.1"},
	}
	for _, tc := range cases {
		err := tc.opt.Step(0.1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Step error %v, want it to mention %q", tc.name, err, tc.want)
		}
		if err := tc.opt.LoadState(nil, map[string]any{"optimizer": tc.opt.Name(), "steps": map[string]any{}}); err == nil {
			t.Errorf("%s: LoadState accepted an invalid optimizer", tc.name)
		}
	}
	ok := NewSGD([]Group{{Params: []Param{p}}}, 0, false)
	for _, lr := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		if err := ok.Step(lr); err == nil || !strings.Contains(err.Error(), "learning rate") {
			t.Errorf("Step(%v) error %v, want a learning rate error", lr, err)
		}
	}
}

// TestZeroGradFailureReachesStep: ZeroGrad has no error result, so its
// failure comes out of the next Step, once.
func TestZeroGradFailureReachesStep(t *testing.T) {
	p := newParam(t, spec{name: "w", shape: []int64{2}, values: []float64{1, 2}}, gotch.Double)
	opt := NewAdamW([]Group{{Params: []Param{p}}}, 0.9, 0.999, 1e-8)
	p.Tensor.MustDrop()
	opt.ZeroGrad()
	if err := opt.Step(0.1); err == nil || !strings.Contains(err.Error(), `zero_grad of parameter "w"`) {
		t.Fatalf("first Step error %v, want the zero_grad failure", err)
	}
	if err := opt.Step(0.1); err == nil || !strings.Contains(err.Error(), `parameter "w" was dropped`) {
		t.Fatalf("second Step error %v, want the dropped parameter", err)
	}
}
