package main

import (
	"errors"
	"image"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/nerlab/nerlab/kernel/display"
	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/tagger"
)

func TestRenderByType(t *testing.T) {
	p := &tagger.Prediction{Tokens: []string{"Paris"}, Entities: []tagger.Entity{{Start: 0, End: 1, Type: "LOC"}}}
	cases := []struct {
		v    any
		mime string
		want string
	}{
		{display.Markdown("*x*"), "text/markdown", "*x*"},
		{p, "text/html", "<mark"},
		{[]*tagger.Prediction{p, p}, "text/html", "<mark"},
		{metrics.Report{Types: []string{"LOC"}, PerType: map[string]metrics.Score{"LOC": {}}}, "text/html", "<table"},
		{[]lab.RunInfo{{Dir: "runs/x"}}, "text/html", "runs/x"},
		{image.NewRGBA(image.Rect(0, 0, 3, 3)), "image/png", "iVBOR"},
		{plot.New(), "image/png", "iVBOR"},
		{htmlValue{}, "text/html", "<b>me</b>"},
	}
	for _, c := range cases {
		data, ok := render(c.v)
		if !ok {
			t.Errorf("%T: not rendered", c.v)
			continue
		}
		if s, _ := data[c.mime].(string); !strings.Contains(s, c.want) {
			t.Errorf("%T: %s = %.60q", c.v, c.mime, s)
		}
		if _, ok := data["text/plain"]; !ok && c.mime != "text/markdown" {
			t.Errorf("%T: no text/plain fallback", c.v)
		}
	}
	for _, v := range []any{42, "text", errors.New("e")} {
		if _, ok := render(v); ok {
			t.Errorf("%T rendered richly", v)
		}
	}
}

type htmlValue struct{}

func (htmlValue) HTML() string   { return "<b>me</b>" }
func (htmlValue) String() string { return "me" }
