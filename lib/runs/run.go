package runs

import (
	"math"
	"slices"

	"github.com/nerlab/nerlab/lib/metrics"
)

// Run is the per-epoch history of one training run. Every series is
// aligned with Epochs: element i belongs to epoch Epochs[i]. A value the
// run did not record is NaN (nil for PerType), so series keep their shape
// when a run logged some values only on some epochs.
type Run struct {
	Dir      string   // the run folder
	Source   string   // the file the series came from: "metrics.jsonl" or "loss.tsv"
	Warnings []string // what reading skipped, each starting "path:line: " (or "path: ")

	Epochs       []int     // ascending, without repeats
	LR           []float64 // learning rate
	TrainLoss    []float64
	Seconds      []float64 // wall time of the epoch (metrics.jsonl only)
	TokensPerSec []float64 // training throughput (metrics.jsonl only)

	// Evals holds one series per evaluated (split, view) pair, dev before
	// test and the plain view before other views.
	Evals []*EvalSeries
}

// EvalSeries is the evaluation history of one split ("dev", "test") in one
// view ("plain", or e.g. "context" for CLNER's retrieval-augmented input).
// Scores are fractions in [0, 1], as metrics.Report holds them.
type EvalSeries struct {
	Split, View string

	Loss, Precision, Recall, F1, Accuracy []float64

	// PerType holds the per-entity-type scores of each epoch; an element
	// is nil when that epoch's evaluation carried none (loss.tsv never
	// does).
	PerType []map[string]metrics.Score
}

// The views nerlab's runs have: Plain, the sentences alone (the view used
// when a run names none), and Context, each sentence with <EOS> and its
// retrieved context (CLNER).
const (
	Plain   = "plain"
	Context = "context"
)

// Series returns the evaluation series of split in view, or nil when the
// run has none.
func (r *Run) Series(split, view string) *EvalSeries {
	for _, s := range r.Evals {
		if s.Split == split && s.View == view {
			return s
		}
	}
	return nil
}

// Views returns the views the run evaluated, in the order of Evals.
func (r *Run) Views() []string {
	var views []string
	for _, s := range r.Evals {
		if !slices.Contains(views, s.View) {
			views = append(views, s.View)
		}
	}
	return views
}

// MainView is the view whose best dev epoch selects the model: the plain
// view when its dev F1 was recorded, otherwise the first view that has a
// dev F1, otherwise "".
func (r *Run) MainView() string {
	first := ""
	for _, s := range r.Evals {
		if s.Split != "dev" || !anyFinite(s.F1) {
			continue
		}
		if s.View == Plain {
			return Plain
		}
		if first == "" {
			first = s.View
		}
	}
	return first
}

// BestDev returns the index into Epochs of the highest dev F1 in view, the
// earliest one on ties (the checkpoint a trainer that saves on strict
// improvement keeps). ok is false when the view has no dev F1.
func (r *Run) BestDev(view string) (index int, ok bool) {
	s := r.Series("dev", view)
	if s == nil {
		return 0, false
	}
	return argmax(s.F1)
}

// Index returns the position of epoch in Epochs, or -1.
func (r *Run) Index(epoch int) int {
	i, found := slices.BinarySearch(r.Epochs, epoch)
	if !found {
		return -1
	}
	return i
}

// argmax returns the index of the largest finite value, the first of
// equal ones.
func argmax(values []float64) (index int, ok bool) {
	best := math.Inf(-1)
	for i, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) && v > best {
			best, index, ok = v, i, true
		}
	}
	return index, ok
}

func anyFinite(values []float64) bool {
	_, ok := argmax(values)
	return ok
}

// Name is how messages refer to the run: its folder, or "the run" for a
// Run built in memory.
func (r *Run) Name() string {
	if r.Dir == "" {
		return "the run"
	}
	return r.Dir
}
