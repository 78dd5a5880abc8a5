package optim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// spec describes one test parameter: its name, shape and initial values.
type spec struct {
	name   string
	shape  []int64
	values []float64
}

// newParam makes a leaf tensor of the given dtype that requires grad.
// Values go through float32 first when dtype is Float, so the Go reference
// and PyTorch start from exactly the tensor's values.
func newParam(t *testing.T, s spec, dtype gotch.DType) Param {
	t.Helper()
	var flat *ts.Tensor
	if dtype == gotch.Float {
		f := make([]float32, len(s.values))
		for i, v := range s.values {
			f[i] = float32(v)
		}
		flat = ts.MustOfSlice(f)
	} else {
		flat = ts.MustOfSlice(s.values)
	}
	shaped := flat.MustView(s.shape, true)
	return Param{Name: s.name, Tensor: shaped.MustSetRequiresGrad(true, true)}
}

// setGrads makes each listed parameter's gradient exactly its values by
// back-propagating Σ sum(p ⊙ g): d/dp = g, added to a zeroed or absent
// gradient. Parameters not listed keep what they have.
func setGrads(t *testing.T, params []Param, grads map[string][]float64) {
	t.Helper()
	var total *ts.Tensor
	for _, p := range params {
		g, ok := grads[p.Name]
		if !ok {
			continue
		}
		var gt *ts.Tensor
		if p.Tensor.DType() == gotch.Float {
			f := make([]float32, len(g))
			for i, v := range g {
				f[i] = float32(v)
			}
			gt = ts.MustOfSlice(f)
		} else {
			gt = ts.MustOfSlice(g)
		}
		gv := gt.MustView(p.Tensor.MustSize(), true)
		term := p.Tensor.MustMul(gv, false).MustSum(p.Tensor.DType(), true)
		gv.MustDrop()
		if total == nil {
			total = term
		} else {
			total = total.MustAdd(term, true)
			term.MustDrop()
		}
	}
	if total == nil {
		return
	}
	total.MustBackward()
	total.MustDrop()
}

func values(p Param) []float64 { return p.Tensor.Float64Values() }

func gradValues(t *testing.T, p Param) []float64 {
	t.Helper()
	g := p.Tensor.MustGrad(false)
	defer g.MustDrop()
	if !g.MustDefined() {
		return nil
	}
	return g.Float64Values()
}

// randomValues draws n values in [-scale, scale) from a fixed stream.
func randomValues(r *rand.Rand, n int, scale float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = (2*r.Float64() - 1) * scale
	}
	return out
}

// roundTo32 rounds values to float32 precision (what a float32 tensor
// holds).
func roundTo32(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

// closeTo reports the first index where got and want differ by more than
// tol·(1+|want|), or -1.
func closeTo(got, want []float64, tol float64) int {
	if len(got) != len(want) {
		return 0
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*(1+math.Abs(want[i]))) {
			return i
		}
	}
	return -1
}

func numel(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}
