package plots

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/runs"
)

// kind is a chart Render draws, by the name a user types.
type kind struct {
	name, about string
	make        func(*runs.Run) (drawer, error)
}

var kinds = []kind{
	{"loss", "train, dev and test loss per epoch", asDrawer(LossCurves)},
	{"f1", "dev and test span F1 per epoch, best dev epoch marked", asDrawer(F1Curves)},
	{"lr", "learning rate per epoch (log scale when it spans more than a decade)", asDrawer(LearningRate)},
	{"types", "F1 per entity type at the best dev epoch, with gold-span counts", asDrawer(PerTypeF1)},
	{"all", "the four charts above on one 2×2 dashboard", func(r *runs.Run) (drawer, error) { return Dashboard(r) }},
}

// drawer is what *plot.Plot and *Grid have in common.
type drawer interface{ Draw(draw.Canvas) }

// asDrawer draws one chart inside the images' margin.
func asDrawer(newChart func(*runs.Run) (*plot.Plot, error)) func(*runs.Run) (drawer, error) {
	return func(r *runs.Run) (drawer, error) {
		p, err := newChart(r)
		if err != nil {
			return nil, err
		}
		return chart{p}, nil
	}
}

// Kinds lists the chart names Render and WriteFile accept, each as
// "name: one-line description" (split at the first ": " for completion).
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.name + ": " + k.about
	}
	return out
}

// DefaultSize is the size WriteFile uses: 640×400 for one chart, twice
// that each way for the dashboard.
func DefaultSize(what string) (width, height vg.Length) {
	if normalName(what) == "all" {
		return 1280, 800
	}
	return 640, 400
}

// maxSide bounds each side of an image, so that a mistyped size cannot
// ask for gigabytes of pixels.
const maxSide = 8192

// Render draws the chart what (see Kinds; case does not matter) of r as
// format "png" or "svg", width by height points. PNG is rasterised at 72
// dpi, one pixel per point; SVG carries its fonts inside. A chart with
// nothing to show returns an error wrapping ErrNoData; a size too small
// for the chart's axes and labels is refused.
func Render(r *runs.Run, what, format string, width, height vg.Length) ([]byte, error) {
	if r == nil {
		return nil, errNilRun
	}
	what, format = normalName(what), normalName(format)
	k := slices.IndexFunc(kinds, func(k kind) bool { return k.name == what })
	if k < 0 {
		return nil, fmt.Errorf("unknown chart %q; expected one of %s", what, kindNames())
	}
	if format != "png" && format != "svg" {
		return nil, fmt.Errorf("unknown image format %q; expected png or svg", format)
	}
	fig, err := kinds[k].make(r)
	if err != nil {
		return nil, err
	}
	w, h := DefaultSize(what)
	return encode(fig, what+" chart of "+r.Name(), what, format, width, height, w, h)
}

// encode draws fig as format ("png" or "svg", already checked) at width by
// height points. label names the chart in errors; a size that leaves no
// room for the axes is refused with the suggested size wantW×wantH.
func encode(fig drawer, label, what, format string, width, height, wantW, wantH vg.Length) (out []byte, err error) {
	for _, side := range []vg.Length{width, height} {
		if !(side >= 1 && side <= maxSide) { // false for NaN too
			return nil, fmt.Errorf("image size %gx%g; expected sides from 1 to %d", width, height, maxSide)
		}
	}
	// gonum panics on some inputs it considers programmer errors; a
	// chart that cannot be drawn must not take a REPL session down.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("draw %s: %v", label, p)
		}
	}()
	// Measuring needs only the rectangle; nothing is drawn on it.
	if !fits(fig, draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: width, Y: height}}}) {
		return nil, fmt.Errorf("image size %gx%g is too small for the %s chart; expected a larger one, such as %gx%g",
			width, height, what, wantW, wantH)
	}
	var buf bytes.Buffer
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(72), vgimg.UseBackgroundColor(backgroundColor))
		fig.Draw(draw.New(c))
		_, err = vgimg.PngCanvas{Canvas: c}.WriteTo(&buf)
	case "svg":
		c := vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(true))
		dc := draw.New(c)
		dc.SetColor(backgroundColor)
		dc.Fill(dc.Rectangle.Path())
		fig.Draw(dc)
		if _, err = c.WriteTo(&buf); err == nil {
			return svgInPixels(buf.Bytes()), nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s chart as %s: %w", what, format, err)
	}
	return buf.Bytes(), nil
}

// WriteFile renders the chart what of r at DefaultSize into path, as PNG
// or SVG by the path's extension, replacing the file atomically, and
// returns what it wrote.
func WriteFile(r *runs.Run, what, path string) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".svg" {
		return nil, fmt.Errorf("%s: cannot write a chart as %q; expected a .png or .svg file name", path, ext)
	}
	width, height := DefaultSize(what)
	data, err := Render(r, what, ext[1:], width, height)
	if err != nil {
		return nil, err
	}
	return data, safefile.WriteBytes(path, data)
}

// svgInPixels drops the "pt" unit from the root element's width and
// height, leaving its viewBox as it is. A browser then shows a 640×400 SVG
// at 640×400 CSS pixels, the size of the PNG of the same call, instead of
// a third larger.
func svgInPixels(svg []byte) []byte {
	root := bytes.Index(svg, []byte("<svg "))
	if root < 0 {
		return svg
	}
	box := bytes.Index(svg[root:], []byte(" viewBox="))
	if box < 0 {
		return svg
	}
	box += root
	out := make([]byte, 0, len(svg))
	out = append(out, svg[:root]...)
	out = append(out, bytes.ReplaceAll(svg[root:box], []byte(`pt"`), []byte(`"`))...)
	return append(out, svg[box:]...)
}

// normalName lets a user type "F1" or " png" for f1 and png.
func normalName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func kindNames() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}
