package train

import (
	"fmt"
	"io"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/safefile"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/torch"
)

// Evaluation is a tagger's result on a labelled set.
type Evaluation struct {
	Loss        float64 // mean loss per sentence
	Report      metrics.Report
	Predictions []*tagger.Prediction // in input order
}

// Evaluate runs the tagger over examples with gold tags in batches (sorted
// by length) and scores its predictions with conlleval semantics. One
// forward pass per batch gives both the loss and the predictions. progress
// is called as for tagger.Predict; an error it returns stops evaluation.
func Evaluate(tg *tagger.Tagger, examples []*tagger.Example, batchSize int, progress func(done int) error) (*Evaluation, error) {
	if batchSize <= 0 {
		batchSize = 64
	}
	order := tagger.LongestFirst(examples)
	ev := &Evaluation{Predictions: make([]*tagger.Prediction, len(examples))}
	var lossSum float64
	var err error
	for start := 0; start < len(order) && err == nil; start += batchSize {
		idx := order[start:min(start+batchSize, len(order))]
		batch := make([]*tagger.Example, len(idx))
		for i, j := range idx {
			batch[i] = examples[j]
		}
		torch.NoGrad(func() {
			out, e := tg.Forward(batch, false)
			if e != nil {
				err = e
				return
			}
			defer out.Drop()
			loss, e := tg.Loss(out, batch)
			if e != nil {
				err = e
				return
			}
			lossSum += loss.Float64Values()[0] * float64(len(batch))
			loss.MustDrop()
			preds, e := tg.Decode(out, batch)
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
	scorer := metrics.NewScorer(metrics.Conlleval, tg.Scheme())
	for i, ex := range examples {
		gold := make([]string, len(ex.Gold))
		for j, id := range ex.Gold {
			gold[j] = tg.Tag(id)
		}
		if err := scorer.Add(gold, ev.Predictions[i].Tags); err != nil {
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
func WritePredictions(path string, tg *tagger.Tagger, examples []*tagger.Example, preds []*tagger.Prediction, probs bool) error {
	return safefile.Write(path, func(w io.Writer) error {
		return FormatPredictions(w, tg, examples, preds, probs)
	})
}

// FormatPredictions is WritePredictions to a writer.
func FormatPredictions(w io.Writer, tg *tagger.Tagger, examples []*tagger.Example, preds []*tagger.Prediction, probs bool) error {
	for i, p := range preds {
		ex := examples[i]
		for j, tok := range p.Tokens {
			gold := corpus.Outside
			if ex.Gold != nil {
				gold = tg.Tag(ex.Gold[j])
			}
			var err error
			if probs {
				_, err = fmt.Fprintf(w, "%s %s %s %.4f\n", tok, gold, p.Tags[j], p.Probs[j])
			} else {
				_, err = fmt.Fprintf(w, "%s %s %s\n", tok, gold, p.Tags[j])
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
