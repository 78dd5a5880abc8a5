package plots

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot"

	"github.com/nerlab/nerlab/lib/runs"
)

// ErrNoData is wrapped by a chart's error when the run holds nothing that
// chart could show (no epochs yet, or a loss.tsv run asked for per-type
// scores).
var ErrNoData = errors.New("nothing to plot")

// LossCurves charts the training loss and every evaluated split's loss
// per epoch: dev, and test when the run monitored it.
func LossCurves(r *runs.Run) (*plot.Plot, error) {
	if r == nil {
		return nil, errNilRun
	}
	p := newPlot("Loss", "epoch", "loss")
	drawn := 0
	if xys := finiteXYs(r.Epochs, r.TrainLoss, 1); len(xys) > 0 {
		if err := addSeries(p, "train", xys, trainColor, nil, circle); err != nil {
			return nil, err
		}
		drawn++
	}
	for _, s := range r.Evals {
		xys := finiteXYs(r.Epochs, s.Loss, 1)
		if len(xys) == 0 {
			continue
		}
		dashes, glyph := viewStyle(s.View, r)
		if err := addSeries(p, seriesName(s.Split, s.View, r), xys, colorOf(s.Split, r), dashes, glyph); err != nil {
			return nil, err
		}
		drawn++
	}
	if drawn == 0 {
		return nil, fmt.Errorf("loss curves of %s: no loss values: %w", r.Name(), ErrNoData)
	}
	// Losses fall, so the top right corner is the emptiest.
	p.Legend.Top, p.Legend.Left = true, false
	p.Y.Min = min(p.Y.Min, 0)
	return p, nil
}

var errNilRun = errors.New("plots: nil *runs.Run")
