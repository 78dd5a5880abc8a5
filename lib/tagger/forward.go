package tagger

import (
	"fmt"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
)

// Example is one input sequence: its tokens (for a context view the
// sentence, <EOS> and the context) and which positions belong to the
// sentence. Keep nil means every token; otherwise Keep lists the sentence's
// positions in increasing order and all other tokens are context. Gold
// holds the gold tag ids of the kept positions (nil when predicting).
type Example struct {
	Tokens []string
	Keep   []int
	Gold   []int
}

// kept returns the number of scored positions.
func (e *Example) kept() int {
	if e.Keep == nil {
		return len(e.Tokens)
	}
	return len(e.Keep)
}

// Output is a forward pass over a batch.
type Output struct {
	// Features are the token representations fed to the final linear layer,
	// [B, T, D] over all tokens (context included); cooperative learning's
	// CL-L2 compares them between views.
	Features *ts.Tensor
	// Emissions are the tag scores of the kept positions, compacted to the
	// front: [B, T', N]. T' is the longest kept length, except when every
	// example keeps a prefix of its tokens (a context view: sentence, then
	// context), where nothing is moved and the positions past each length
	// (the context) stay, unscored.
	Emissions *ts.Tensor
	// Lengths are the kept lengths.
	Lengths []int
}

// Drop frees the output's tensors.
func (o *Output) Drop() {
	o.Features.MustDrop()
	o.Emissions.MustDrop()
}

// Forward encodes a batch. With train, dropout is active.
func (t *Tagger) Forward(batch []*Example, train bool) (*Output, error) {
	if len(batch) == 0 {
		return nil, fmt.Errorf("tagger: empty batch")
	}
	tokens := make([][]string, len(batch))
	lengths := make([]int, len(batch))
	kept := make([]int, len(batch))
	prefixOnly := true
	for i, e := range batch {
		if len(e.Tokens) == 0 {
			return nil, fmt.Errorf("tagger: example %d has no tokens", i)
		}
		tokens[i], lengths[i], kept[i] = e.Tokens, len(e.Tokens), e.kept()
		if e.Keep != nil {
			for j, p := range e.Keep {
				if p < 0 || p >= len(e.Tokens) || (j > 0 && p <= e.Keep[j-1]) {
					return nil, fmt.Errorf("tagger: example %d keeps position %d of %d tokens out of order", i, p, len(e.Tokens))
				}
				if p != j {
					prefixOnly = false
				}
			}
		}
		if e.Gold != nil && len(e.Gold) != kept[i] {
			return nil, fmt.Errorf("tagger: example %d has %d gold tags for %d scored tokens", i, len(e.Gold), kept[i])
		}
	}
	x := t.embed.Forward(tokens, train)
	m := t.Config.Model
	if train {
		if m.Dropout > 0 {
			x = swap(x, ts.MustDropout(x, m.Dropout, true))
		}
		x = swap(x, embed.WordDropout(x, m.WordDropout, true))
		x = swap(x, embed.LockedDropout(x, m.LockedDropout, true))
	}
	if t.project != nil {
		x = swap(x, t.project.Forward(x))
	}
	if t.rnn != nil {
		out, final := t.rnn.Forward(x, lengths, train)
		final.MustDrop()
		x.MustDrop()
		x = out
		if train {
			if m.Dropout > 0 {
				x = swap(x, ts.MustDropout(x, m.Dropout, true))
			}
			x = swap(x, embed.LockedDropout(x, m.LockedDropout, true))
		}
	}
	emissions := t.out.Forward(x)
	if !prefixOnly {
		compact, err := t.compact(emissions, batch, slices.Max(kept))
		emissions.MustDrop()
		if err != nil {
			x.MustDrop()
			return nil, err
		}
		emissions = compact
	}
	return &Output{Features: x, Emissions: emissions, Lengths: kept}, nil
}

