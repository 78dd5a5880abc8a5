package pretrain

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/tokenize"
	"github.com/nerlab/nerlab/lib/torch"
)

// TestLearnsFromContext: on documents that repeat one piece ("x x … x",
// so that a masked piece is any of its unmasked neighbours), the model
// learns to read the context: the masked-token loss falls far below the
// entropy of the pieces themselves, which is all that a model blind to the
// context (a broken attention mask, or masking that hides the answer)
// could reach.
func TestLearnsFromContext(t *testing.T) {
	const vocab = 60
	rng := rand.New(rand.NewPCG(3, 3))
	var s Stream
	for len(s.IDs) < 20000 {
		// 14 pieces and [SEP]: a packed sequence of 30 holds two documents.
		id := int32(5 + rng.IntN(vocab-5))
		for range 14 {
			s.IDs = append(s.IDs, id)
			s.Cont = append(s.Cont, false)
		}
		s.IDs = append(s.IDs, 3)
		s.Cont = append(s.Cont, false)
	}
	torch.Seed(4)
	c := embed.BertConfig{ModelType: "bert", VocabSize: vocab, HiddenSize: 32, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 64, HiddenAct: "gelu", MaxPositionEmbeddings: 32, TypeVocabSize: 2, LayerNormEps: 1e-12}
	m := NewMaskedLM(c, gotch.CPU)
	var params []optim.Param
	for name, p := range m.Params() {
		params = append(params, optim.Param{Name: name, Tensor: p})
	}
	opt := optim.NewAdamW([]optim.Group{{Params: params}}, 0.9, 0.999, 1e-8)
	mk := Masking{Prob: 0.15, Specials: tokenize.Specials{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}, Vocab: vocab}
	n := s.Sequences(32)
	var last float64
	for step := 0; step < 300; step++ {
		seqs := order(1, step, n)[:16]
		b := mk.batch(&s, seqs, 32, streamRNG(1, purposeMask, step))
		ids := torch.MustFromInt64s(b.Input, []int64{int64(b.B), int64(b.T)}, gotch.CPU)
		mask := torch.MustFromInt64s(b.Attention, []int64{int64(b.B), int64(b.T)}, gotch.CPU)
		pos := torch.MustFromInt64s(b.Positions, []int64{int64(len(b.Positions))}, gotch.CPU)
		tg := torch.MustFromInt64s(b.Targets, []int64{int64(len(b.Targets))}, gotch.CPU)
		loss := m.Loss(ids, mask, pos, tg, true)
		v := scalar(loss)
		loss.MustBackward()
		loss.MustDrop()
		if err := opt.Step(3e-3); err != nil {
			t.Fatal(err)
		}
		opt.ZeroGrad()
		last = 0.9*last + 0.1*v
		if step < 10 {
			last = v
		}
		for _, x := range []interface{ MustDrop() }{ids, mask, pos, tg} {
			x.MustDrop()
		}
	}
	blind := math.Log(vocab - 5) // the pieces are uniform: a blind model's best
	if last > 1 {
		t.Errorf("loss %.3f after 300 steps; the pieces alone give %.3f, the context at most ln 2", last, blind)
	}
	t.Logf("loss %.3f; blind %.3f", last, blind)
}
