package optim

import (
	"fmt"
	"math"
)

// LinearWarmupDecay is the per-step linear schedule with warmup of flair's
// LinearSchedulerWithWarmup (flair/optim.py) and Hugging Face's
// get_linear_schedule_with_warmup: after Step optimizer steps the LR is
//
//	Peak · Step/max(1, Warmup)                       while Step < Warmup
//	Peak · max(0, (Total−Step)/max(1, Total−Warmup))  afterwards
//
// so the very first update runs at LR 0 when Warmup > 0, exactly as there
// (PyTorch's LambdaLR evaluates the factor at the step count before the
// update). Call LR before each optimizer step and Advance after it, as
// flair's plugin steps the scheduler after each batch that ran the
// optimizer. The exported fields are the whole state.
type LinearWarmupDecay struct {
	Peak   float64
	Warmup int
	Total  int
	Step   int
}

// LR is the learning rate for the next optimizer step.
func (s *LinearWarmupDecay) LR() float64 {
	if s.Step < s.Warmup {
		return s.Peak * (float64(s.Step) / float64(max(1, s.Warmup)))
	}
	return s.Peak * math.Max(0, float64(s.Total-s.Step)/float64(max(1, s.Total-s.Warmup)))
}

// Advance counts one optimizer step.
func (s *LinearWarmupDecay) Advance() { s.Step++ }

// Done reports whether the schedule has reached its end (LR 0 from here).
func (s *LinearWarmupDecay) Done() bool { return s.Step >= s.Total }

// FlairLinearSteps computes total and warmup steps the way flair's
// LinearSchedulerPlugin does: steps per epoch is the float
// (datasetSize + batchSize − 1) / batchSize (Python 3's true division, not
// a ceiling), total = int(stepsPerEpoch · epochs) and
// warmup = int(total · warmupFraction), both truncated.
func FlairLinearSteps(datasetSize, batchSize, epochs int, warmupFraction float64) (total, warmup int, err error) {
	switch {
	case datasetSize < 0 || batchSize <= 0 || epochs < 0:
		return 0, 0, fmt.Errorf("optim: linear schedule: dataset %d, batch %d, epochs %d; expected dataset >= 0, batch > 0, epochs >= 0", datasetSize, batchSize, epochs)
	case !(warmupFraction >= 0 && warmupFraction <= 1):
		return 0, 0, fmt.Errorf("optim: linear schedule: warmup fraction %v; expected 0 <= fraction <= 1", warmupFraction)
	}
	perEpoch := float64(datasetSize+batchSize-1) / float64(batchSize)
	total = int(perEpoch * float64(epochs))
	warmup = int(float64(total) * warmupFraction)
	return total, warmup, nil
}
