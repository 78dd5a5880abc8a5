package torch_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// These tests prove that the gotch prepared by tools/gotchprep links against
// this machine's libtorch and computes the right numbers. Expected values
// are computed independently in Go.

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-5*(1+math.Abs(b)) }

func TestMatmulMatchesLoops(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6}    // 2x3
	b := []float64{7, 8, 9, 10, 11, 12} // 3x2
	ta := ts.MustOfSlice(a).MustView([]int64{2, 3}, true)
	tb := ts.MustOfSlice(b).MustView([]int64{3, 2}, true)
	defer ta.MustDrop()
	defer tb.MustDrop()
	c := ta.MustMatmul(tb, false)
	defer c.MustDrop()
	if got := c.MustSize(); len(got) != 2 || got[0] != 2 || got[1] != 2 {
		t.Fatalf("shape %v, want [2 2]", got)
	}
	got := c.Float64Values()
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			var want float64
			for k := 0; k < 3; k++ {
				want += a[i*3+k] * b[k*2+j]
			}
			if !near(got[i*2+j], want) {
				t.Errorf("c[%d,%d] = %v, want %v", i, j, got[i*2+j], want)
			}
		}
	}
}

func TestAutogradOfWeightedSquares(t *testing.T) {
	// y = Σ w_i x_i², so dy/dx_i = 2 w_i x_i.
	xs := []float64{0.5, -1.5, 2, 3}
	ws := []float64{1, 2, -0.5, 0.25}
	x := ts.MustOfSlice(xs).MustSetRequiresGrad(true, true)
	w := ts.MustOfSlice(ws)
	defer x.MustDrop()
	defer w.MustDrop()
	y := x.MustMul(x, false).MustMul(w, true).MustSum(gotch.Double, true)
	defer y.MustDrop()
	y.MustBackward()
	g := x.MustGrad(false)
	defer g.MustDrop()
	for i, v := range g.Float64Values() {
		if want := 2 * ws[i] * xs[i]; !near(v, want) {
			t.Errorf("grad[%d] = %v, want %v", i, v, want)
		}
	}
}

func TestSGDStepAndSaveLoadRoundTrip(t *testing.T) {
	vs := nn.NewVarStore(gotch.CPU)
	w := vs.Root().MustZeros("w", []int64{3})
	opt, err := nn.DefaultSGDConfig().Build(vs, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	// loss = Σ (w - target)²; from w = 0 one SGD step gives w = 0.2·target.
	target := []float64{1, -2, 4}
	tt := ts.MustOfSlice(target).MustTotype(gotch.Float, true)
	defer tt.MustDrop()
	diff := w.MustSub(tt, false)
	loss := diff.MustMul(diff, true).MustSum(gotch.Float, true)
	if err := opt.BackwardStep(loss); err != nil {
		t.Fatal(err)
	}
	loss.MustDrop()
	got := w.Float64Values()
	for i := range target {
		if want := 0.2 * target[i]; !near(got[i], want) {
			t.Errorf("after one step w[%d] = %v, want %v", i, got[i], want)
		}
	}

	path := filepath.Join(t.TempDir(), "w.ot")
	if err := vs.Save(path); err != nil {
		t.Fatal(err)
	}
	vs2 := nn.NewVarStore(gotch.CPU)
	w2 := vs2.Root().MustZeros("w", []int64{3})
	if err := vs2.Load(path); err != nil {
		t.Fatal(err)
	}
	for i, v := range w2.Float64Values() {
		if v != got[i] {
			t.Errorf("loaded w[%d] = %v, saved %v", i, v, got[i])
		}
	}
}

func TestDisabledOpAnswersWithError(t *testing.T) {
	ops, err := torch.DisabledOps(filepath.Join("..", "..", "third_party", "gotch", "DISABLED_OPS.txt"))
	if err != nil {
		t.Fatalf("gotch is not prepared (run make setup): %v", err)
	}
	found := false
	for _, op := range ops {
		found = found || op == "atg_squeeze_dims"
	}
	if !found {
		t.Skip("atg_squeeze_dims compiles against this libtorch; nothing to check")
	}
	x := ts.MustOnes([]int64{1, 3}, gotch.Float, gotch.CPU)
	defer x.MustDrop()
	_, err = x.SqueezeDims([]int64{0}, false)
	if err == nil || !strings.Contains(err.Error(), "squeeze_dims is not available in this libtorch") {
		t.Fatalf("SqueezeDims error = %v, want the stub's message", err)
	}
}

func TestNoGradRestoresState(t *testing.T) {
	func() {
		defer func() { recover() }()
		torch.NoGrad(func() { panic("boom") })
	}()
	x := ts.MustOnes([]int64{2}, gotch.Float, gotch.CPU).MustSetRequiresGrad(true, true)
	defer x.MustDrop()
	y := x.MustMul(x, false)
	defer y.MustDrop()
	if !y.MustRequiresGrad() {
		t.Fatal("gradient tracking stayed off after a panic inside NoGrad")
	}
}

func TestDeviceNames(t *testing.T) {
	if d, err := torch.Device("cpu"); err != nil || d != gotch.CPU {
		t.Errorf("Device(cpu) = %v, %v", d, err)
	}
	if _, err := torch.Device("tpu"); err == nil || !strings.Contains(err.Error(), "expected cpu") {
		t.Errorf("Device(tpu) error = %v", err)
	}
	if !gotch.CUDA.IsAvailable() {
		if _, err := torch.Device("cuda"); err == nil {
			t.Error("Device(cuda) without CUDA: want an error")
		}
		if d, _ := torch.Device("auto"); d != gotch.CPU {
			t.Errorf("Device(auto) without CUDA = %v, want CPU", d)
		}
	}
}
