package coop

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
)

// views are a tiny batch of both views: B=2 sentences of lengths 3 and 2,
// T=3 positions, dim values each, as float64 for the reference.
type views struct {
	B, T, D     int
	lengths     []int
	plain, ctx  []float64
	plainT, ctT *ts.Tensor
}

func newViews(t *testing.T, seed uint64, D int, same bool) *views {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	v := &views{B: 2, T: 3, D: D, lengths: []int{3, 2}}
	n := v.B * v.T * D
	v.plain, v.ctx = make([]float64, n), make([]float64, n)
	for i := range v.plain {
		v.plain[i] = rng.NormFloat64()
		v.ctx[i] = rng.NormFloat64()
		if same {
			v.ctx[i] = v.plain[i]
		}
	}
	v.plainT, v.ctT = tensorOf(t, v.plain, v.B, v.T, D), tensorOf(t, v.ctx, v.B, v.T, D)
	return v
}

func tensorOf(t *testing.T, vals []float64, B, T, D int) *ts.Tensor {
	f := make([]float32, len(vals))
	for i, x := range vals {
		f[i] = float32(x)
	}
	x, err := torch.FromFloat32s(f, []int64{int64(B), int64(T), int64(D)}, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	return x.MustSetRequiresGrad(true, true)
}

func (v *views) at(x []float64, b, i int) []float64 {
	off := (b*v.T + i) * v.D
	return x[off : off+v.D]
}

// refL2 is CL-L2 written out with loops.
func (v *views) refL2() float64 {
	total := 0.0
	for b, l := range v.lengths {
		for i := 0; i < l; i++ {
			p, c := v.at(v.plain, b, i), v.at(v.ctx, b, i)
			sq := 0.0
			for d := range p {
				sq += (p[d] - c[d]) * (p[d] - c[d])
			}
			total += sq / float64(v.D)
		}
	}
	return total / float64(v.B)
}

func softmax(s []float64, temp float64) []float64 {
	m := math.Inf(-1)
	for _, x := range s {
		m = max(m, x/temp)
	}
	out, z := make([]float64, len(s)), 0.0
	for j, x := range s {
		out[j] = math.Exp(x/temp - m)
		z += out[j]
	}
	for j := range out {
		out[j] /= z
	}
	return out
}

// refKL is CL-KL written out with loops.
func (v *views) refKL(temp float64) float64 {
	total := 0.0
	for b, l := range v.lengths {
		for i := 0; i < l; i++ {
			q, p := softmax(v.at(v.ctx, b, i), temp), softmax(v.at(v.plain, b, i), temp)
			for j := range q {
				total += q[j] * math.Log(q[j]/p[j])
			}
		}
	}
	return temp * temp * total / float64(v.B)
}

func scalar(t *testing.T, x *ts.Tensor) float64 {
	t.Helper()
	return x.Float64Values()[0]
}

func TestLossesMatchLoops(t *testing.T) {
	v := newViews(t, 1, 4, false)
	l2, err := L2(v.plainT, v.ctT, v.lengths)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := scalar(t, l2), v.refL2(); math.Abs(got-want) > 1e-5*max(1, want) {
		t.Errorf("L2 %v, loops %v", got, want)
	}
	for _, temp := range []float64{0.3, 1, 2} {
		kl, err := KL(v.plainT, v.ctT, v.lengths, temp)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := scalar(t, kl), v.refKL(temp); math.Abs(got-want) > 1e-4*max(1, want) {
			t.Errorf("T=%v: KL %v, loops %v", temp, got, want)
		}
	}
}

// TestPaddingIsIgnored: values past a sentence's length do not count.
func TestPaddingIsIgnored(t *testing.T) {
	v := newViews(t, 2, 3, true)
	// Make the views differ only at sentence 1's padding position.
	for d := 0; d < v.D; d++ {
		v.ctx[(1*v.T+2)*v.D+d] += 5
	}
	ct := tensorOf(t, v.ctx, v.B, v.T, v.D)
	l2, _ := L2(v.plainT, ct, v.lengths)
	kl, _ := KL(v.plainT, ct, v.lengths, 0.3)
	if a, b := scalar(t, l2), scalar(t, kl); a != 0 || math.Abs(b) > 1e-6 {
		t.Errorf("differences in padding count: L2 %v KL %v", a, b)
	}
}

func TestZeroWhenViewsAgree(t *testing.T) {
	v := newViews(t, 3, 5, true)
	l2, _ := L2(v.plainT, v.ctT, v.lengths)
	kl, _ := KL(v.plainT, v.ctT, v.lengths, 0.3)
	if a, b := scalar(t, l2), scalar(t, kl); a != 0 || math.Abs(b) > 1e-6 {
		t.Errorf("identical views: L2 %v KL %v", a, b)
	}
}

// TestTeacherIsDetached: the gradient reaches the plain view only, and
// equals the analytic one: 2(v−u)/(D·B) for L2, T·(p−q)/B for KL.
func TestTeacherIsDetached(t *testing.T) {
	const temp = 0.5
	for _, name := range []string{"L2", "KL"} {
		t.Run(name, func(t *testing.T) {
			v := newViews(t, 4, 3, false)
			var loss *ts.Tensor
			var err error
			if name == "L2" {
				loss, err = L2(v.plainT, v.ctT, v.lengths)
			} else {
				loss, err = KL(v.plainT, v.ctT, v.lengths, temp)
			}
			if err != nil {
				t.Fatal(err)
			}
			loss.MustBackward()
			if g := v.ctT.MustGrad(false); g.MustDefined() {
				vals, _ := torch.Float32s(g)
				for _, x := range vals {
					if x != 0 {
						t.Fatalf("the context view got a gradient: %v", vals)
					}
				}
			}
			got, _ := torch.Float32s(v.plainT.MustGrad(false))
			for b := 0; b < v.B; b++ {
				for i := 0; i < v.T; i++ {
					want := make([]float64, v.D)
					if i < v.lengths[b] {
						p, c := v.at(v.plain, b, i), v.at(v.ctx, b, i)
						if name == "L2" {
							for d := range want {
								want[d] = 2 * (p[d] - c[d]) / float64(v.D*v.B)
							}
						} else {
							sp, sq := softmax(p, temp), softmax(c, temp)
							for d := range want {
								want[d] = temp * (sp[d] - sq[d]) / float64(v.B)
							}
						}
					}
					for d := range want {
						if g := float64(got[(b*v.T+i)*v.D+d]); math.Abs(g-want[d]) > 1e-5 {
							t.Errorf("grad[%d][%d][%d] = %v, want %v", b, i, d, g, want[d])
						}
					}
				}
			}
		})
	}
}

func TestBadShapes(t *testing.T) {
	v := newViews(t, 5, 3, false)
	other := tensorOf(t, make([]float64, 2*3*4), 2, 3, 4)
	if _, err := L2(v.plainT, other, v.lengths); err == nil || !strings.Contains(err.Error(), "same [batch, time, dim]") {
		t.Errorf("mismatched views: %v", err)
	}
	if _, err := KL(v.plainT, v.ctT, []int{3, 4}, 1); err == nil || !strings.Contains(err.Error(), "length 4") {
		t.Errorf("length past T: %v", err)
	}
	if _, err := KL(v.plainT, v.ctT, v.lengths, 0); err == nil || !strings.Contains(err.Error(), "temperature") {
		t.Errorf("temperature 0: %v", err)
	}
	if _, err := L2(v.plainT, v.ctT, []int{3}); err == nil {
		t.Error("one length for two sentences accepted")
	}
}

// TestObjectiveChecksTheModel: a model that shows no representations is
// refused before training, with the model named.
func TestObjectiveChecksTheModel(t *testing.T) {
	type plainModel struct{ train.Model }
	err := Objective{Rate: 0.5, KL: true}.Check(plainModel{})
	if err == nil || !strings.Contains(err.Error(), "plainModel") {
		t.Errorf("Check of a model without representations: %v", err)
	}
}
