package plots

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
)

// Grid is several plots tiled in rows under an optional heading, drawn
// onto one canvas with their data areas aligned. Rows share the height
// equally; a row with fewer plots than another has wider ones (then only
// the plots within a row are aligned).
type Grid struct {
	Title string
	Plots [][]*plot.Plot // rows
}

// margin is the blank border kept inside every image's edges. gonum draws
// a plot's data area, its last glyphs and its legend's thumbnails right up
// to the edge of the canvas it is given, where they touch the border of
// the image or are cut by it; charts are drawn inside this border instead.
var margin = struct{ left, right, bottom, top vg.Length }{
	left: vg.Points(6), right: vg.Points(10), bottom: vg.Points(6), top: vg.Points(4)}

// inset is c less the margin.
func inset(c draw.Canvas) draw.Canvas {
	return draw.Crop(c, margin.left, -margin.right, margin.bottom, -margin.top)
}

// chart is one plot drawn inside the margin, as Render draws a single chart.
type chart struct{ *plot.Plot }

func (c chart) Draw(dc draw.Canvas) { c.Plot.Draw(inset(dc)) }

// Draw draws the grid onto c; *Grid, like *plot.Plot, can be drawn on
// any vg canvas.
func (g *Grid) Draw(c draw.Canvas) {
	c.SetColor(backgroundColor)
	c.Fill(c.Rectangle.Path())
	if g.Title != "" {
		sty := g.titleStyle()
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - margin.top}, g.Title)
	}
	for row, canvases := range g.layout(c) {
		for col, tile := range canvases {
			if p := g.Plots[row][col]; p != nil {
				p.Draw(tile)
			}
		}
	}
}

func (g *Grid) titleStyle() text.Style {
	return text.Style{Color: trainColor, Font: sans(titleSize + 2), XAlign: draw.XCenter, YAlign: draw.YTop,
		Handler: plot.DefaultTextHandler}
}

// layout returns the canvas of each plot: tiles below the heading,
// aligned so that the data areas of a row (and, when every row has as
// many plots, of a column) line up.
func (g *Grid) layout(c draw.Canvas) [][]draw.Canvas {
	if g.Title != "" {
		c.Max.Y -= g.titleStyle().Rectangle(g.Title).Size().Y + vg.Points(10)
	} else {
		c.Max.Y -= margin.top
	}
	if len(g.Plots) == 0 {
		return nil
	}
	tiles := func(rows, cols int) draw.Tiles {
		return draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(24), PadY: vg.Points(16),
			PadLeft: margin.left, PadRight: margin.right, PadBottom: margin.bottom}
	}
	cols := len(g.Plots[0])
	ragged := false
	for _, row := range g.Plots {
		ragged = ragged || len(row) != cols
	}
	if !ragged {
		return plot.Align(g.Plots, tiles(len(g.Plots), cols), c)
	}
	// Each row in a band of its own; a band keeps the padding between
	// rows at its bottom and the image's margin at its sides.
	bands := draw.Tiles{Rows: len(g.Plots), Cols: 1, PadY: vg.Points(16)}
	out := make([][]draw.Canvas, len(g.Plots))
	for i, row := range g.Plots {
		t := tiles(1, len(row))
		if i < len(g.Plots)-1 {
			t.PadBottom = 0
		}
		out[i] = plot.Align([][]*plot.Plot{row}, t, bands.At(c, 0, i))[0]
	}
	return out
}

// fits tells whether every plot of g keeps a data area on c.
func (g *Grid) fits(c draw.Canvas) bool {
	for row, canvases := range g.layout(c) {
		for col, tile := range canvases {
			if p := g.Plots[row][col]; p != nil && !plotFits(p, tile) {
				return false
			}
		}
	}
	return true
}

// Dashboard tiles the four charts two by two: loss and F1 above, learning
// rate and per-type F1 below, under a heading that names the run and its
// best dev score. A learning rate that never changed is a flat line that
// says nothing a number cannot: the heading gives the rate and per-type
// F1 takes the whole bottom row (or, when it has no data either, the
// curves take the whole height). A chart the run has no data for is
// replaced by a panel saying so, so that a loss.tsv run still gets its
// curves; only a run with nothing at all to show is an error.
func Dashboard(r *runs.Run) (*Grid, error) {
	if r == nil {
		return nil, errNilRun
	}
	charts := []struct {
		title, note string // for the panel that stands in when there is no data
		make        func(*runs.Run) (*plot.Plot, error)
	}{
		{"Loss", "no losses logged yet", LossCurves},
		{"Span F1", "no evaluation logged yet", F1Curves},
		{"Learning rate", "no learning rates logged", LearningRate},
		{"F1 per type", "no per-type scores logged", PerTypeF1},
	}
	plots := make([]*plot.Plot, len(charts))
	empty := make([]bool, len(charts))
	for k, chart := range charts {
		p, err := chart.make(r)
		if errors.Is(err, ErrNoData) {
			p, err, empty[k] = placeholder(chart.title, chart.note), nil, true
		}
		if err != nil {
			return nil, err
		}
		plots[k] = p
	}
	if !slices.Contains(empty, false) {
		return nil, fmt.Errorf("dashboard of %s: no epochs logged yet: %w", r.Name(), ErrNoData)
	}
	g := &Grid{Title: dashboardTitle(r), Plots: [][]*plot.Plot{plots[:2], plots[2:]}}
	if lr, ok := constantLR(r); ok {
		g.Title += fmt.Sprintf(", learning rate %g throughout", lr)
		g.Plots[1] = plots[3:]
		if empty[3] {
			// Nothing left below but a note (a loss.tsv run has no
			// per-type scores): the curves take the whole height.
			g.Plots = g.Plots[:1]
		}
	}
	return g, nil
}

// constantLR returns the learning rate when every epoch that logged one
// logged the same; ok is false when none did or they differ.
func constantLR(r *runs.Run) (lr float64, ok bool) {
	xys := finiteXYs(r.Epochs, r.LR, 1)
	for _, xy := range xys {
		if xy.Y != xys[0].Y {
			return 0, false
		}
	}
	if len(xys) == 0 {
		return 0, false
	}
	return xys[0].Y, true
}

func dashboardTitle(r *runs.Run) string {
	title := "Training run"
	if r.Dir != "" {
		title = filepath.Base(filepath.Clean(r.Dir))
	}
	if view := r.MainView(); view != "" {
		i, _ := r.BestDev(view)
		title += fmt.Sprintf(": best dev F1 %s at epoch %d", metrics.Percent(r.Series("dev", view).F1[i]), r.Epochs[i])
		if len(r.Views()) > 1 {
			title += " (" + view + " view)"
		}
	}
	return title
}

// placeholder is a panel with a title and a note in place of a chart.
func placeholder(title, note string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize)
	p.HideAxes()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{note}})
	if err == nil { // it cannot fail for one finite point
		labels.TextStyle[0] = text.Style{Color: markColor, Font: sans(labelSize), XAlign: draw.XCenter,
			YAlign: draw.YCenter, Handler: p.TextHandler}
		p.Add(labels)
	}
	return p
}
