package train

import (
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/torch"
)

// paramsOnly is a Model that only has parameters: enough for the
// optimizer.
type paramsOnly struct {
	Model
	params map[string]*ts.Tensor
}

func (m paramsOnly) Parameters() map[string]*ts.Tensor { return m.params }

// TestGroupLearningRates: parameters are grouped by the first segment of
// their names, and a group named in train.lr_multipliers steps at its own
// rate: one SGD step at rate 1 on a gradient of ones moves word.* by 0.1,
// crf.* by 50 and the rest by 1.
func TestGroupLearningRates(t *testing.T) {
	exp := config.Default()
	if err := exp.Set("train.lr_multipliers.word=0.1"); err != nil {
		t.Fatal(err)
	}
	if err := exp.Set("train.lr_multipliers.crf=50"); err != nil {
		t.Fatal(err)
	}
	vs := nn.NewVarStore(gotch.CPU)
	root := vs.Root()
	params := map[string]*ts.Tensor{
		"word.weight":     root.Sub("word").MustOnes("weight", []int64{3}),
		"rnn.weight":      root.Sub("rnn").MustOnes("weight", []int64{3}),
		"crf.transitions": root.Sub("crf").MustOnes("transitions", []int64{3}),
	}
	tr := &trainer{exp: &exp, model: paramsOnly{params: params}}
	if err := tr.buildOptimizer(); err != nil {
		t.Fatal(err)
	}
	var loss *ts.Tensor
	for _, p := range params {
		s := p.MustSum(gotch.Float, false)
		if loss == nil {
			loss = s
		} else {
			loss = loss.MustAdd(s, true)
			s.MustDrop()
		}
	}
	loss.MustBackward()
	if err := tr.opt.Step(1); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float32{"word.weight": 0.9, "rnn.weight": 0, "crf.transitions": -49} {
		got, err := torch.Float32s(params[name])
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			if d := g - want; d > 1e-6 || d < -1e-6 {
				t.Errorf("%s after one step: %v; want %v", name, got, want)
				break
			}
		}
	}
}
