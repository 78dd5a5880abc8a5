package torch

import (
	"math"
	"runtime"

	"github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"
)

// NewLinear makes the layer y = x Wᵀ + b from in to out features under p
// (variables "weight" [out, in] and "bias" [out]), initialised as
// torch.nn.Linear is: W, then b, drawn from U(-1/√in, 1/√in) (PyTorch's
// kaiming_uniform_ with a = √5 reduces to that bound). After Seed(s) the
// values are those of nn.Linear(in, out) after torch.manual_seed(s).
//
// gotch's nn.NewLinear differs: it draws W from N(0, 1), which for 256
// inputs makes the initial outputs some 28 times larger than PyTorch's,
// and bounds b by the output size (its uniform draw also leaks the tensor
// it fills: see InPlace). The tagger offers both (tagger.LinearInits).
func NewLinear(p *nn.Path, in, out int64) *nn.Linear {
	w := p.MustZeros("weight", []int64{out, in})
	b := p.MustZeros("bias", []int64{out})
	bound := 0.0 // PyTorch's bound for a layer without inputs
	if in > 0 {
		bound = 1 / math.Sqrt(float64(in))
	}
	NoGrad(func() {
		for _, v := range []*ts.Tensor{w, b} {
			c := libtch.Ctensor(v.Ctensor())
			InPlace(func(o *libtch.Ctensor) { libtch.AtgUniform_(o, c, -bound, bound) })
			runtime.KeepAlive(v)
		}
	})
	// gotch's Linear multiplies by Ws = Wᵀ, a view of the variable.
	return &nn.Linear{Ws: w.MustT(false), Bs: b}
}
