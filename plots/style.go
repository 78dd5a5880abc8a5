package plots

import (
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nerlab/nerlab/lib/runs"
)

// Font sizes chosen to stay legible on a 640×400 chart at 72 dpi, and in
// a quarter of a 1280×800 dashboard.
const (
	titleSize  = 14
	labelSize  = 12
	tickSize   = 11
	legendSize = 11
	noteSize   = 10
)

// sans is the typeface of every text; gonum embeds Liberation, so no
// system font is needed.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// Colours from Okabe and Ito's palette, told apart with colour-blindness
// too: one colour per split, so dev is the same blue on every chart.
var (
	trainColor = color.RGBA{0x22, 0x22, 0x22, 0xff}
	gridColor  = color.Gray{0xdd}
	markColor  = color.Gray{0x88}
	splitColor = map[string]color.Color{
		"dev":  color.RGBA{0x00, 0x72, 0xb2, 0xff}, // blue
		"test": color.RGBA{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	}
	otherColors = []color.Color{
		color.RGBA{0x00, 0x9e, 0x73, 0xff}, // bluish green
		color.RGBA{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
		color.RGBA{0xe6, 0x9f, 0x00, 0xff}, // orange
	}
)

// colorOf gives a split its colour; splits other than dev and test take
// the spare colours in the order they first appear.
func colorOf(split string, r *runs.Run) color.Color {
	if c, ok := splitColor[split]; ok {
		return c
	}
	var others []string
	for _, s := range r.Evals {
		if _, known := splitColor[s.Split]; !known && !slices.Contains(others, s.Split) {
			others = append(others, s.Split)
		}
	}
	return otherColors[max(0, slices.Index(others, split))%len(otherColors)]
}

// lighter is c halfway to white: a bar of a view other than the first,
// where bars have no dashes or glyphs to tell views apart.
func lighter(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	half := func(v uint32) uint8 { return uint8((v>>8 + 0xff) / 2) }
	return color.RGBA{half(r), half(g), half(b), 0xff}
}

// viewStyle distinguishes views by dashes and glyph shape, since colour
// already stands for the split.
func viewStyle(view string, r *runs.Run) (dashes []vg.Length, glyph draw.GlyphDrawer) {
	switch i := slices.Index(r.Views(), view); {
	case i <= 0:
		return nil, draw.CircleGlyph{}
	case i == 1:
		return []vg.Length{vg.Points(6), vg.Points(3)}, draw.TriangleGlyph{}
	default:
		return []vg.Length{vg.Points(2), vg.Points(2)}, draw.SquareGlyph{}
	}
}

// newPlot returns a plot with the package's look: sans-serif text, a
// light grid behind the data and integer epoch ticks on x.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(titleSize)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSize)
		a.Tick.Label.Font = sans(tickSize)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker = epochTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Legend.TextStyle.Font = sans(legendSize)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(24)
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	p.Add(grid)
	return p
}

// epochTicks labels whole epochs only, every 1, 2, 5, 10, 20, … epochs:
// the smallest step that leaves at most ten steps between the first
// label and the last.
type epochTicks struct{}

func (epochTicks) Ticks(min, max float64) []plot.Tick {
	first, last := math.Ceil(min), math.Floor(max)
	step := 1.0
	for k := 0; (last-first)/step > 10; k++ {
		step = []float64{2, 5, 10}[k%3] * math.Pow(10, float64(k/3))
	}
	var ticks []plot.Tick
	for v := math.Ceil(first/step) * step; v <= last; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ticks
}

// niceTicks labels a linear axis every 1, 2 or 5 times a power of ten,
// the smallest such step that keeps to at most eight labels.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	var step float64
	for e := math.Floor(math.Log10(span / 8)); step == 0; e++ {
		for _, m := range []float64{1, 2, 5} {
			if s := m * math.Pow(10, e); span/s <= 8 {
				step = s
				break
			}
		}
	}
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+span*1e-9; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// logTicks marks each power of ten and its multiples; over three decades
// or less the 2× and 5× multiples are labelled too, so that a short log
// axis still has more than two numbers on it.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 {
		return nil
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	dense := hi-lo <= 3
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		decade := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * decade
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || dense && (m == 2 || m == 5) {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// finiteXYs pairs epochs with the finite values of a series, scaled;
// missing values leave a gap in the points (the line joins across it).
func finiteXYs(epochs []int, values []float64, scale float64) plotter.XYs {
	var xys plotter.XYs
	for i, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			xys = append(xys, plotter.XY{X: float64(epochs[i]), Y: v * scale})
		}
	}
	return xys
}

// addSeries draws a line with a glyph at every epoch and names it in the
// legend.
func addSeries(p *plot.Plot, name string, xys plotter.XYs, c color.Color, dashes []vg.Length, glyph draw.GlyphDrawer) error {
	line, points, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	line.Color, line.Width, line.Dashes = c, vg.Points(1.8), dashes
	points.Color, points.Shape, points.Radius = c, glyph, vg.Points(2.5)
	p.Add(line, points)
	p.Legend.Add(name, line, points)
	// A quarter epoch of room on either side keeps the end points off
	// the plot's edges.
	xmin, xmax, _, _ := plotter.XYRange(xys)
	p.X.Min, p.X.Max = min(p.X.Min, xmin-0.25), max(p.X.Max, xmax+0.25)
	return nil
}

// seriesName is "dev" for the only view, "dev (context)" when a run has
// several.
func seriesName(split, view string, r *runs.Run) string {
	if len(r.Views()) <= 1 {
		return split
	}
	return split + " (" + view + ")"
}

var circle = draw.CircleGlyph{}

// backgroundColor fills every image, SVG included, so that charts stay
// readable on a notebook's dark theme.
var backgroundColor = color.White
