package plots

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/runs/runstest"
)

// rasterize draws p at 640×400 and returns the image.
func rasterize(t *testing.T, p *plot.Plot) image.Image {
	t.Helper()
	c := vgimg.NewWith(vgimg.UseWH(640, 400), vgimg.UseDPI(72))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// countColor counts the pixels of exactly colour c: the insides of the
// glyphs and bars of a series, which anti-aliasing leaves untouched.
func countColor(img image.Image, c color.Color) int {
	r0, g0, b0, _ := c.RGBA()
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r == r0 && g == g0 && b == b0 {
				n++
			}
		}
	}
	return n
}

func tickLabels(a plot.Axis) []string {
	var labels []string
	for _, tk := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	return labels
}

func TestLossCurves(t *testing.T) {
	for _, test := range []bool{false, true} {
		r := runstest.Run(t, runstest.Fixture{Test: test})
		p, err := LossCurves(r)
		if err != nil {
			t.Fatal(err)
		}
		// Epochs 1..10 with a quarter epoch to spare; loss from 0 to the
		// first epoch's train loss.
		if p.X.Min != 0.75 || p.X.Max != 10.25 || p.Y.Min != 0 || p.Y.Max != runstest.TrainLoss(1) {
			t.Errorf("axes x %v..%v y %v..%v; want 0.75..10.25, 0..12.5", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
		}
		img := rasterize(t, p)
		dev, testPixels := countColor(img, splitColor["dev"]), countColor(img, splitColor["test"])
		if dev < 100 || (testPixels >= 100) != test {
			t.Errorf("test monitored %v: %d dev and %d test pixels; want dev drawn, test drawn iff monitored", test, dev, testPixels)
		}
		if got := tickLabels(p.Y); !slices.Equal(got, []string{"0", "2", "4", "6", "8", "10", "12"}) {
			t.Errorf("loss ticks %q", got)
		}
	}
}

func TestF1CurvesMarksBestDevEpoch(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true, Views: []string{runs.Plain, "context"}})
	p, err := F1Curves(r)
	if err != nil {
		t.Fatal(err)
	}
	// Lowest F1 57 (test, epoch 1), highest 91 (dev context, epoch 7):
	// the axis holds both, with room above for the note.
	if p.Y.Min > 57 || p.Y.Min < 50 || p.Y.Max < 91+3 || p.Y.Max > 100 {
		t.Errorf("F1 axis %v..%v; want it to hold 57..91 with a little room", p.Y.Min, p.Y.Max)
	}
	img := rasterize(t, p)
	// The dashed line at the best epoch is the only long vertical run of
	// mid grey (anti-aliased markColor) right of the y axis; it stands at
	// epoch 7, right of the middle.
	var xs []int
	for x := 100; x < 640; x++ {
		n := 0
		for y := 0; y < 400; y++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r == g && g == b && r>>8 >= 0x80 && r>>8 < 0xd0 {
				n++
			}
		}
		if n > 100 {
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 || xs[0] < 400 || xs[len(xs)-1] > 480 {
		t.Errorf("best-epoch line at columns %v; want one near epoch 7 (x ≈ 440)", xs)
	}

	noEvals := &runs.Run{Epochs: []int{1}, LR: []float64{0.1}, TrainLoss: []float64{1}}
	if _, err := F1Curves(noEvals); !errors.Is(err, ErrNoData) {
		t.Errorf("F1Curves without evaluations: %v; want ErrNoData", err)
	}
}

