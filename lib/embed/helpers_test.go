package embed

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/torch"
)

// sharedDir finds a folder of the shared data ("datasets" or "vectors");
// missing data skips the test, or fails it under CI.
func sharedDir(t testing.TB, name string) string { return shareddata.Path(t, name) }

// values copies a float32 tensor into Go.
func values(t testing.TB, x *ts.Tensor) []float32 {
	t.Helper()
	v, err := torch.Float32s(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// shapeIs fails unless x has the given shape.
func shapeIs(t testing.TB, x *ts.Tensor, want ...int64) {
	t.Helper()
	got := x.MustSize()
	if len(got) != len(want) {
		t.Fatalf("shape %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("shape %v, want %v", got, want)
		}
	}
}

// maxDiff is the largest absolute difference between a and b.
func maxDiff(t testing.TB, a, b []float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("lengths %d and %d differ", len(a), len(b))
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// newStore makes a CPU VarStore with libtorch seeded, so a test draws the
// same weights every run.
func newStore(seed int64) *nn.VarStore {
	torch.Seed(seed)
	return nn.NewVarStore(gotch.CPU)
}

// randn draws a float32 tensor from N(0, 1) on the CPU.
func randn(shape ...int64) *ts.Tensor { return ts.MustRandn(shape, gotch.Float, gotch.CPU) }
