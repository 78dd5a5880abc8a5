package plots

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/runs/runstest"
)

// decodePNG checks that data is a PNG of w×h pixels with something drawn
// on it: at least 2% of the pixels differ from the white background.
func decodePNG(t *testing.T, data []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("PNG is %d×%d, want %d×%d", b.Dx(), b.Dy(), w, h)
	}
	ink := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
				ink++
			}
		}
	}
	if ink < w*h/50 {
		t.Errorf("only %d of %d pixels drawn", ink, w*h)
	}
	return img
}

func kindName(k string) string { name, _, _ := strings.Cut(k, ": "); return name }

func TestRenderPNG(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true})
	for _, k := range Kinds() {
		what := kindName(k)
		sizes := [][2]int{{640, 400}, {320, 200}}
		if what == "all" {
			sizes = [][2]int{{1280, 800}, {640, 400}}
		}
		for _, size := range sizes {
			data, err := Render(r, what, "png", vg.Length(size[0]), vg.Length(size[1]))
			if err != nil {
				t.Fatalf("Render(%s, png, %v): %v", what, size, err)
			}
			decodePNG(t, data, size[0], size[1])
		}
	}
}

func TestRenderSVG(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true})
	data, err := Render(r, "all", "svg", 1280, 800)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(data)
	for _, want := range []string{
		`<svg width="1280" height="800" viewBox="0 0 1280 800"`, // pixels, as the PNG
		"@font-face", `font-family:"Liberation Sans"`, "base64,", // the font travels with the file
		"Span F1", "best dev F1 90.00 at epoch 7", "</svg>",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
		t.Error("SVG does not end with </svg>")
	}
}

func TestRenderRejects(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{})
	cases := []struct {
		what, format string
		w, h         vg.Length
		want         string
	}{
		{"curves", "png", 640, 400, `unknown chart "curves"; expected one of loss, f1, lr, types, all`},
		{"loss", "pdf", 640, 400, `unknown image format "pdf"; expected png or svg`},
		{"loss", "png", 0, 400, "image size 0x400; expected sides from 1 to 8192"},
		{"loss", "svg", 640, -1, "image size 640x-1"},
		{"loss", "png", vg.Length(math.NaN()), 400, "image size NaNx400"},
		{"all", "png", 100000, 100000, "expected sides from 1 to 8192"},
		// Too small for axes and labels: refused before gonum's layout
		// turns into NaN coordinates (on which the rasteriser never ends).
		{"all", "png", 300, 200, "image size 300x200 is too small for the all chart; expected a larger one, such as 1280x800"},
		{"lr", "svg", 100, 60, "too small for the lr chart"},
	}
	for _, c := range cases {
		_, err := Render(r, c.what, c.format, c.w, c.h)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Render(%s, %s, %v×%v) error %v; want %q", c.what, c.format, c.w, c.h, err, c.want)
		}
	}
	if _, err := Render(nil, "loss", "png", 640, 400); err == nil {
		t.Error("Render(nil run) succeeded")
	}
}

