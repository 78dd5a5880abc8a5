package plots

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// groupedBars draws, for each category 0..n-1, one bar per group side by
// side. Unlike plotter.BarChart, whose bar width is a fixed length, the
// bars take a share of the space between categories, so any number of
// types fits any chart size. A bar's value is written at its end when
// the text fits the bar's thickness.
type groupedBars struct {
	groups []barGroup
	n      int
	// horizontal lays categories down the y axis, the first at the top,
	// with bars growing to the right.
	horizontal bool
	valueStyle text.Style
}

type barGroup struct {
	name   string
	color  color.Color
	values []float64 // one per category; NaN draws no bar
}

// barShare is the part of a category's slot that its bars fill.
const barShare = 0.8

// slot is where category k sits on the category axis.
func (b *groupedBars) slot(k int) float64 {
	if b.horizontal {
		return float64(b.n - 1 - k)
	}
	return float64(k)
}

func (b *groupedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	thickness := barShare / float64(len(b.groups))
	for g, group := range b.groups {
		for k, v := range group.values {
			if math.IsNaN(v) {
				continue
			}
			side := b.slot(k) - barShare/2 + float64(g)*thickness
			if b.horizontal {
				// Groups read top to bottom in legend order.
				side = b.slot(k) + barShare/2 - float64(g+1)*thickness
			}
			label := strconv.FormatFloat(v, 'f', 1, 64)
			sty := b.valueStyle
			if !b.horizontal {
				x0, x1, y0, y1 := trX(side), trX(side+thickness), trY(0), trY(v)
				fillRect(c, group.color, x0, y0, x1, y1)
				if sty.Width(label) <= x1-x0 {
					sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
					c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: y1 + vg.Points(2)}, label)
				}
				continue
			}
			x0, x1, y0, y1 := trX(0), trX(v), trY(side), trY(side+thickness)
			fillRect(c, group.color, x0, y0, x1, y1)
			if sty.Height(label) <= y1-y0+vg.Points(1) {
				sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
				c.FillText(sty, vg.Point{X: x1 + vg.Points(3), Y: (y0 + y1) / 2}, label)
			}
		}
	}
}

func fillRect(c draw.Canvas, col color.Color, x0, y0, x1, y1 vg.Length) {
	c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
}

// DataRange spans the categories with half a slot to spare on each side,
// and the values from 0.
func (b *groupedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	top := 0.0
	for _, g := range b.groups {
		for _, v := range g.values {
			if !math.IsNaN(v) {
				top = max(top, v)
			}
		}
	}
	if b.horizontal {
		return 0, top, -0.5, float64(b.n) - 0.5
	}
	return -0.5, float64(b.n) - 0.5, 0, top
}

// swatch is a legend thumbnail: a filled square in a bar's colour.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	side := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)
	fillRect(*c, s.color, c.Max.X-side, c.Min.Y, c.Max.X, c.Min.Y+side)
}
