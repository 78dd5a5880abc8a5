package display

import (
	"encoding/base64"
	"image"
	"image/color"
	"testing"
)

func TestDisplayFunctionsReachTheSink(t *testing.T) {
	if err := HTML("<b>x</b>"); err != ErrNoKernel {
		t.Errorf("without a kernel: %v", err)
	}
	rec := &recorder{}
	SetSink(rec)
	defer SetSink(nil)
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.White)
	HTML("<b>x</b>")
	Markdown("*x*")
	SVG("<svg/>")
	JSON(map[string]int{"a": 1})
	Image(img)
	Update(Data{ID: "d1", Data: map[string]any{"text/plain": "y"}})
	if err := Update(Data{}); err == nil {
		t.Error("Update without an ID accepted")
	}
	Clear(true)
	got, updates := rec.shown, rec.updates
	if len(rec.clears) != 1 || !rec.clears[0] {
		t.Errorf("clears %v", rec.clears)
	}
	wants := []string{"text/html", "text/markdown", "image/svg+xml", "application/json", "image/png", "text/plain"}
	if len(got) != len(wants) {
		t.Fatalf("%d displays", len(got))
	}
	for i, mime := range wants {
		if _, ok := got[i].Data[mime]; !ok {
			t.Errorf("display %d lacks %s: %v", i, mime, got[i].Data)
		}
		if _, ok := got[i].Data["text/plain"]; !ok {
			t.Errorf("display %d has no text/plain fallback", i)
		}
	}
	if png, _ := base64.StdEncoding.DecodeString(got[4].Data["image/png"].(string)); len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Error("Image is not PNG")
	}
	if !updates[5] || updates[0] {
		t.Errorf("update flags %v", updates)
	}
}

type recorder struct {
	shown   []Data
	updates []bool
	clears  []bool
}

func (r *recorder) Show(d Data, update bool) error {
	r.shown, r.updates = append(r.shown, d), append(r.updates, update)
	return nil
}

func (r *recorder) Clear(wait bool) error { r.clears = append(r.clears, wait); return nil }
