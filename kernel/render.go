package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/nerlab/nerlab/kernel/display"
	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/render"
)

// mimeBundle turns a cell's final value into a MIME bundle: display.Data as
// itself, charts and images as PNG, and any value that render.Of accepts
// (it has an HTML method, or is a prediction, report, statistics, context
// view or runs list) as its HTML with its text beside it. Other values are
// shown as text (ok is false).
func mimeBundle(v any) (data map[string]any, ok bool) {
	switch x := v.(type) {
	case display.Data:
		return x.Data, true
	case *display.Data:
		return x.Data, true
	case *plot.Plot:
		var b bytes.Buffer
		w, err := x.WriterTo(16*vg.Centimeter, 10*vg.Centimeter, "png")
		if err != nil {
			return nil, false
		}
		if _, err := w.WriteTo(&b); err != nil {
			return nil, false
		}
		return map[string]any{"image/png": base64.StdEncoding.EncodeToString(b.Bytes()), "text/plain": "<plot>"}, true
	}
	if h, ok := render.Of(v); ok {
		// Text that names a command spells it as a shell does; here it
		// is a magic.
		data := map[string]any{"text/plain": lab.Kernel.Respell(fmt.Sprint(h))}
		if html := h.HTML(); html != "" {
			data["text/html"] = html
		}
		return data, true
	}
	if x, ok := v.(image.Image); ok {
		var b bytes.Buffer
		if err := png.Encode(&b, x); err != nil {
			return nil, false
		}
		return map[string]any{"image/png": base64.StdEncoding.EncodeToString(b.Bytes()), "text/plain": fmt.Sprintf("<image %v>", x.Bounds())}, true
	}
	return nil, false
}
