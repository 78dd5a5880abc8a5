package train

import (
	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
)

// Model is what the trainer trains. The trainer, its checkpoints, resume,
// evaluation and the run folder know a model only through these methods
// (flair's flair.nn.Model is the shape): a sequence tagger, a span
// extractor or a toy model train alike.
//
// The contract beyond the signatures:
//   - Examples are made once, by the model being trained, and are also
//     given to the best model the Builder loads back for the final test:
//     an example may hold ids of the model's vocabularies, since a saved
//     model keeps them, but nothing else of one instance.
//   - Evaluation (the best epoch, the test scores) is conlleval span F1
//     over Decode's tags in Scheme; a model without spans to score has no
//     dev F1 to select by.
//   - Forward's randomness (dropout) must come from libtorch's generator,
//     which the trainer seeds per batch: that is what makes resume exact.
type Model interface {
	// Examples turns the sentences of a corpus into the model's inputs,
	// one per sentence, in order, with their gold labels when the corpus
	// has them.
	Examples(c *corpus.Corpus) ([]Example, error)
	// Forward runs the model over a batch; train switches dropout on.
	Forward(batch []Example, train bool) (Output, error)
	// Loss is the batch's mean loss from its forward pass.
	Loss(out Output, batch []Example) (*ts.Tensor, error)
	// Decode turns a forward pass into predictions, one per example;
	// evaluation reuses the pass that gave its loss.
	Decode(out Output, batch []Example) ([]*corpus.Prediction, error)
	// Scheme is the tag scheme of the predictions' and examples' tags.
	Scheme() corpus.Scheme
	// Parameters are the trainable tensors by name (the names the saved
	// weights use). The name's first dot-separated segment is the
	// parameter's group: the experiment sets a learning-rate multiplier
	// per group (train.lr_multipliers).
	Parameters() map[string]*ts.Tensor
	// Save writes the model into dir (created if missing), so that the
	// Builder's Load reads it back.
	Save(dir string) error
	// Device is where the model's tensors live.
	Device() gotch.Device
}

// Example is one sentence as a model's input.
type Example interface {
	// Len is the number of input tokens, context included: batches are
	// sorted and tokens/s counted by it.
	Len() int
	// Gold are the gold tags of the scored tokens in the model's scheme,
	// nil when the sentence has none.
	Gold() []string
}

// Output is a forward pass over a batch; the model alone reads it.
type Output interface {
	// Drop frees its tensors.
	Drop()
}

// Builder makes the run's model.
type Builder interface {
	// New makes an untrained model for the experiment (or the one its
	// train.init_from names) from the training data: train holds the
	// training corpora of every view, dev the first view's development
	// corpora. The description says what it derived, for the log.
	New(exp *config.Experiment, train, dev []*corpus.Corpus, device gotch.Device) (m Model, description string, err error)
	// Load reads a model that Model.Save wrote (a checkpoint, best-model).
	Load(dir string, device gotch.Device) (Model, error)
	// Saved reports whether dir holds a complete saved model (its files,
	// not yet whether they load), so that a missing best model is told
	// apart from a damaged one.
	Saved(dir string) bool
}

// Recipe is what a run trains: how its model is made and the objective
// it minimises.
type Recipe struct {
	Model Builder
	// Objective turns a batch into a loss; nil means NLL, each batch's
	// loss in its own view.
	Objective Objective
}

// Recipes picks an experiment's recipe. lib/models provides nerlab's
// (models.Recipe); a test may train its own model with its own.
type Recipes func(exp *config.Experiment) (Recipe, error)
