// Package notebook is the kernel's session as Go cells see it: the same
// lab.Session that the magics (%load, %train, %predict, ...) use, the
// running cell's context, and Run for a command line. It lets a notebook
// mix the two: `%load wnut ../shared/datasets/wnut17` in one cell, then
// notebook.Session().Dataset("wnut") in Go in the next, or
// notebook.Predict("Angela Merkel visited Paris") to tag a text with the
// session's current model. The kernel imports it in every cell.
package notebook

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/tagger"
)

var (
	mu     sync.Mutex
	cmds   *lab.Lab
	sess   *lab.Session
	cellCx = context.Background()
	runner func(ctx context.Context, line string) error
)

// ErrNoKernel is returned by Run outside a nerlab kernel.
var ErrNoKernel = errors.New("notebook: not running in a nerlab kernel")

// Session returns the kernel's session (nil outside a kernel).
func Session() *lab.Session {
	mu.Lock()
	defer mu.Unlock()
	return sess
}

// Lab returns the kernel's command layer (nil outside a kernel).
func Lab() *lab.Lab {
	mu.Lock()
	defer mu.Unlock()
	return cmds
}

// Context returns the running cell's context. An interrupt cancels it:
// pass it to long calls, such as models.Train(notebook.Context(), exp,
// opts), so that they stop cleanly (training writes a checkpoint).
func Context() context.Context {
	mu.Lock()
	defer mu.Unlock()
	return cellCx
}

// Run executes a command line as the magic %LINE would, with its output
// in the running cell.
func Run(line string) error {
	mu.Lock()
	run, ctx := runner, cellCx
	mu.Unlock()
	if run == nil {
		return ErrNoKernel
	}
	return run(ctx, line)
}

// Attach is called by the kernel as each cell starts, with its command
// layer, session and the function that runs a command line in that cell
// (the function changes from cell to cell: it writes to the cell's output).
func Attach(l *lab.Lab, s *lab.Session, run func(ctx context.Context, line string) error) {
	mu.Lock()
	cmds, sess, runner = l, s, run
	mu.Unlock()
}

// SetContext is called by the kernel as each cell starts and ends.
func SetContext(ctx context.Context) {
	mu.Lock()
	cellCx = ctx
	mu.Unlock()
}

// ErrNoModel is returned by Predict when the session has no current model.
var ErrNoModel = errors.New("notebook.Predict: no model loaded: %load NAME RUN_OR_MODEL_FOLDER, or %train a model, first")

// Predict tags text (tokenised as `predict` does) with the session's
// current model on the CPU. As a cell's value the prediction shows the
// text with its entities highlighted; its Entities carry each span's type
// and confidence.
func Predict(text string) (*tagger.Prediction, error) {
	s := Session()
	if s == nil {
		return nil, ErrNoKernel
	}
	m := s.Model("")
	if m == nil {
		return nil, ErrNoModel
	}
	toks := tagger.Tokenize(text)
	if len(toks) == 0 {
		return nil, errors.New("notebook.Predict: the text has no tokens")
	}
	tg, err := m.Tagger("cpu")
	if err != nil {
		return nil, fmt.Errorf("notebook.Predict: model %s: %w", m.Name, err)
	}
	preds, err := tg.Predict([]*tagger.Example{tagger.ExampleOfTokens(toks)}, 1, nil)
	if err != nil {
		return nil, fmt.Errorf("notebook.Predict: %w", err)
	}
	return preds[0], nil
}
