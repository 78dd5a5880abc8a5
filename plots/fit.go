package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// The smallest chart, and the smallest data area inside it, worth
// drawing, in points. Below them charts are unreadable, and gonum's
// layout hands the rasteriser degenerate shapes: with NaN coordinates
// freetype's rasteriser never returns.
const (
	minChartWidth, minChartHeight = 160, 100
	minDataSide                   = 60
)

// fits tells whether fig keeps a data area of at least minDataSide each
// way on c once titles, axes and labels have taken their room.
func fits(fig drawer, c draw.Canvas) bool {
	switch f := fig.(type) {
	case chart:
		return plotFits(f.Plot, inset(c))
	case *plot.Plot:
		return plotFits(f, c)
	case *Grid:
		return f.fits(c)
	}
	return true
}

func plotFits(p *plot.Plot, c draw.Canvas) bool {
	// On a canvas too small for its axes gonum's padding yields areas
	// that are inverted, spill outside the canvas, or are NaN; every
	// comparison below is false for NaN.
	if c.Max.X-c.Min.X < minChartWidth || c.Max.Y-c.Min.Y < minChartHeight {
		return false
	}
	d := p.DataCanvas(c).Rectangle
	const slack = 0.5
	inside := d.Min.X >= c.Min.X-slack && d.Min.Y >= c.Min.Y-slack && d.Max.X <= c.Max.X+slack && d.Max.Y <= c.Max.Y+slack
	return inside && d.Max.X-d.Min.X >= minDataSide && d.Max.Y-d.Min.Y >= minDataSide
}