func TestLearningRateScale(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{})
	p, err := LearningRate(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Y.Scale.(plot.LogScale); !ok {
		t.Fatalf("LR from 0.1 to 0.00625: y scale %T, want log", p.Y.Scale)
	}
	if got := tickLabels(p.Y); !slices.Equal(got, []string{"0.01", "0.02", "0.05", "0.1"}) {
		t.Errorf("log ticks %q, want 0.01 0.02 0.05 0.1", got)
	}
	// Exactly one decade is not more than one: linear, from 0.
	for i := range r.LR {
		r.LR[i] = 0.1 - 0.01*float64(i)
	}
	p, err = LearningRate(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Y.Scale.(plot.LogScale); ok || p.Y.Min != 0 {
		t.Errorf("LR from 0.1 to 0.01: scale %T from %v; want linear from 0", p.Y.Scale, p.Y.Min)
	}
	// A zero rate (the end of a linear decay) cannot go on a log axis.
	r.LR[9] = 0
	r.LR[0] = 1
	if p, _ = LearningRate(r); p != nil {
		if _, ok := p.Y.Scale.(plot.LogScale); ok {
			t.Error("LR reaching 0 drawn on a log axis")
		}
	}
	if _, err := LearningRate(&runs.Run{Epochs: []int{1}, LR: []float64{math.NaN()}}); !errors.Is(err, ErrNoData) {
		t.Errorf("LearningRate without rates: %v; want ErrNoData", err)
	}
}

func TestPerTypeF1(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true})
	table, err := perTypeTable(r)
	if err != nil {
		t.Fatal(err)
	}
	// Best dev epoch 7; types by dev support, most first.
	wantTypes := []string{"PER", "LOC", "ORG", "MISC"}
	if table.index != 6 || table.why != "best dev" || !slices.Equal(table.types, wantTypes) {
		t.Fatalf("epoch index %d (%s), types %v; want 6 (best dev), %v", table.index, table.why, table.types, wantTypes)
	}
	for g, split := range []string{"dev", "test"} {
		group := table.groups[g]
		for k, typ := range wantTypes {
			if want := 100 * runstest.TypeF1(split, runs.Plain, typ, 7); group.name != split || group.values[k] != want {
				t.Errorf("%s bar of %s = %s %v, want %v", group.name, typ, split, group.values[k], want)
			}
		}
	}
	p, err := PerTypeF1(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title.Text != "F1 per type, best dev epoch 7" {
		t.Errorf("title %q", p.Title.Text)
	}
	wantTicks := []string{"PER\n1842 / 1617", "LOC\n1837 / 1668", "ORG\n1341 / 1661", "MISC\n922 / 702"}
	if got := tickLabels(p.X); !slices.Equal(got, wantTicks) {
		t.Errorf("type ticks %q, want %q", got, wantTicks)
	}
	img := rasterize(t, p)
	if dev, test := countColor(img, splitColor["dev"]), countColor(img, splitColor["test"]); dev < 5000 || test < 5000 {
		t.Errorf("%d dev and %d test bar pixels; want both sets of bars drawn", dev, test)
	}

	// A type only test has: no dev bar, and sorted after the dev types.
	i := table.index
	r.Series("test", runs.Plain).PerType[i]["EVENT"] = metrics.Score{F1: 0.5, Support: 12}
	table, _ = perTypeTable(r)
	if k := len(table.types) - 1; table.types[k] != "EVENT" || !math.IsNaN(table.groups[0].values[k]) || table.groups[1].values[k] != 50 {
		t.Errorf("test-only type: types %v, dev %v, test %v", table.types, table.groups[0].values, table.groups[1].values)
	}
}

// TestPerTypeF1BothViews: a cooperative-learning run evaluates the plain
// and the context view every epoch; the chart has a bar of each view for
// each split, at the epoch the main (plain) view picks.
func TestPerTypeF1BothViews(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true, Views: []string{runs.Plain, "context"}})
	table, err := perTypeTable(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ split, view string }{{"dev", runs.Plain}, {"dev", "context"}, {"test", runs.Plain}, {"test", "context"}}
	if len(table.groups) != len(want) {
		t.Fatalf("%d bar groups, want %d (dev and test of both views)", len(table.groups), len(want))
	}
	for g, w := range want {
		group := table.groups[g]
		if name := w.split + " (" + w.view + ")"; group.name != name {
			t.Errorf("bar group %d is %q, want %q", g, group.name, name)
		}
		for k, typ := range table.types {
			if v := 100 * runstest.TypeF1(w.split, w.view, typ, 7); group.values[k] != v {
				t.Errorf("%s bar of %s = %v, want %v", group.name, typ, group.values[k], v)
			}
		}
	}
	// Each view of a split in its own shade, and the gold counts once per split.
	if table.groups[0].color == table.groups[1].color || table.groups[2].color == table.groups[3].color {
		t.Error("the two views of a split share a colour")
	}
	p, err := PerTypeF1(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title.Text != "F1 per type, plain view's best dev epoch 7" || tickLabels(p.X)[0] != "PER\n1842 / 1617" {
		t.Errorf("title %q, ticks %q", p.Title.Text, tickLabels(p.X))
	}
	img := rasterize(t, p)
	for _, g := range table.groups {
		if n := countColor(img, g.color); n < 2000 {
			t.Errorf("%d pixels of the %s bars; want them drawn", n, g.name)
		}
	}
}