func TestWriteFile(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true})
	dir := t.TempDir()

	png := filepath.Join(dir, "curves.png")
	wrote, err := WriteFile(r, "f1", png)
	if err != nil {
		t.Fatal(err)
	}
	if onDisk, _ := os.ReadFile(png); !bytes.Equal(wrote, onDisk) {
		t.Errorf("WriteFile returned %d bytes, wrote %d", len(wrote), len(onDisk))
	}
	data, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	decodePNG(t, data, 640, 400)

	dashboard := filepath.Join(dir, "run.PNG")
	if _, err := WriteFile(r, "all", dashboard); err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile(dashboard); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, data, 1280, 800)

	svg := filepath.Join(dir, "loss.svg")
	if _, err := WriteFile(r, "loss", svg); err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile(svg); err != nil || !bytes.Contains(data, []byte("@font-face")) {
		t.Errorf("loss.svg: %v, embedded font %v", err, bytes.Contains(data, []byte("@font-face")))
	}

	pdf := filepath.Join(dir, "loss.pdf")
	_, err = WriteFile(r, "loss", pdf)
	if err == nil || !strings.HasPrefix(err.Error(), pdf+`: cannot write a chart as ".pdf"; expected a .png or .svg`) {
		t.Errorf("WriteFile(.pdf) error %v", err)
	}

	// A chart that cannot be drawn leaves the file that was there.
	tsvDir := t.TempDir()
	runstest.WriteLines(t, tsvDir, runs.LossFile, runstest.Fixture{}.TSVLines(1, 3))
	tsvRun, err := runs.ReadRun(tsvDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(tsvRun, "types", png); !errors.Is(err, ErrNoData) {
		t.Errorf("WriteFile(types) of a loss.tsv run: %v; want ErrNoData", err)
	}
	if after, _ := os.ReadFile(png); len(after) == 0 || !bytes.Equal(after[:8], []byte("\x89PNG\r\n\x1a\n")) {
		t.Error("the earlier curves.png was damaged by a failed write")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"curves.png", "loss.svg", "run.PNG"}; !slices.Equal(names, want) {
		t.Errorf("files left %v, want %v (no temporaries, no loss.pdf)", names, want)
	}
}

func TestKinds(t *testing.T) {
	kinds := Kinds()
	var names []string
	for _, k := range kinds {
		name, about, ok := strings.Cut(k, ": ")
		if !ok || len(about) < 10 || strings.Contains(about, "\n") {
			t.Errorf("kind %q: want \"name: one-line description\"", k)
		}
		names = append(names, name)
	}
	if want := []string{"loss", "f1", "lr", "types", "all"}; !slices.Equal(names, want) {
		t.Errorf("kinds %v, want %v", names, want)
	}
	// Names come from users: case and surrounding blanks do not matter.
	r := runstest.Run(t, runstest.Fixture{})
	if data, err := Render(r, " F1", "PNG", 320, 200); err != nil {
		t.Errorf("Render(F1, PNG): %v", err)
	} else {
		decodePNG(t, data, 320, 200)
	}
	if w, h := DefaultSize("all"); w != 1280 || h != 800 {
		t.Errorf("DefaultSize(all) = %v×%v", w, h)
	}
	if w, h := DefaultSize("f1"); w != 640 || h != 400 {
		t.Errorf("DefaultSize(f1) = %v×%v", w, h)
	}
}

func BenchmarkDashboardPNG(b *testing.B) {
	r := runstest.Run(b, runstest.Fixture{Test: true, Views: []string{runs.Plain, "context"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(r, "all", "png", 1280, 800); err != nil {
			b.Fatal(err)
		}
	}
}

// rightmostInk returns the x of the right-most pixel column that is not
// the background, or -1.
func rightmostInk(img image.Image) int {
	b := img.Bounds()
	for x := b.Max.X - 1; x >= b.Min.X; x-- {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r != 0xffff || g != 0xffff || bl != 0xffff {
				return x
			}
		}
	}
	return -1
}

// TestChartsKeepClearOfTheRightEdge renders every chart and checks that
// nothing (legend thumbnails, the last epoch's glyphs, a tick label)
// reaches the image's right-most columns, where gonum would draw them
// flush against the edge, half cut off by anti-aliasing and viewers'
// borders.
func TestChartsKeepClearOfTheRightEdge(t *testing.T) {
	r := runstest.Run(t, runstest.Fixture{Test: true, Views: []string{runs.Plain, "context"}})
	for _, what := range []string{"loss", "f1", "lr", "types", "all"} {
		w, h := DefaultSize(what)
		data, err := Render(r, what, "png", w, h)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		edge := img.Bounds().Max.X - int(margin.right)
		// The chart reaches the margin (the test looks where it should),
		// and stops there.
		if x := rightmostInk(img); x >= edge || x < edge-4 {
			t.Errorf("%s chart: right-most ink at x=%d; want it just inside the margin, %d to %d", what, x, edge-4, edge-1)
		}
	}
}