// SentenceFeatures returns out's token representations at the scored
// positions, compacted to the front like Emissions ([B, T', D]): for a
// context view, the sentence's own tokens. CL-L2 compares them with the
// plain view's. The result is differentiable and the caller frees it.
func (t *Tagger) SentenceFeatures(out *Output, batch []*Example) (*ts.Tensor, error) {
	if len(batch) != len(out.Lengths) {
		return nil, fmt.Errorf("tagger: %d examples for an output of %d", len(batch), len(out.Lengths))
	}
	return t.compact(out.Features, batch, slices.Max(out.Lengths))
}

// swap returns next and frees prev unless they are the same tensor (the
// dropouts return their input unchanged when inactive).
func swap(prev, next *ts.Tensor) *ts.Tensor {
	if next != prev {
		prev.MustDrop()
	}
	return next
}

// compact gathers the kept positions of each example to the front of a
// [B, T', N] tensor with one index_select; padding rows point at a zero row.
func (t *Tagger) compact(emissions *ts.Tensor, batch []*Example, longest int) (*ts.Tensor, error) {
	size := emissions.MustSize()
	B, T, N := size[0], size[1], size[2]
	flat := emissions.MustView([]int64{B * T, N}, false)
	zero := ts.MustZeros([]int64{1, N}, gotch.Float, emissions.MustDevice())
	rows := ts.MustCat([]*ts.Tensor{flat, zero}, 0)
	flat.MustDrop()
	zero.MustDrop()
	defer rows.MustDrop()
	idx := make([]int64, int(B)*longest)
	for b, e := range batch {
		for j := range longest {
			pos := int64(-1)
			switch {
			case e.Keep == nil && j < len(e.Tokens):
				pos = int64(j)
			case e.Keep != nil && j < len(e.Keep):
				pos = int64(e.Keep[j])
			}
			if pos < 0 {
				idx[b*longest+j] = B * T // the zero row
			} else {
				idx[b*longest+j] = int64(b)*T + pos
			}
		}
	}
	index, err := torch.FromInt64s(idx, []int64{int64(len(idx))}, emissions.MustDevice())
	if err != nil {
		return nil, err
	}
	picked := rows.MustIndexSelect(0, index, false)
	index.MustDrop()
	return picked.MustView([]int64{B, int64(longest), N}, true), nil
}

// Loss is the training loss of a batch with gold tags: the mean over
// sentences of the CRF negative log-likelihood (or of the summed token
// cross-entropy for a softmax tagger).
func (t *Tagger) Loss(out *Output, batch []*Example) (*ts.Tensor, error) {
	gold := make([][]int, len(batch))
	for i, e := range batch {
		if e.Gold == nil {
			return nil, fmt.Errorf("tagger: example %d has no gold tags", i)
		}
		gold[i] = e.Gold
	}
	var sum *ts.Tensor
	if t.crf != nil {
		var err error
		if sum, err = t.crf.NLL(out.Emissions, gold); err != nil {
			return nil, err
		}
	} else {
		sum = t.crossEntropy(out, gold)
	}
	return sum.MustDivScalar(ts.FloatScalar(float64(len(batch))), true), nil
}

// crossEntropy sums the token cross-entropy over kept positions.
func (t *Tagger) crossEntropy(out *Output, gold [][]int) *ts.Tensor {
	size := out.Emissions.MustSize()
	B, T, N := size[0], size[1], size[2]
	targets := make([]int64, B*T)
	for b := range targets {
		targets[b] = -100 // ignored
	}
	for b, g := range gold {
		for j, y := range g {
			targets[int64(b)*T+int64(j)] = int64(y)
		}
	}
	target, _ := torch.FromInt64s(targets, []int64{B * T}, out.Emissions.MustDevice())
	logits := out.Emissions.MustView([]int64{B * T, N}, false)
	logp := logits.MustLogSoftmax(1, gotch.Float, true)
	// reduction 2 = sum; ignore_index -100 skips padding and context.
	loss := logp.MustNllLoss(target, ts.NewTensor(), 2, -100, true)
	target.MustDrop()
	return loss
}