func TestPerTypeF1ManyTypesLieDown(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{})
	dev := r.Series("dev", runs.Plain)
	names := strings.Fields("PERSON GPE ORG DATE CARDINAL NORP MONEY PERCENT ORDINAL LOC TIME")
	scores := map[string]metrics.Score{}
	for k, name := range names {
		scores[name] = metrics.Score{F1: 0.9 - 0.05*float64(k), Support: 1000 - 50*k}
	}
	dev.PerType[6] = scores
	p, err := PerTypeF1(r)
	if err != nil {
		t.Fatal(err)
	}
	// Names run down the y axis, the most frequent at the top.
	ticks := p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max)
	if len(ticks) != len(names) || ticks[0].Label != "PERSON (1000)" || ticks[0].Value != float64(len(names)-1) {
		t.Fatalf("y ticks %v; want PERSON (1000) at the top", ticks)
	}
	if p.X.Min != 0 || p.X.Max != 125 {
		t.Errorf("score axis %v..%v, want 0..125", p.X.Min, p.X.Max)
	}
}

func TestPerTypeF1WithoutScores(t *testing.T) {
	dir := t.TempDir()
	runstest.WriteLines(t, dir, runs.LossFile, runstest.Fixture{Test: true}.TSVLines(1, 10))
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PerTypeF1(r); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "loss.tsv keeps none") {
		t.Errorf("PerTypeF1 of a loss.tsv run: %v; want ErrNoData saying why", err)
	}
	// The dashboard still shows the curves, with a note in the fourth panel.
	g, err := Dashboard(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Plots) != 2 || len(g.Plots[1]) != 2 || g.Plots[1][1].Title.Text != "F1 per type" || g.Plots[0][1].Title.Text != "Span F1" {
		t.Errorf("dashboard layout %v", g.Plots)
	}
	if !strings.Contains(g.Title, "best dev F1 90.00 at epoch 7") {
		t.Errorf("dashboard title %q", g.Title)
	}
}

// TestDashboardWithConstantLR: a learning rate that never changed is
// given in the heading, and per-type F1 takes the LR panel's room.
func TestDashboardWithConstantLR(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true})
	for i := range r.LR {
		r.LR[i] = 0.05
	}
	g, err := Dashboard(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Plots) != 2 || len(g.Plots[0]) != 2 || len(g.Plots[1]) != 1 || g.Plots[1][0].Title.Text != "F1 per type, best dev epoch 7" {
		t.Fatalf("dashboard layout %d rows: %v", len(g.Plots), g.Plots)
	}
	if !strings.HasSuffix(g.Title, ", learning rate 0.05 throughout") {
		t.Errorf("dashboard title %q", g.Title)
	}
	// The per-type panel spans the width the two charts above share.
	c := draw.New(vgimg.NewWith(vgimg.UseWH(1280, 800), vgimg.UseDPI(72)))
	tiles := g.layout(c)
	top, bottom := tiles[0], tiles[1][0]
	if bottom.Min.X > top[0].Min.X+1 || bottom.Max.X < top[1].Max.X-1 || !g.fits(c) {
		t.Errorf("per-type panel %v; want it from %v to %v", bottom.Rectangle, top[0].Min.X, top[1].Max.X)
	}
	g.Draw(c)

	// Without per-type scores either (a loss.tsv run) the curves take the
	// whole height rather than leave a row to a note.
	noTypes := runstest.Run(t, runstest.Fixture{Test: true})
	for i := range noTypes.LR {
		noTypes.LR[i] = 0.05
	}
	for _, s := range noTypes.Evals {
		clear(s.PerType)
	}
	if g, err := Dashboard(noTypes); err != nil || len(g.Plots) != 1 || len(g.Plots[0]) != 2 {
		t.Errorf("dashboard of a constant rate without per-type scores: %v, %v", err, g)
	}

	// One change of rate brings the chart back.
	r.LR[len(r.LR)-1] = 0.025
	if g, _ := Dashboard(r); len(g.Plots[1]) != 2 || g.Plots[1][0].Title.Text != "Learning rate" || strings.Contains(g.Title, "learning rate") {
		t.Errorf("dashboard of a changing learning rate: %q, %v", g.Title, g.Plots[1])
	}
}

