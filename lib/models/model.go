package models

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/coop"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/train"
)

// Recipe is nerlab's train.Recipes: the sequence tagger the experiment
// describes, trained with cooperative learning when train.multi_view_training
// asks for it and with each view's NLL otherwise.
func Recipe(exp *config.Experiment) (train.Recipe, error) {
	r := train.Recipe{Model: TaggerBuilder{}}
	if t := exp.Train; t.MultiViewTraining && exp.Data.Context != nil {
		r.Objective = coop.Objective{Rate: t.MultiViewRate, L2: t.CalculateL2Loss,
			KL: t.DistillPosterior && !t.L2LossOnly, Temperature: t.Temperature}
	}
	return r, nil
}

// Train starts a new run of exp with nerlab's recipe (see train.Train).
func Train(ctx context.Context, exp *config.Experiment, opts train.Options) (*train.Result, error) {
	return train.Train(ctx, exp, Recipe, opts)
}

// Resume continues the run in dir with nerlab's recipe (see train.Resume).
func Resume(ctx context.Context, dir string, opts train.Options) (*train.Result, error) {
	return train.Resume(ctx, dir, Recipe, opts)
}

// TaggerBuilder makes sequence taggers for the trainer.
type TaggerBuilder struct{}

// New builds the experiment's tagger from the training data, or loads
// the one train.init_from names.
func (TaggerBuilder) New(exp *config.Experiment, trainSets, dev []*corpus.Corpus, device gotch.Device) (train.Model, string, error) {
	if from := exp.Train.InitFrom; from != "" {
		dir, err := tagger.ResolveModelDir(from)
		if err != nil {
			return nil, "", fmt.Errorf("train.init_from: %w", err)
		}
		tg, err := tagger.Load(dir, device)
		if err != nil {
			return nil, "", fmt.Errorf("train.init_from: %w", err)
		}
		return Tagger(tg), fmt.Sprintf("the tagger saved in %s (train.init_from; its vocabulary, labels and architecture)", dir), nil
	}
	tg, info, err := BuildTagger(exp, trainSets, dev, device)
	if err != nil {
		return nil, "", err
	}
	return Tagger(tg), info.String(), nil
}

// Load reads a saved tagger.
func (TaggerBuilder) Load(dir string, device gotch.Device) (train.Model, error) {
	tg, err := tagger.Load(dir, device)
	if err != nil {
		return nil, err
	}
	return Tagger(tg), nil
}

// Saved reports whether dir holds a saved tagger's files.
func (TaggerBuilder) Saved(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, tagger.ConfigFile))
	return err == nil
}

// TaggerModel is a tagger as the trainer and cooperative learning see it.
type TaggerModel struct{ *tagger.Tagger }

// Tagger wraps tg for the trainer.
func Tagger(tg *tagger.Tagger) TaggerModel { return TaggerModel{tg} }

var _ coop.Model = TaggerModel{}

// taggerExample is a tagger's example as the trainer sees it.
type taggerExample struct {
	*tagger.Example
	gold []string // the gold tags in the tagger's scheme
}

func (e taggerExample) Len() int       { return len(e.Tokens) }
func (e taggerExample) Gold() []string { return e.gold }

// Example is ex (gold tag ids of tg) as the trainer sees it.
func (m TaggerModel) Example(ex *tagger.Example) train.Example {
	e := taggerExample{Example: ex}
	if ex.Gold != nil {
		e.gold = make([]string, len(ex.Gold))
		for j, id := range ex.Gold {
			e.gold[j] = m.Tag(id)
		}
	}
	return e
}

// Examples are the tagger's examples of c.
func (m TaggerModel) Examples(c *corpus.Corpus) ([]train.Example, error) {
	exs, err := m.Tagger.Examples(c)
	if err != nil {
		return nil, err
	}
	out := make([]train.Example, len(exs))
	for i, ex := range exs {
		out[i] = m.Example(ex)
	}
	return out, nil
}

// unwrap returns the tagger's examples of a batch.
func unwrap(batch []train.Example) ([]*tagger.Example, error) {
	out := make([]*tagger.Example, len(batch))
	for i, e := range batch {
		te, ok := e.(taggerExample)
		if !ok {
			return nil, fmt.Errorf("models: example %d is a %T, not a tagger's", i, e)
		}
		out[i] = te.Example
	}
	return out, nil
}

// pass is a forward pass and its batch as the tagger's own.
func pass(out train.Output, batch []train.Example) (*tagger.Output, []*tagger.Example, error) {
	o, err := output(out)
	if err != nil {
		return nil, nil, err
	}
	exs, err := unwrap(batch)
	return o, exs, err
}

func output(out train.Output) (*tagger.Output, error) {
	o, ok := out.(*tagger.Output)
	if !ok {
		return nil, fmt.Errorf("models: output is a %T, not a tagger's", out)
	}
	return o, nil
}

// Forward encodes a batch.
func (m TaggerModel) Forward(batch []train.Example, training bool) (train.Output, error) {
	exs, err := unwrap(batch)
	if err != nil {
		return nil, err
	}
	out, err := m.Tagger.Forward(exs, training)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Loss is the batch's mean NLL (CRF) or cross-entropy (softmax).
func (m TaggerModel) Loss(out train.Output, batch []train.Example) (*ts.Tensor, error) {
	o, exs, err := pass(out, batch)
	if err != nil {
		return nil, err
	}
	return m.Tagger.Loss(o, exs)
}

// Decode is Viterbi (CRF) or the most probable tag per token (softmax).
func (m TaggerModel) Decode(out train.Output, batch []train.Example) ([]*corpus.Prediction, error) {
	o, exs, err := pass(out, batch)
	if err != nil {
		return nil, err
	}
	return m.Tagger.Decode(o, exs)
}

// Parameters are the tagger's trainable tensors by name.
func (m TaggerModel) Parameters() map[string]*ts.Tensor { return m.Params() }

// Device is where the tagger's weights live.
func (m TaggerModel) Device() gotch.Device { return m.Tagger.Device }

// Representations are the token representations at the scored positions
// (the sentence's own tokens of a context view), compacted to the front.
func (m TaggerModel) Representations(out train.Output, batch []train.Example) (*ts.Tensor, error) {
	o, exs, err := pass(out, batch)
	if err != nil {
		return nil, err
	}
	return m.SentenceFeatures(o, exs)
}

// PosteriorScores are the CRF's unnormalised log-marginals α + β, or the
// emissions of a softmax tagger, over the scored positions only ([B,
// longest length, N]; a context view whose sentence is a prefix keeps its
// context positions in Emissions, past the lengths).
func (m TaggerModel) PosteriorScores(out train.Output) (*ts.Tensor, error) {
	o, err := output(out)
	if err != nil {
		return nil, err
	}
	longest := int64(slices.Max(o.Lengths))
	scores := o.Emissions.MustNarrow(1, 0, longest, false)
	if c := m.CRF(); c != nil {
		defer scores.MustDrop()
		return c.LogPotentials(scores, o.Lengths)
	}
	return scores, nil
}

// Lengths are the scored lengths of a forward pass.
func (m TaggerModel) Lengths(out train.Output) ([]int, error) {
	o, err := output(out)
	if err != nil {
		return nil, err
	}
	return o.Lengths, nil
}
