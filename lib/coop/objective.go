package coop

import (
	"fmt"
	"strings"

	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
)

// Model is a model cooperative learning can train: besides training, it
// shows the two things the views are made to agree on.
type Model interface {
	train.Model
	// Representations are the token representations CL-L2 compares,
	// [B, T, D], sentence b's scored tokens at 0..Lengths(out)[b]-1.
	Representations(out train.Output, batch []train.Example) (*ts.Tensor, error)
	// PosteriorScores are the per-position tag scores CL-KL compares
	// (a CRF's unnormalised log-marginals α + β; a softmax tagger's
	// emissions), [B, T, N] laid out as Representations.
	PosteriorScores(out train.Output) (*ts.Tensor, error)
	// Lengths are the numbers of scored tokens of the pass's sentences.
	Lengths(out train.Output) ([]int, error)
}

// Objective is CLNER's multi-view training: a batch of the teacher view
// (context) costs (1 − r)·NLL + r·(CL-L2 and/or CL-KL), the agreement
// measured against the student view (plain) of the same sentences, run
// here (with dropout) as the student; a batch of any other view costs its
// NLL.
type Objective struct {
	Rate        float64 // r
	L2, KL      bool    // the terms to add
	Temperature float64 // CL-KL's temperature
	// Teacher and Student name the views; "" means context and plain.
	Teacher, Student string
}

// String says what the objective trains, for the log.
func (o Objective) String() string {
	var terms []string
	if o.L2 {
		terms = append(terms, "CL-L2")
	}
	if o.KL {
		terms = append(terms, fmt.Sprintf("CL-KL at temperature %g", o.Temperature))
	}
	if len(terms) == 0 {
		terms = append(terms, "no cooperative loss")
	}
	return fmt.Sprintf("cooperative learning: %s at rate %g", strings.Join(terms, " + "), o.Rate)
}

// Loss is the batch's loss.
func (o Objective) Loss(model train.Model, b train.Batch) (*ts.Tensor, error) {
	teacher, student := b.ViewIndex(or(o.Teacher, runs.Context)), b.ViewIndex(or(o.Student, runs.Plain))
	if b.View != teacher || student < 0 {
		return train.NLL{}.Loss(model, b)
	}
	m, err := asModel(model)
	if err != nil {
		return nil, err
	}
	batch := b.Sets[teacher]
	out, err := m.Forward(batch, true)
	if err != nil {
		return nil, err
	}
	defer out.Drop()
	nll, err := m.Loss(out, batch)
	if err != nil {
		return nil, err
	}
	plain := b.Sets[student]
	pout, err := m.Forward(plain, true)
	if err != nil {
		nll.MustDrop()
		return nil, err
	}
	defer pout.Drop()
	cl, err := o.agreement(m, out, batch, pout, plain)
	if err != nil {
		nll.MustDrop()
		return nil, err
	}
	loss := nll.MustMulScalar(ts.FloatScalar(1-o.Rate), true)
	if cl != nil {
		weighted := cl.MustMulScalar(ts.FloatScalar(o.Rate), true)
		loss = loss.MustAdd(weighted, true)
		weighted.MustDrop()
	}
	return loss, nil
}

// Check refuses, before training starts, a model cooperative learning
// cannot train.
func (o Objective) Check(model train.Model) error {
	_, err := asModel(model)
	return err
}

func asModel(model train.Model) (Model, error) {
	m, ok := model.(Model)
	if !ok {
		return nil, fmt.Errorf("cooperative learning: the model (%T) shows no token representations or posteriors to compare", model)
	}
	return m, nil
}

// agreement is the sum of the cooperative terms between the teacher's
// output and the student's; nil when the objective has none.
func (o Objective) agreement(m Model, teacherOut train.Output, teacherBatch []train.Example, studentOut train.Output, studentBatch []train.Example) (*ts.Tensor, error) {
	lengths, err := m.Lengths(studentOut)
	if err != nil {
		return nil, err
	}
	teacherLengths, err := m.Lengths(teacherOut)
	if err != nil {
		return nil, err
	}
	if len(lengths) != len(teacherLengths) {
		return nil, fmt.Errorf("cooperative learning: %d sentences in the plain view's batch and %d in the context view's", len(lengths), len(teacherLengths))
	}
	for i, l := range lengths {
		if teacherLengths[i] != l {
			return nil, fmt.Errorf("cooperative learning: sentence %d has %d tokens in the plain view and %d in the context view", i, l, teacherLengths[i])
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
	if o.L2 {
		student, err := m.Representations(studentOut, studentBatch)
		if err != nil {
			return nil, err
		}
		teacher, err := m.Representations(teacherOut, teacherBatch)
		if err != nil {
			student.MustDrop()
			return nil, err
		}
		l2, err := L2(student, teacher, lengths)
		student.MustDrop()
		teacher.MustDrop()
		if err != nil {
			return nil, err
		}
		add(l2)
	}
	if o.KL {
		kl, err := o.kl(m, teacherOut, studentOut, lengths)
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

// kl is CL-KL between the two views' posterior scores.
func (o Objective) kl(m Model, teacherOut, studentOut train.Output, lengths []int) (*ts.Tensor, error) {
	student, err := m.PosteriorScores(studentOut)
	if err != nil {
		return nil, err
	}
	defer student.MustDrop()
	// The teacher is detached in KL anyway; without a graph its
	// forward-backward costs less.
	var teacher *ts.Tensor
	torch.NoGrad(func() { teacher, err = m.PosteriorScores(teacherOut) })
	if err != nil {
		return nil, err
	}
	defer teacher.MustDrop()
	return KL(student, teacher, lengths, o.Temperature)
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