func TestTickers(t *testing.T) {
	labels := func(ticks []plot.Tick) string {
		var s []string
		for _, tk := range ticks {
			if tk.Label != "" {
				s = append(s, tk.Label)
			}
		}
		return strings.Join(s, " ")
	}
	cases := []struct {
		name   string
		ticker plot.Ticker
		lo, hi float64
		want   string
	}{
		{"ten epochs", epochTicks{}, 0.75, 10.25, "1 2 3 4 5 6 7 8 9 10"},
		{"one epoch", epochTicks{}, 0, 2, "0 1 2"},
		{"hundred epochs", epochTicks{}, 0.75, 100.25, "10 20 30 40 50 60 70 80 90 100"},
		{"F1", niceTicks{}, 55.3, 98.7, "60 70 80 90"},
		{"small loss", niceTicks{}, 0, 0.35, "0.00 0.05 0.10 0.15 0.20 0.25 0.30 0.35"},
		{"LR decades", logTicks{}, 0.00625, 0.1, "0.01 0.02 0.05 0.1"},
		{"LR many decades", logTicks{}, 1e-6, 1, "1e-06 1e-05 0.0001 0.001 0.01 0.1 1"},
	}
	for _, c := range cases {
		if got := labels(c.ticker.Ticks(c.lo, c.hi)); got != c.want {
			t.Errorf("%s: ticks %q, want %q", c.name, got, c.want)
		}
	}
	if spansDecades(0.01, 0.1) || !spansDecades(0.0099, 0.1) || spansDecades(0, 1) {
		t.Error("spansDecades: want true only for positive rates more than ten times apart")
	}
}

// The dashboard's size is what the caller asked for, whatever the fonts.
func TestDashboardFillsCanvas(t *testing.T) {
	g, err := Dashboard(runstest.Run(t, runstest.Fixture{Test: true}))
	if err != nil {
		t.Fatal(err)
	}
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(1280), vg.Length(800)), vgimg.UseDPI(72))
	g.Draw(draw.New(c))
	if b := c.Image().Bounds(); b.Dx() != 1280 || b.Dy() != 800 {
		t.Errorf("dashboard image %v, want 1280×800", b)
	}
	// Dev is blue in all four panels: bars make up most of those pixels.
	if n := countColor(c.Image(), splitColor["dev"]); n < 20000 {
		t.Errorf("%d dev-coloured pixels in the dashboard; want the dev series in every panel", n)
	}
}

// TestChartsOfRunsWithoutData: an evaluation without per-type scores has
// no per-type chart, and a run that logged nothing yet has no chart at
// all; both say so with ErrNoData rather than drawing empty axes.
func TestChartsOfRunsWithoutData(t *testing.T) {
	dir := t.TempDir()
	runstest.WriteLines(t, dir, runs.MetricsFile, []string{
		`{"kind":"train","epoch":1,"loss":2.5,"lr":null}`,
		`{"kind":"eval","epoch":1,"split":"dev","loss":1.25}`,
		`{"kind":"eval","epoch":1,"split":"test","report":{"f1":0.5,"precision":0.25,"recall":1}}`,
	})
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PerTypeF1(r); !errors.Is(err, ErrNoData) {
		t.Errorf("PerTypeF1: %v; want ErrNoData", err)
	}
	empty := t.TempDir()
	runstest.WriteLines(t, empty, runs.MetricsFile, nil)
	if r, err = runs.ReadRun(empty); err != nil {
		t.Fatal(err)
	}
	if _, err := Render(r, "all", "png", 640, 400); !errors.Is(err, ErrNoData) {
		t.Errorf("Render(all) of an empty run: %v; want ErrNoData", err)
	}
}
