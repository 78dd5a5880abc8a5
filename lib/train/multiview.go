package train

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/coop"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/torch"
)

// coopTerms names the cooperative losses the experiment asks for.
func (tr *trainer) coopTerms() string {
	t := tr.exp.Train
	var terms []string
	if t.CalculateL2Loss {
		terms = append(terms, "CL-L2")
	}
	if t.DistillPosterior && !t.L2LossOnly {
		terms = append(terms, fmt.Sprintf("CL-KL at temperature %g", t.Temperature))
	}
	if len(terms) == 0 {
		return "no cooperative loss"
	}
	return strings.Join(terms, " + ")
}

// contextLoss is the loss of a context-view batch: its NLL, and with
// multi_view_training (1 − r)·NLL + r·(CL-L2 and/or CL-KL) against the
// plain view of the same sentences, run again here (with dropout) as the
// student. plainIDs index tr.data.train.
func (tr *trainer) contextLoss(batch []*tagger.Example, plainIDs []int) (*ts.Tensor, error) {
	out, err := tr.tg.Forward(batch, true)
	if err != nil {
		return nil, err
	}
	defer out.Drop()
	nll, err := tr.tg.Loss(out, batch)
	if err != nil {
		return nil, err
	}
	t := tr.exp.Train
	if !t.MultiViewTraining {
		return nll, nil
	}
	plain := make([]*tagger.Example, len(plainIDs))
	for i, id := range plainIDs {
		plain[i] = tr.data.train[id]
	}
	pout, err := tr.tg.Forward(plain, true)
	if err != nil {
		nll.MustDrop()
		return nil, err
	}
	defer pout.Drop()
	cl, err := tr.coopLoss(out, batch, pout, plain)
	if err != nil {
		nll.MustDrop()
		return nil, err
	}
	r := t.MultiViewRate
	loss := nll.MustMulScalar(ts.FloatScalar(1-r), true)
	if cl != nil {
		weighted := cl.MustMulScalar(ts.FloatScalar(r), true)
		loss = loss.MustAdd(weighted, true)
		weighted.MustDrop()
	}
	return loss, nil
}

// coopLoss is the sum of the cooperative terms between a context-view
// output (the teacher) and the plain view's (the student); nil when the
// experiment asks for none.
func (tr *trainer) coopLoss(ctxOut *tagger.Output, ctxBatch []*tagger.Example, plainOut *tagger.Output, plainBatch []*tagger.Example) (*ts.Tensor, error) {
	t := tr.exp.Train
	for i, l := range plainOut.Lengths {
		if ctxOut.Lengths[i] != l {
			return nil, fmt.Errorf("train: sentence %d has %d tokens in the plain view and %d in the context view", i, l, ctxOut.Lengths[i])
		}
	}
	var total *ts.Tensor
	add := func(term *ts.Tensor) {
		if total == nil {
			total = term
			return
		}
		total = total.MustAdd(term, true)
		term.MustDrop()
	}
	if t.CalculateL2Loss {
		student, err := tr.tg.SentenceFeatures(plainOut, plainBatch)
		if err != nil {
			return nil, err
		}
		teacher, err := tr.tg.SentenceFeatures(ctxOut, ctxBatch)
		if err != nil {
			student.MustDrop()
			return nil, err
		}
		l2, err := coop.L2(student, teacher, plainOut.Lengths)
		student.MustDrop()
		teacher.MustDrop()
		if err != nil {
			return nil, err
		}
		add(l2)
	}
	if t.DistillPosterior && !t.L2LossOnly {
		kl, err := tr.klLoss(ctxOut, plainOut)
		if err != nil {
			if total != nil {
				total.MustDrop()
			}
			return nil, err
		}
		add(kl)
	}
	return total, nil
}

// klLoss is CL-KL between the two views' posterior scores.
func (tr *trainer) klLoss(ctxOut, plainOut *tagger.Output) (*ts.Tensor, error) {
	student, err := tr.posteriorScores(plainOut)
	if err != nil {
		return nil, err
	}
	defer student.MustDrop()
	// The teacher is detached in coop.KL anyway; without a graph its
	// forward-backward costs less.
	var teacher *ts.Tensor
	torch.NoGrad(func() { teacher, err = tr.posteriorScores(ctxOut) })
	if err != nil {
		return nil, err
	}
	defer teacher.MustDrop()
	return coop.KL(student, teacher, plainOut.Lengths, tr.exp.Train.Temperature)
}

// posteriorScores are the per-position tag scores CL-KL compares: the
// CRF's unnormalised log-marginals α + β, or the emissions of a softmax
// tagger, over the scored positions only ([B, longest length, N]; a
// context view whose sentence is a prefix keeps its context positions in
// Emissions, past the lengths).
func (tr *trainer) posteriorScores(out *tagger.Output) (*ts.Tensor, error) {
	longest := int64(slices.Max(out.Lengths))
	scores := out.Emissions.MustNarrow(1, 0, longest, false)
	if c := tr.tg.CRF(); c != nil {
		defer scores.MustDrop()
		return c.LogPotentials(scores, out.Lengths)
	}
	return scores, nil
}

// backward runs forward and backward on a batch of ids (see epochBatches),
// scaled for accumulation, and returns the batch's loss value.
func (tr *trainer) backward(ids []int, accum int) (float64, error) {
	batch := make([]*tagger.Example, len(ids))
	for i, id := range ids {
		batch[i] = tr.example(id)
	}
	var loss *ts.Tensor
	if n := len(tr.data.train); tr.data.trainCtx != nil && ids[0] >= n {
		plain := make([]int, len(ids))
		for i, id := range ids {
			plain[i] = id - n
		}
		var err error
		if loss, err = tr.contextLoss(batch, plain); err != nil {
			return 0, err
		}
	} else {
		out, err := tr.tg.Forward(batch, true)
		if err != nil {
			return 0, err
		}
		defer out.Drop()
		if loss, err = tr.tg.Loss(out, batch); err != nil {
			return 0, err
		}
	}
	value := loss.Float64Values()[0]
	if math.IsNaN(value) || math.IsInf(value, 0) {
		loss.MustDrop()
		return value, nil
	}
	if accum > 1 {
		loss = loss.MustDivScalar(ts.FloatScalar(float64(accum)), true)
	}
	loss.MustBackward()
	loss.MustDrop()
	return value, nil
}
