package tagger

import (
	"cmp"
	"slices"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/crf"
	"github.com/nerlab/nerlab/lib/torch"
)

// Entity and Prediction are corpus's: every model predicts in the same
// terms, so metrics, rendering and analysis need no tagger.
type (
	Entity     = corpus.Entity
	Prediction = corpus.Prediction
)

// LongestFirst returns the indices of examples from the longest to the
// shortest (stable), the order in which inference batches them so that
// each batch pads little.
func LongestFirst(examples []*Example) []int {
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(examples[b].Tokens), len(examples[a].Tokens))
	})
	return order
}

// Predict tags examples in batches of batchSize (sorted by length so that
// batches pad little; the results are in input order). progress, if not
// nil, is called after each batch with the number of examples done; an
// error it returns (a cancelled context) stops the work and is returned.
func (t *Tagger) Predict(examples []*Example, batchSize int, progress func(done int) error) ([]*Prediction, error) {
	if batchSize <= 0 {
		batchSize = 64
	}
	order := LongestFirst(examples)
	out := make([]*Prediction, len(examples))
	var err error
	for start := 0; start < len(order) && err == nil; start += batchSize {
		idx := order[start:min(start+batchSize, len(order))]
		batch := make([]*Example, len(idx))
		for i, j := range idx {
			batch[i] = examples[j]
		}
		torch.NoGrad(func() {
			var preds []*Prediction
			if preds, err = t.predictBatch(batch); err == nil {
				for i, j := range idx {
					out[j] = preds[i]
				}
			}
		})
		if progress != nil && err == nil {
			err = progress(start + len(idx))
		}
	}
	return out, err
}

func (t *Tagger) predictBatch(batch []*Example) ([]*Prediction, error) {
	out, err := t.Forward(batch, false)
	if err != nil {
		return nil, err
	}
	defer out.Drop()
	return t.Decode(out, batch)
}

// Decode turns a forward pass over batch into predictions (evaluation
// reuses the pass that computed its loss).
func (t *Tagger) Decode(out *Output, batch []*Example) ([]*Prediction, error) {
	preds := make([]*Prediction, len(batch))
	if t.crf != nil {
		decoded, err := t.crf.Decode(out.Emissions, out.Lengths)
		if err != nil {
			return nil, err
		}
		for b, d := range decoded {
			preds[b] = t.prediction(batch[b], d.Tags, d.Prob, d)
		}
		return preds, nil
	}
	// Softmax: the most probable tag per token.
	probs := out.Emissions.MustSoftmax(2, out.Emissions.DType(), false)
	vals, err := torch.Float32s(probs)
	probs.MustDrop()
	if err != nil {
		return nil, err
	}
	T := int(out.Emissions.MustSize()[1])
	n := t.numTags
	for b, l := range out.Lengths {
		tags := make([]int, l)
		p := make([]float64, l)
		for j := 0; j < l; j++ {
			row := vals[(b*T+j)*n : (b*T+j+1)*n]
			best := 0
			for k := range row {
				if row[k] > row[best] {
					best = k
				}
			}
			tags[j], p[j] = best, float64(row[best])
		}
		preds[b] = t.prediction(batch[b], tags, p, nil)
	}
	return preds, nil
}

// prediction assembles tags and entities; d (CRF only) gives exact span
// probabilities.
func (t *Tagger) prediction(ex *Example, ids []int, probs []float64, d *crf.Decoded) *Prediction {
	// Entities is never nil: JSON shows a sentence without entities as [].
	p := &Prediction{Tokens: make([]string, len(ids)), Tags: make([]string, len(ids)), Probs: probs, Entities: []Entity{}}
	for j, id := range ids {
		pos := j
		if ex.Keep != nil {
			pos = ex.Keep[j]
		}
		p.Tokens[j] = ex.Tokens[pos]
		p.Tags[j] = t.Tag(id)
	}
	for _, s := range corpus.Spans(p.Tags) {
		e := Entity{Start: s.Start, End: s.End, Type: s.Type, Text: joinTokens(p.Tokens[s.Start:s.End])}
		if d != nil {
			var extend []int
			if t.scheme == corpus.BIO {
				if id, ok := t.Config.Tags.ID("I-" + s.Type); ok {
					extend = []int{id}
				}
			}
			e.Confidence = d.SpanProb(s.Start, s.End-1, extend...)
		} else {
			for _, q := range probs[s.Start:s.End] {
				e.Confidence += q
			}
			e.Confidence /= float64(s.End - s.Start)
		}
		p.Entities = append(p.Entities, e)
	}
	return p
}

func joinTokens(toks []string) string {
	n := 0
	for _, s := range toks {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	return string(b)
}
