package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"

	"github.com/nerlab/nerlab/lib/runs"
)

// LearningRate charts the learning rate per epoch. When every rate is
// positive and the largest is more than ten times the smallest (a decay
// schedule, or annealing on plateaus), the y axis is logarithmic so that
// each reduction shows as a step of its own.
func LearningRate(r *runs.Run) (*plot.Plot, error) {
	if r == nil {
		return nil, errNilRun
	}
	xys := finiteXYs(r.Epochs, r.LR, 1)
	if len(xys) == 0 {
		return nil, fmt.Errorf("learning rate of %s: no learning rates: %w", r.Name(), ErrNoData)
	}
	p := newPlot("Learning rate", "epoch", "learning rate")
	if err := addSeries(p, "learning rate", xys, trainColor, nil, circle); err != nil {
		return nil, err
	}
	// One curve needs no legend.
	p.Legend = plot.NewLegend()
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, xy := range xys {
		lo, hi = min(lo, xy.Y), max(hi, xy.Y)
	}
	if spansDecades(lo, hi) {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
		p.Y.Label.Text = "learning rate (log scale)"
	} else {
		p.Y.Min = min(p.Y.Min, 0)
	}
	return p, nil
}

// spansDecades tells whether learning rates between lo and hi get a log
// axis: when both are positive and they span more than one decade.
func spansDecades(lo, hi float64) bool {
	return lo > 0 && hi > 10*lo
}
