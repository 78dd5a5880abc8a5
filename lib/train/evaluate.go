package train

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/torch"
)

// Evaluation is a model's result on a labelled set.
type Evaluation struct {
	Loss        float64 // mean loss per sentence
	Report      metrics.Report
	Predictions []*corpus.Prediction // in input order
}

// LongestFirst returns the indices of examples from the longest to the
// shortest (stable), the order in which inference batches them so that
// each batch pads little.
func LongestFirst(examples []Example) []int {
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(examples[b].Len(), examples[a].Len())
	})
	return order
}

// Evaluate runs the model over examples with gold tags in batches (sorted
// by length) and scores its predictions with conlleval semantics. One
// forward pass per batch gives both the loss and the predictions. progress,
// if not nil, is called after each batch with the number of examples
// done; an error it returns stops evaluation.
func Evaluate(m Model, examples []Example, batchSize int, progress func(done int) error) (*Evaluation, error) {
	if batchSize <= 0 {
		batchSize = 64
	}
	order := LongestFirst(examples)
	ev := &Evaluation{Predictions: make([]*corpus.Prediction, len(examples))}
	var lossSum float64
	var err error
	for start := 0; start < len(order) && err == nil; start += batchSize {
		idx := order[start:min(start+batchSize, len(order))]
		batch := make([]Example, len(idx))
		for i, j := range idx {
			batch[i] = examples[j]
		}
		torch.NoGrad(func() {
			out, e := m.Forward(batch, false)
			if e != nil {
				err = e
				return
			}
			defer out.Drop()
			loss, e := m.Loss(out, batch)
			if e != nil {
				err = e
				return
			}
			lossSum += loss.Float64Values()[0] * float64(len(batch))
			loss.MustDrop()
			preds, e := m.Decode(out, batch)
			if e != nil {
				err = e
				return
			}
			for i, j := range idx {
				ev.Predictions[j] = preds[i]
			}
		})
		if progress != nil && err == nil {
			err = progress(start + len(idx))
		}
	}
	if err != nil {
		return nil, err
	}
	scorer := metrics.NewScorer(metrics.Conlleval, m.Scheme())
	for i, ex := range examples {
		if err := scorer.Add(ex.Gold(), ev.Predictions[i].Tags); err != nil {
			return nil, err
		}
	}
	ev.Report = scorer.Report()
	if len(examples) > 0 {
		ev.Loss = lossSum / float64(len(examples))
	}
	return ev, nil
}

// WritePredictions writes CLNER's parse format: one line per scored token,
// "token gold predicted" (plus the token's probability with probs), a blank
// line after each sentence, in the order of the examples.
func WritePredictions(path string, examples []Example, preds []*corpus.Prediction, probs bool) error {
	return safefile.Write(path, func(w io.Writer) error {
		return FormatPredictions(w, examples, preds, probs)
	})
}

// FormatPredictions is WritePredictions to a writer. A sentence without
// gold tags shows O as its gold.
func FormatPredictions(w io.Writer, examples []Example, preds []*corpus.Prediction, probs bool) error {
	for i, p := range preds {
		gold := examples[i].Gold()
		for j, tok := range p.Tokens {
			g := corpus.Outside
			if gold != nil {
				g = gold[j]
			}
			var err error
			if probs {
				_, err = fmt.Fprintf(w, "%s %s %s %.4f\n", tok, g, p.Tags[j], p.Probs[j])
			} else {
				_, err = fmt.Fprintf(w, "%s %s %s\n", tok, g, p.Tags[j])
			}
			if err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	return nil
}
