package runs

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/nerlab/nerlab/lib/metrics"
)

// history gathers rows as a log presents them, epoch by epoch, and turns
// them into a Run. Both log formats feed it, so that they agree on what a
// repeated epoch means.
type history struct {
	epochs map[int]*epochRows
	// lastTrained is the highest epoch a training row has been seen for;
	// trained tells whether there was one at all.
	lastTrained int
	trained     bool
}

type epochRows struct {
	train *trainRow // nil until a training row for the epoch arrives
	evals map[evalKey]evalRow
}

type trainRow struct {
	lr, loss, seconds, tokensPerSec float64
}

type evalKey struct{ split, view string }

type evalRow struct {
	loss, precision, recall, f1, accuracy float64
	perType                               map[string]metrics.Score
}

func newHistory() *history {
	return &history{epochs: map[int]*epochRows{}}
}

func (h *history) rows(epoch int) *epochRows {
	e := h.epochs[epoch]
	if e == nil {
		e = &epochRows{evals: map[evalKey]evalRow{}}
		h.epochs[epoch] = e
	}
	return e
}

// addTrain records the training row of an epoch. A training row for an
// epoch at or before the last trained one means the run was resumed from
// an earlier checkpoint: what the abandoned attempt logged after that
// epoch is no longer part of the curve, so it is dropped, and the new row
// replaces the old one for the epoch itself.
func (h *history) addTrain(epoch int, row trainRow) {
	if h.trained && epoch <= h.lastTrained {
		for e := range h.epochs {
			if e > epoch {
				delete(h.epochs, e)
			}
		}
	}
	h.trained, h.lastTrained = true, epoch
	h.rows(epoch).train = &row
}

// addEval records an evaluation; a later row for the same epoch, split and
// view replaces an earlier one.
func (h *history) addEval(epoch int, key evalKey, row evalRow) {
	h.rows(epoch).evals[key] = row
}

// run lays the rows out as aligned series. Evaluation series whose values
// are all missing (flair writes TEST_ columns full of "_" when test is not
// monitored) are left out.
func (h *history) run() *Run {
	r := &Run{Epochs: slices.Sorted(maps.Keys(h.epochs))}
	n := len(r.Epochs)
	r.LR, r.TrainLoss, r.Seconds, r.TokensPerSec = nans(n), nans(n), nans(n), nans(n)
	keys := map[evalKey]bool{}
	for i, epoch := range r.Epochs {
		rows := h.epochs[epoch]
		if t := rows.train; t != nil {
			r.LR[i], r.TrainLoss[i], r.Seconds[i], r.TokensPerSec[i] = t.lr, t.loss, t.seconds, t.tokensPerSec
		}
		for k := range rows.evals {
			keys[k] = true
		}
	}
	for _, key := range slices.SortedFunc(maps.Keys(keys), compareEvalKeys) {
		s := &EvalSeries{Split: key.split, View: key.view,
			Loss: nans(n), Precision: nans(n), Recall: nans(n), F1: nans(n), Accuracy: nans(n),
			PerType: make([]map[string]metrics.Score, n)}
		recorded := false
		for i, epoch := range r.Epochs {
			row, ok := h.epochs[epoch].evals[key]
			if !ok {
				continue
			}
			s.Loss[i], s.Precision[i], s.Recall[i], s.F1[i], s.Accuracy[i] =
				row.loss, row.precision, row.recall, row.f1, row.accuracy
			s.PerType[i] = row.perType
			recorded = recorded || row.perType != nil ||
				anyFinite([]float64{row.loss, row.precision, row.recall, row.f1, row.accuracy})
		}
		if recorded {
			r.Evals = append(r.Evals, s)
		}
	}
	return r
}

// compareEvalKeys orders dev before test before other splits, and within
// a split the plain view before the others.
func compareEvalKeys(a, b evalKey) int {
	if c := rankThenName(a.split, b.split, "dev", "test"); c != 0 {
		return c
	}
	return rankThenName(a.view, b.view, Plain)
}

func rankThenName(a, b string, first ...string) int {
	rank := func(s string) int {
		if i := slices.Index(first, s); i >= 0 {
			return i
		}
		return len(first)
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

func nans(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
