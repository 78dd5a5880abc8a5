package train

import "github.com/sugarme/gotch/ts"

// Objective turns a training batch into the loss the optimizer minimises.
// NLL trains each view on its own labels; cooperative learning (lib/coop)
// adds the agreement of the plain view with the context view.
type Objective interface {
	Loss(m Model, b Batch) (*ts.Tensor, error)
	// String says what the objective trains, for the log.
	String() string
}

// Checker is an Objective that can tell, before training starts, that it
// cannot train a model (cooperative learning needs a model that shows its
// token representations).
type Checker interface {
	Check(m Model) error
}

// Batch is one training batch: sentences drawn from one view, with the
// same sentences in every view of the run, so that an objective can
// compare views.
type Batch struct {
	View  int         // the view the batch trains
	Views []string    // the run's view names: plain, context, …
	Sets  [][]Example // Sets[v][i] is the batch's sentence i in view v
}

// Examples are the batch's sentences in the view it trains.
func (b Batch) Examples() []Example { return b.Sets[b.View] }

// ViewIndex is the index of the named view, or -1.
func (b Batch) ViewIndex(name string) int {
	for i, v := range b.Views {
		if v == name {
			return i
		}
	}
	return -1
}

// NLL is the model's own loss of each batch in the view it was drawn
// from: every view is trained on its own.
type NLL struct{}

func (NLL) Loss(m Model, b Batch) (*ts.Tensor, error) {
	batch := b.Examples()
	out, err := m.Forward(batch, true)
	if err != nil {
		return nil, err
	}
	defer out.Drop()
	return m.Loss(out, batch)
}

func (NLL) String() string { return "each view trained on its own" }
