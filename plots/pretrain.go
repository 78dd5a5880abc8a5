package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// PretrainCurves are a pretraining run's curves by optimizer step: the
// training loss as logged (the mean over the steps since the line before)
// and the held-out loss of each evaluation, both the cross-entropy of the
// masked tokens in nats.
type PretrainCurves struct {
	Title        string
	TrainSteps   []int
	TrainLoss    []float64
	HeldOutSteps []int
	HeldOutLoss  []float64
}

// PretrainWidth and PretrainHeight are the size of the pretraining chart
// as files and displays show it: two charts side by side.
const PretrainWidth, PretrainHeight vg.Length = 1100, 420

// PretrainChart tiles the loss (training and held-out) beside the
// held-out perplexity, exp(loss), on a log axis when it spans more than a
// decade, under the title.
func PretrainChart(c PretrainCurves) (*Grid, error) {
	train, held := stepXYs(c.TrainSteps, c.TrainLoss, false), stepXYs(c.HeldOutSteps, c.HeldOutLoss, false)
	if len(train) == 0 && len(held) == 0 {
		return nil, fmt.Errorf("pretraining curves of %s: no steps logged yet: %w", c.Title, ErrNoData)
	}
	loss := newPlot("Masked-token loss", "step", "cross-entropy (nats)")
	loss.X.Tick.Marker = niceTicks{}
	if len(train) > 0 {
		line, err := plotter.NewLine(train)
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = trainColor, vg.Points(1.2)
		loss.Add(line)
		loss.Legend.Add("train", line)
	}
	if len(held) > 0 {
		if err := addStepSeries(loss, "held-out", held); err != nil {
			return nil, err
		}
	}
	loss.Y.Min = min(loss.Y.Min, 0)
	ppl := newPlot("Held-out perplexity", "step", "perplexity (log scale)")
	ppl.X.Tick.Marker = niceTicks{}
	if xys := stepXYs(c.HeldOutSteps, c.HeldOutLoss, true); len(xys) > 0 {
		if err := addStepSeries(ppl, "held-out", xys); err != nil {
			return nil, err
		}
		ppl.Legend = plot.NewLegend() // one curve needs none
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, xy := range xys {
			lo, hi = min(lo, xy.Y), max(hi, xy.Y)
		}
		// Perplexity falls by orders of magnitude early on; a log axis
		// keeps the later, smaller gains visible.
		if spansDecades(lo, hi) {
			ppl.Y.Scale, ppl.Y.Tick.Marker = plot.LogScale{}, logTicks{}
		} else {
			ppl.Y.Label.Text = "perplexity"
		}
	} else {
		ppl = placeholder("Held-out perplexity", "no held-out evaluation yet")
	}
	return &Grid{Title: c.Title, Plots: [][]*plot.Plot{{loss, ppl}}}, nil
}

// RenderPretrain draws PretrainChart as "png" or "svg", width by height
// points.
func RenderPretrain(c PretrainCurves, format string, width, height vg.Length) ([]byte, error) {
	format = normalName(format)
	if format != "png" && format != "svg" {
		return nil, fmt.Errorf("unknown image format %q; expected png or svg", format)
	}
	g, err := PretrainChart(c)
	if err != nil {
		return nil, err
	}
	return encode(g, "pretraining chart of "+c.Title, "pretraining", format, width, height, PretrainWidth, PretrainHeight)
}

// stepXYs pairs steps with the finite values (exp of them with perplexity).
func stepXYs(steps []int, values []float64, perplexity bool) plotter.XYs {
	var xys plotter.XYs
	for i, v := range values {
		if perplexity {
			v = math.Exp(v)
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			xys = append(xys, plotter.XY{X: float64(steps[i]), Y: v})
		}
	}
	return xys
}

// addStepSeries draws the held-out series: a line with a glyph at each
// evaluation, in dev's colour.
func addStepSeries(p *plot.Plot, name string, xys plotter.XYs) error {
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	c := splitColor["dev"]
	line.Color, line.Width = c, vg.Points(1.8)
	points.Color, points.Shape, points.Radius = c, circle, vg.Points(2.5)
	p.Add(line, points)
	p.Legend.Add(name, line, points)
	return nil
}
