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
