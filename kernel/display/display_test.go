package display

import (
	"encoding/base64"
	"image"
	"image/color"
	"testing"
)

func TestConstructorsAndShowing(t *testing.T) {
	if err := Display(HTML("<b>x</b>")); err != ErrNoKernel {
		t.Errorf("without a kernel: %v", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.White)
	for mime, d := range map[string]Data{
		"text/html": HTML("<b>x</b>"), "text/markdown": Markdown("*x*"), "image/svg+xml": SVG("<svg/>"),
		"application/json": JSON(map[string]any{"a": 1}), "image/png": Image(img), "text/latex": Math("x^2"),
		"application/javascript": JavaScript("1"),
	} {
		if _, ok := d.Data[mime]; !ok {
			t.Errorf("%s: %v", mime, d.Data)
		}
		if _, ok := d.Data["text/plain"]; !ok {
			t.Errorf("%s has no text/plain fallback", mime)
		}
	}
	if b, _ := base64.StdEncoding.DecodeString(Image(img).Data["image/png"].(string)); len(b) < 8 || string(b[1:4]) != "PNG" {
		t.Error("Image is not PNG")
	}

	rec := &recorder{}
	SetSink(rec)
	defer SetSink(nil)
	Display(HTML("a"))
	d := WithID(Markdown("b"), "d1")
	Display(d)
	Update(WithID(Markdown("c"), "d1"))
	if err := Update(Markdown("no id")); err == nil {
		t.Error("Update without a display id accepted")
	}
	Clear(true)
	if len(rec.shown) != 3 || rec.updates[1] || !rec.updates[2] || rec.shown[2].Transient["display_id"] != "d1" {
		t.Errorf("shown %+v updates %v", rec.shown, rec.updates)
	}
	if len(rec.clears) != 1 || !rec.clears[0] {
		t.Errorf("clears %v", rec.clears)
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
