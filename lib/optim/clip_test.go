package optim

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
)

// clipParams makes a = [3, 4] (‖·‖ 5), b = [12] (‖·‖ 12) and c without a
// gradient: the total norm is exactly 13.
func clipParams(t *testing.T) []Param {
	t.Helper()
	a := newParam(t, spec{name: "a", shape: []int64{2}, values: []float64{1, 1}}, gotch.Double)
	b := newParam(t, spec{name: "b", shape: []int64{1}, values: []float64{1}}, gotch.Double)
	c := newParam(t, spec{name: "c", shape: []int64{2}, values: []float64{1, 1}}, gotch.Double)
	params := []Param{a, b, c}
	setGrads(t, params, map[string][]float64{"a": {3, 4}, "b": {12}})
	return params
}

func TestClipGradNormByHand(t *testing.T) {
	cases := []struct {
		maxNorm float64
		scale   float64 // expected factor on the gradients
	}{
		{6.5, 6.5 / (13 + 1e-6)},
		{13, 13 / (13 + 1e-6)}, // PyTorch's 1e-6 makes the cap itself clip a hair
		{20, 1},
	}
	for _, tc := range cases {
		params := clipParams(t)
		total := ClipGradNorm(params, tc.maxNorm)
		if math.Abs(total-13) > 1e-12 {
			t.Errorf("maxNorm %v: total %.17g, want 13", tc.maxNorm, total)
		}
		want := map[string][]float64{"a": {3 * tc.scale, 4 * tc.scale}, "b": {12 * tc.scale}}
		for _, p := range params[:2] {
			if i := closeTo(gradValues(t, p), want[p.Name], 1e-15); i >= 0 {
				t.Errorf("maxNorm %v: %s grad = %v, want %v", tc.maxNorm, p.Name, gradValues(t, p), want[p.Name])
			}
		}
		if g := gradValues(t, params[2]); g != nil {
			t.Errorf("maxNorm %v: c gained a gradient %v", tc.maxNorm, g)
		}
	}
	noGrads := []Param{newParam(t, spec{name: "x", shape: []int64{1}, values: []float64{1}}, gotch.Double)}
	if total := ClipGradNorm(noGrads, 1); total != 0 {
		t.Errorf("no gradients: total %v, want 0", total)
	}
}

func TestClipGradNormLeavesNonFiniteGradients(t *testing.T) {
	p := newParam(t, spec{name: "p", shape: []int64{3}, values: []float64{1, 1, 1}}, gotch.Double)
	setGrads(t, []Param{p}, map[string][]float64{"p": {1, math.Inf(1), 2}})
	if total := ClipGradNorm([]Param{p}, 1); !math.IsInf(total, 1) {
		t.Fatalf("total %v, want +Inf", total)
	}
	if g := gradValues(t, p); g[0] != 1 || g[2] != 2 {
		t.Fatalf("gradients changed to %v; want them untouched when the norm is not finite", g)
	}
}

func TestGradsFinite(t *testing.T) {
	cases := []struct {
		name  string
		grads map[string][]float64
		want  bool
	}{
		{"finite", map[string][]float64{"a": {1, -2}, "b": {1e30}}, true},
		{"no gradients at all", map[string][]float64{}, true},
		{"NaN", map[string][]float64{"a": {1, math.NaN()}, "b": {0}}, false},
		{"+Inf in the second tensor", map[string][]float64{"a": {1, 2}, "b": {math.Inf(1)}}, false},
		{"-Inf", map[string][]float64{"a": {math.Inf(-1), 2}}, false},
	}
	for _, tc := range cases {
		a := newParam(t, spec{name: "a", shape: []int64{2}, values: []float64{1, 1}}, gotch.Float)
		b := newParam(t, spec{name: "b", shape: []int64{1}, values: []float64{1}}, gotch.Float)
		params := []Param{a, b}
		setGrads(t, params, tc.grads)
		if got := GradsFinite(params); got != tc.want {
			t.Errorf("%s: GradsFinite = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestZeroGradKeepsGradientsDefined(t *testing.T) {
	params := clipParams(t)
	opt := NewSGD([]Group{{Params: params}}, 0, false)
	opt.ZeroGrad()
	if g := gradValues(t, params[0]); len(g) != 2 || g[0] != 0 || g[1] != 0 {
		t.Fatalf("a's gradient after ZeroGrad = %v, want [0 0]", g)
	}
	if g := gradValues(t, params[2]); g != nil {
		t.Fatalf("c's gradient after ZeroGrad = %v, want none", g)
	}
	if err := opt.Step(0.1); err != nil {
		t.Fatal(err)
	}
	if v := values(params[0]); v[0] != 1 || v[1] != 1 {
		t.Fatalf("a moved to %v with a zero gradient", v)
	}
}

func TestAllParams(t *testing.T) {
	params := clipParams(t)
	all := AllParams([]Group{{Params: params[:1]}, {Params: params[1:]}})
	if len(all) != 3 || all[0].Name != "a" || all[2].Name != "c" {
		t.Fatalf("AllParams = %v", all)
	}
}
