package plots

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
)

// F1Curves charts span F1 (in percent) per epoch for every evaluated split
// and view, and marks each view's best dev epoch with a ring and its
// score; a dashed vertical line stands at the main view's best epoch, the
// one whose model a trainer keeps.
func F1Curves(r *runs.Run) (*plot.Plot, error) {
	if r == nil {
		return nil, errNilRun
	}
	p := newPlot("Span F1", "epoch", "F1 (%)")
	lo, hi, drawn := math.Inf(1), math.Inf(-1), 0
	for _, s := range r.Evals {
		xys := finiteXYs(r.Epochs, s.F1, 100)
		if len(xys) == 0 {
			continue
		}
		dashes, glyph := viewStyle(s.View, r)
		if err := addSeries(p, seriesName(s.Split, s.View, r), xys, colorOf(s.Split, r), dashes, glyph); err != nil {
			return nil, err
		}
		for _, xy := range xys {
			lo, hi = min(lo, xy.Y), max(hi, xy.Y)
		}
		drawn++
	}
	if drawn == 0 {
		return nil, fmt.Errorf("F1 curves of %s: no F1 scores: %w", r.Name(), ErrNoData)
	}
	if err := markBest(p, r); err != nil {
		return nil, err
	}
	// Room above the highest curve for the best-epoch note; F1 curves
	// climb, so the legend goes to the bottom right.
	p.Y.Min = max(0, lo-0.05*(hi-lo)-1)
	p.Y.Max = hi + (0.1+0.05*float64(len(r.Views())))*(hi-p.Y.Min) + 1
	p.Legend.Top, p.Legend.Left = false, false
	return p, nil
}

// markBest rings each view's best dev score and draws a dashed vertical
// line at the main view's best epoch. One note lists every view's best
// above the highest ring, so that the notes of views that peak together
// do not overprint each other.
func markBest(p *plot.Plot, r *runs.Run) error {
	var rings plotter.XYs
	var lines []string
	top := plotter.XY{Y: math.Inf(-1)}
	for _, view := range r.Views() {
		i, ok := r.BestDev(view)
		if !ok {
			continue
		}
		at := plotter.XY{X: float64(r.Epochs[i]), Y: 100 * r.Series("dev", view).F1[i]}
		rings = append(rings, at)
		lines = append(lines, fmt.Sprintf("best %s %s @ %d", seriesName("dev", view, r), metrics.Percent(r.Series("dev", view).F1[i]), r.Epochs[i]))
		if at.Y > top.Y {
			top = at
		}
		if view == r.MainView() {
			p.Add(&verticalMark{x: at.X, style: draw.LineStyle{
				Color: markColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}})
		}
	}
	if len(rings) == 0 {
		return nil
	}
	c := colorOf("dev", r)
	ring, err := plotter.NewScatter(rings)
	if err != nil {
		return err
	}
	ring.Shape, ring.Color, ring.Radius = draw.RingGlyph{}, c, vg.Points(6)
	note, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{top}, Labels: []string{strings.Join(lines, "\n")}})
	if err != nil {
		return err
	}
	// Write the note towards the middle of the chart, clear of the ring,
	// so that it stays inside the plotting area at either end.
	align, dx := draw.XLeft, vg.Points(6)
	if first, last := r.Epochs[0], r.Epochs[len(r.Epochs)-1]; 2*top.X > float64(first+last) {
		align, dx = draw.XRight, -dx
	}
	note.TextStyle[0] = text.Style{Color: c, Font: sans(noteSize), XAlign: align, YAlign: draw.YBottom,
		Handler: p.TextHandler}
	note.Offset = vg.Point{X: dx, Y: vg.Points(6)}
	p.Add(ring, note)
	return nil
}

// verticalMark is a line across the whole height of the data area at x.
// It has no DataRange, so it leaves the axis ranges to the data.
type verticalMark struct {
	x     float64
	style draw.LineStyle
}

func (v *verticalMark) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
}
