package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/nerlab/nerlab/kernel/display"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/tagger"
)

// maxRenderedPredictions bounds how many predictions a result shows.
const maxRenderedPredictions = 50

// render turns a cell's final value into a MIME bundle by its type:
// predictions and context views as highlighted HTML; score reports, runs,
// corpus statistics, datasets and models as tables;
// charts and images as PNG, display.Data as itself. Other values are
// shown as text (ok is false).
func render(v any) (data map[string]any, ok bool) {
	switch x := v.(type) {
	case display.Data:
		return x.Data, true
	case *display.Data:
		return x.Data, true
	case *tagger.Prediction:
		return map[string]any{"text/html": lab.HTMLPrediction(x), "text/plain": lab.Highlight(x, false)}, true
	case []*tagger.Prediction:
		var h, t strings.Builder
		for i, p := range x {
			if i == maxRenderedPredictions {
				fmt.Fprintf(&h, "<p>… and %d more</p>", len(x)-i)
				break
			}
			h.WriteString(lab.HTMLPrediction(p))
			t.WriteString(lab.Highlight(p, false) + "\n")
		}
		return map[string]any{"text/html": h.String(), "text/plain": t.String()}, true
	case corpus.Stats:
		return statsTable(x).bundle(), true
	case *corpus.Stats:
		return statsTable(*x).bundle(), true
	case *lab.Model:
		return modelTable(x).bundle(), true
	case *lab.Dataset:
		return datasetTable(x).bundle(), true
	case metrics.Report:
		return reportBundle(x), true
	case *metrics.Report:
		return reportBundle(*x), true
	case retrieve.ContextView:
		return map[string]any{"text/html": lab.HTMLContext(x), "text/plain": lab.TextContext(x, false)}, true
	case *retrieve.ContextView:
		return map[string]any{"text/html": lab.HTMLContext(*x), "text/plain": lab.TextContext(*x, false)}, true
	case []lab.RunInfo:
		if len(x) == 0 {
			return map[string]any{"text/plain": "no runs"}, true
		}
		return lab.RunsBundle(x, ""), true
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
	case interface{ HTML() string }:
		// Any value that renders itself (analysis results, ...).
		text := fmt.Sprint(v)
		if st, ok := v.(fmt.Stringer); ok {
			text = st.String()
		}
		return map[string]any{"text/html": x.HTML(), "text/plain": text}, true
	case image.Image:
		var b bytes.Buffer
		if err := png.Encode(&b, x); err != nil {
			return nil, false
		}
		return map[string]any{"image/png": base64.StdEncoding.EncodeToString(b.Bytes()), "text/plain": fmt.Sprintf("<image %v>", x.Bounds())}, true
	}
	return nil, false
}

func reportBundle(r metrics.Report) map[string]any {
	var t strings.Builder
	r.WriteText(&t)
	return map[string]any{"text/html": lab.HTMLReport(r), "text/plain": t.String()}
}
