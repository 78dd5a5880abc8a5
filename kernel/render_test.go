package main

import (
	"errors"
	"image"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/nerlab/nerlab/kernel/display"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/train"
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
		{[]runs.RunInfo{{Dir: "runs/x"}}, "text/html", "runs/x"},
		{[]runs.RunInfo{{Dir: "runs/x", Tests: []runs.ViewScore{{View: "plain", F1: 0.4}, {View: "context", F1: 0.5}}}}, "text/plain", "TEST CTX"},
		{[]runs.RunInfo{{Dir: "runs/x", Status: "interrupted"}}, "text/plain", "with `%resume runs/x`"},
		{[]runs.RunInfo{}, "text/plain", "no runs"},
		{retrieve.ContextView{Tokens: []string{"Paris"}, Passages: []retrieve.ViewPassage{{Source: retrieve.Source{Title: "Paris"}, Tokens: []string{"Paris", "is"}}}},
			"text/html", `<mark style="background:#fff3a3">Paris</mark> is`},
		{image.NewRGBA(image.Rect(0, 0, 3, 3)), "image/png", "iVBOR"},
		{plot.New(), "image/png", "iVBOR"},
		{htmlValue{}, "text/html", "<b>me</b>"},
	}
	for _, c := range cases {
		data, ok := mimeBundle(c.v)
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
		if h, ok := data["text/html"]; ok && h == "" {
			t.Errorf("%T: empty text/html", c.v)
		}
	}
	for _, v := range []any{42, "text", errors.New("e")} {
		if _, ok := mimeBundle(v); ok {
			t.Errorf("%T rendered richly", v)
		}
	}
}

type htmlValue struct{}

func (htmlValue) HTML() string   { return "<b>me</b>" }
func (htmlValue) String() string { return "me" }

func TestMagicCompletion(t *testing.T) {
	h := &goHandler{lab: lab.New(), session: lab.NewSession()}
	// Commands starting with the word come first, then those containing it.
	code := "x := 1\n%tra"
	matches, start, end := h.Complete(code, len(code))
	if len(matches) != 2 || matches[0] != "train" || matches[1] != "pretrain" || start != len("x := 1\n%") || end != len(code) {
		t.Errorf("%v %d %d", matches, start, end)
	}
	code = "%train --se"
	if matches, start, _ := h.Complete(code, len(code)); len(matches) != 1 || matches[0] != "--set" || start != len("%train ") {
		t.Errorf("%v %d", matches, start)
	}
}

// TestLiveTrainingShowsBothViews: a two-view run's live output shows the
// latest dev scores of each view, a one-view run's without a view name.
func TestLiveTrainingShowsBothViews(t *testing.T) {
	rep := func(f1 float64) *metrics.Report {
		return &metrics.Report{Types: []string{"LOC"}, PerType: map[string]metrics.Score{"LOC": {F1: f1}}, Micro: metrics.Score{F1: f1}}
	}
	one := &liveTraining{}
	one.event(train.Event{Kind: train.EventEval, Split: "dev", View: "plain", Report: rep(0.5)})
	one.event(train.Event{Kind: train.EventEval, Split: "test", View: "plain", Report: rep(0.1)})
	if h := one.html(); !strings.Contains(h, "<p>latest dev scores</p>") || strings.Contains(h, "view)") {
		t.Errorf("one view:\n%s", h)
	}
	two := &liveTraining{}
	two.event(train.Event{Kind: train.EventEval, Split: "dev", View: "context", Report: rep(0.7)})
	two.event(train.Event{Kind: train.EventEval, Split: "dev", View: "plain", Report: rep(0.5)})
	h := two.html()
	p, c := strings.Index(h, "latest dev scores (plain view)"), strings.Index(h, "latest dev scores (context view)")
	if p < 0 || c < p {
		t.Errorf("two views (plain first):\n%s", h)
	}
}

// TestStatsAndModelsRenderAsTables: corpus statistics and a session's
// model are tables (HTML with aligned text), not raw structs.
func TestStatsAndModelsRenderAsTables(t *testing.T) {
	st := corpus.Stats{Sentences: 12, Tokens: 340, Scheme: "BIO", Entities: map[string]int{"PER": 3, "LOC": 4}, MaxLength: 40}
	for _, v := range []any{st, &st} {
		data, ok := mimeBundle(v)
		if !ok {
			t.Fatalf("%T not rendered", v)
		}
		h, text := data["text/html"].(string), data["text/plain"].(string)
		if !strings.Contains(h, "<td>sentences</td><td style=\"text-align:right\">12</td>") || !strings.Contains(h, "<td>  LOC</td>") {
			t.Errorf("HTML: %s", h)
		}
		if !strings.Contains(text, "entities                     7") || strings.Contains(text, "{") {
			t.Errorf("text:\n%s", text)
		}
	}
	m := lab.NewSession().AddModel("demo", t.TempDir())
	data, ok := mimeBundle(m)
	if !ok || !strings.Contains(data["text/html"].(string), "model folder") || !strings.Contains(data["text/plain"].(string), "none saved yet") {
		t.Errorf("model: %v %v", ok, data)
	}
}

// TestResultOfAValueErrorCall: a final call of (value, error) form shows
// the value when the error is nil, and fails with the error otherwise.
func TestResultOfAValueErrorCall(t *testing.T) {
	p := &tagger.Prediction{Tokens: []string{"Paris"}, Entities: []tagger.Entity{{Start: 0, End: 1, Type: "LOC"}}}
	var noErr error
	data, err := resultBundle([]reflect.Value{reflect.ValueOf(p), reflect.ValueOf(&noErr).Elem()})
	if err != nil || !strings.Contains(data["text/html"].(string), "<mark") {
		t.Errorf("nil error: %v %v", data, err)
	}
	failed := errors.New("notebook.Predict: no model loaded")
	_, err = resultBundle([]reflect.Value{reflect.ValueOf((*tagger.Prediction)(nil)), reflect.ValueOf(&failed).Elem()})
	if err == nil || !strings.Contains(err.Error(), "no model loaded") {
		t.Errorf("error: %v", err)
	}
	data, err = resultBundle([]reflect.Value{reflect.ValueOf(1), reflect.ValueOf(2)})
	if err != nil || data["text/plain"] != "1\n2" {
		t.Errorf("two values: %v %v", data, err)
	}
}
