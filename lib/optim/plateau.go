package optim

import (
	"fmt"
	"math"
)

// AnnealOnPlateau is flair's AnnealOnPlateau learning-rate schedule
// (flair/training_utils.py) together with the trainer logic around it
// (flair's AnnealingPlugin and the older ModelTrainer.train loop). Call
// Observe once per epoch with the dev score; train the next epoch at LR
// unless Done.
//
// What is matched, in flair's terms:
//   - an epoch improves when its metric is strictly better than the best so
//     far ("max" mode: greater; "min": smaller); the first metric always
//     improves, since flair starts best at ∓inf (here a NaN or infinite
//     metric never improves, so Best stays finite);
//   - otherwise num_bad_epochs grows by one; when it exceeds the effective
//     patience (Patience + InitialExtraPatience until the first anneal,
//     Patience afterwards) the LR becomes max(LR·Factor, 0) and the counter
//     restarts at 0. flair passes no min_lr to the scheduler, so the floor
//     is 0, and it ignores a reduction of at most 1e-8 (its eps);
//   - training stops when LR < MinLR (flair's min_learning_rate check,
//     strictly less, after the step);
//   - the BAD_EPOCHS column of loss.tsv is num_bad_epochs, except in an
//     epoch whose LR changed, where flair writes Patience+1, plus
//     InitialExtraPatience when the LR was still the initial one.
//
// flair's cooldown (always 0 in its trainer) and auxiliary tie-breaking
// metric are not implemented. Threshold adds PyTorch ReduceLROnPlateau's
// relative threshold (improvement means beating best·(1+Threshold) in
// "max" mode, best·(1−Threshold) in "min"): flair up to 0.4, and trainers
// derived from it, annealed with torch's ReduceLROnPlateau and its default
// threshold 1e-4. 0, today's flair behaviour, is the default here.
//
// The exported fields are the whole state; the zero value of Mode means
// "max", and Best is meaningful only once HasBest is true (so the state
// never holds ±Inf and always encodes to JSON).
type AnnealOnPlateau struct {
	LR                   float64 // learning rate for the next epoch
	Factor               float64 // LR multiplier on a plateau, < 1
	MinLR                float64 // Done once LR < MinLR
	Patience             int     // bad epochs tolerated before annealing
	InitialExtraPatience int     // extra patience before the first anneal
	Mode                 string  // "max" (default, dev F1) or "min" (a loss)
	Threshold            float64 // relative improvement threshold; 0 in flair

	BadEpochs int     // flair's num_bad_epochs after the last Observe
	Best      float64 // best metric so far, when HasBest
	HasBest   bool
	Epochs    int  // Observe calls so far (flair's last_epoch)
	Anneals   int  // times the bad-epoch count exceeded the patience
	LRChanges int  // anneals that changed the LR (flair's eps may veto one)
	Changed   bool // the LR changed in the last Observe
}

// annealEps is flair's (and PyTorch's) minimal LR decrease.
const annealEps = 1e-8

// NewAnnealOnPlateau returns a schedule in "max" mode starting at lr.
func NewAnnealOnPlateau(lr, factor float64, patience int, minLR float64) *AnnealOnPlateau {
	return &AnnealOnPlateau{LR: lr, Factor: factor, Patience: patience, MinLR: minLR}
}

// Observe records one epoch's metric and anneals the LR after a plateau.
// It reports whether the metric improved on the best so far.
func (a *AnnealOnPlateau) Observe(metric float64) (improved bool) {
	a.Epochs++
	a.Changed = false
	improved = a.better(metric)
	if improved {
		a.Best, a.HasBest = metric, true
		a.BadEpochs = 0
	} else {
		a.BadEpochs++
	}
	patience := a.Patience
	if a.Anneals == 0 {
		patience += a.InitialExtraPatience
	}
	if a.BadEpochs > patience {
		old := a.LR
		reduced := math.Max(old*a.Factor, 0)
		if old-reduced > annealEps {
			a.LR = reduced
			a.LRChanges++
			a.Changed = true
		}
		a.Anneals++
		a.BadEpochs = 0
	}
	return improved
}

// better reports whether metric beats the best so far.
func (a *AnnealOnPlateau) better(metric float64) bool {
	switch {
	case math.IsNaN(metric) || math.IsInf(metric, 0):
		return false
	case !a.HasBest:
		return true // flair's best starts at −inf ("max") or +inf ("min")
	case a.Mode == "min":
		return metric < a.Best*(1-a.Threshold)
	default:
		return metric > a.Best*(1+a.Threshold)
	}
}

// Done reports whether the LR has fallen below MinLR, flair's signal to
// stop training.
func (a *AnnealOnPlateau) Done() bool { return a.LR < a.MinLR }

// BadEpochsColumn is the value flair writes in loss.tsv's BAD_EPOCHS
// column for the last observed epoch.
func (a *AnnealOnPlateau) BadEpochsColumn() int {
	if !a.Changed {
		return a.BadEpochs
	}
	if a.LRChanges == 1 {
		return a.Patience + 1 + a.InitialExtraPatience
	}
	return a.Patience + 1
}

// Check reports a setting flair would reject or that cannot work: LR not a
// positive finite number, Factor outside (0, 1), negative patience or
// threshold, or an unknown Mode.
func (a *AnnealOnPlateau) Check() error {
	switch {
	case !(a.LR > 0) || math.IsInf(a.LR, 0):
		return fmt.Errorf("optim: anneal: learning rate %v; expected a positive number", a.LR)
	case !(a.Factor > 0 && a.Factor < 1):
		return fmt.Errorf("optim: anneal: factor %v; expected 0 < factor < 1", a.Factor)
	case a.Patience < 0 || a.InitialExtraPatience < 0:
		return fmt.Errorf("optim: anneal: patience %d (+%d initial); expected counts >= 0", a.Patience, a.InitialExtraPatience)
	case !(a.Threshold >= 0) || math.IsInf(a.Threshold, 0):
		return fmt.Errorf("optim: anneal: threshold %v; expected a finite value >= 0", a.Threshold)
	case a.Mode != "" && a.Mode != "max" && a.Mode != "min":
		return fmt.Errorf("optim: anneal: mode %q; expected \"max\" or \"min\"", a.Mode)
	case math.IsNaN(a.MinLR) || math.IsInf(a.MinLR, 0):
		return fmt.Errorf("optim: anneal: min learning rate %v; expected a finite number", a.MinLR)
	}
	return nil
}
