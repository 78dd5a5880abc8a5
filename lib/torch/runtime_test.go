package torch

import (
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

func TestSeedRepeatsDraws(t *testing.T) {
	draw := func() []float32 {
		x := ts.MustRandn([]int64{5}, gotch.Float, gotch.CPU)
		defer x.MustDrop()
		v, err := Float32s(x)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	Seed(42)
	a := draw()
	b := draw()
	Seed(42)
	c := draw()
	if !equalF32(a, c) || equalF32(a, b) {
		t.Errorf("seeded draws %v then %v; reseeded %v", a, b, c)
	}
}

func TestSetThreads(t *testing.T) {
	old := SetThreads(0)
	defer SetThreads(old)
	if got := SetThreads(1); got != 1 {
		t.Errorf("threads after SetThreads(1) = %d", got)
	}
}

func TestMustFromAndZeros(t *testing.T) {
	x := MustFromInt64s([]int64{1, 2, 3, 4, 5, 6}, []int64{2, 3}, gotch.CPU)
	defer x.MustDrop()
	if got := x.MustSize(); got[0] != 2 || got[1] != 3 {
		t.Errorf("shape %v", got)
	}
	if v, _ := Int64s(x); v[5] != 6 {
		t.Errorf("values %v", v)
	}
	z := Zeros([]int64{2, 0}, gotch.CPU)
	defer z.MustDrop()
	if z.DType() != gotch.Float || z.Numel() != 0 {
		t.Errorf("zeros: %v %d", z.DType(), z.Numel())
	}
	defer func() {
		if recover() == nil {
			t.Error("MustFromFloat32s accepted 3 values for shape [2, 2]")
		}
	}()
	MustFromFloat32s([]float32{1, 2, 3}, []int64{2, 2}, gotch.CPU)
}
