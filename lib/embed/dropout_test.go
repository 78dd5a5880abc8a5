package embed

import (
	"math"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

func ones(shape ...int64) *ts.Tensor { return ts.MustOnes(shape, gotch.Float, gotch.CPU) }

func TestWordDropoutZeroesWholeTokens(t *testing.T) {
	const b, n, d, p = 64, 50, 8, 0.3
	x := ones(b, n, d)
	defer x.MustDrop()
	torch.Seed(1)
	out := WordDropout(x, p, true)
	defer out.MustDrop()
	shapeIs(t, out, b, n, d)
	v := values(t, out)
	dropped := 0
	for tok := 0; tok < b*n; tok++ {
		row := v[tok*d : (tok+1)*d]
		for _, x := range row {
			if x != row[0] || (x != 0 && x != 1) {
				t.Fatalf("token %d: %v; want all zeros or all ones (no rescaling)", tok, row)
			}
		}
		if row[0] == 0 {
			dropped++
		}
	}
	// 3200 tokens: the dropped fraction's standard deviation is 0.008.
	if f := float64(dropped) / (b * n); math.Abs(f-p) > 0.04 {
		t.Errorf("dropped %.3f of the tokens, want %.1f", f, p)
	}
}

func TestLockedDropoutSharesOneMaskOverTime(t *testing.T) {
	const b, n, d, p = 64, 20, 32, 0.25
	x := ones(b, n, d)
	defer x.MustDrop()
	out := LockedDropout(x, p, true)
	defer out.MustDrop()
	v := values(t, out)
	kept := float32(1 / (1 - p))
	dropped := 0
	for seq := 0; seq < b; seq++ {
		for f := 0; f < d; f++ {
			first := v[(seq*n)*d+f]
			if first != 0 && first != kept {
				t.Fatalf("value %v; want 0 or 1/(1-p) = %v", first, kept)
			}
			for step := 1; step < n; step++ {
				if v[(seq*n+step)*d+f] != first {
					t.Fatalf("sequence %d feature %d changes over time", seq, f)
				}
			}
			if first == 0 {
				dropped++
			}
		}
	}
	// 2048 masks: the standard deviation of the fraction is 0.01.
	if f := float64(dropped) / (b * d); math.Abs(f-p) > 0.05 {
		t.Errorf("dropped %.3f of the features, want %.2f", f, p)
	}
}

func TestDropoutsAreIdentityWhenNotTrainingAndReproducible(t *testing.T) {
	x := randn(4, 5, 6)
	defer x.MustDrop()
	want := values(t, x)
	for name, drop := range map[string]func(*ts.Tensor, float64, bool) *ts.Tensor{"word": WordDropout, "locked": LockedDropout} {
		for _, tc := range []struct {
			p     float64
			train bool
		}{{0.5, false}, {0, true}, {-1, true}} {
			out := drop(x, tc.p, tc.train)
			if maxDiff(t, values(t, out), want) != 0 {
				t.Errorf("%s dropout p=%v train=%v changed the input", name, tc.p, tc.train)
			}
			out.MustDrop() // a separate handle: x stays valid
		}
		all := drop(x, 1, true)
		if maxDiff(t, values(t, all), make([]float32, len(want))) != 0 {
			t.Errorf("%s dropout p=1 kept something", name)
		}
		all.MustDrop()

		torch.Seed(42)
		a := drop(x, 0.5, true)
		torch.Seed(42)
		b := drop(x, 0.5, true)
		if maxDiff(t, values(t, a), values(t, b)) != 0 {
			t.Errorf("%s dropout: the same seed gave different masks", name)
		}
		a.MustDrop()
		b.MustDrop()
	}
}
