package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/runs"
)

func TestPredictionHTMLMarksAndEscapes(t *testing.T) {
	p := &corpus.Prediction{Tokens: strings.Fields("<b>Angela Merkel visited Paris &"),
		Entities: []corpus.Entity{{Start: 0, End: 2, Type: "PER", Confidence: 0.91}, {Start: 3, End: 4, Type: "LOC", Confidence: 0.5}}}
	got := PredictionHTML(p)
	for _, want := range []string{
		`<mark title="PER 0.910" style="background:#aa9cfc;`, `>&lt;b&gt;Angela Merkel<span`, `>PER</span></mark>`,
		`background:#feca74`, `>Paris<span`, ` &amp; </div>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<b>") {
		t.Error("a token was not escaped")
	}
	if markColour("weapon") != markColour("weapon") || markColour("weapon") == "" {
		t.Error("type colours are not stable")
	}
}

func TestReportHTML(t *testing.T) {
	r := metrics.Report{Mode: "conlleval", Sentences: 2, Tokens: 9, Accuracy: 0.5, Types: []string{"LOC", "PER"},
		PerType: map[string]metrics.Score{"LOC": {F1: 1, Support: 1, Predicted: 1}, "PER": {F1: 0.5, Support: 2, Predicted: 2}},
		Micro:   metrics.Score{Precision: 0.6667, Recall: 0.6667, F1: 0.6667, Support: 3, Predicted: 3}}
	got := ReportHTML(r)
	for _, want := range []string{"<td style=\"text-align:left\">LOC</td>", "<td>100.00</td>", ">micro</td><td>66.67</td>", "token accuracy 50.00%"} {
		if !strings.Contains(got, want) {
			t.Errorf("report HTML lacks %q:\n%s", want, got)
		}
	}
}

func TestHighlight(t *testing.T) {
	p := &corpus.Prediction{Tokens: strings.Fields("Angela Merkel visited Paris ."),
		Entities: []corpus.Entity{{Start: 0, End: 2, Type: "PER"}, {Start: 3, End: 4, Type: "LOC"}}}
	if got := Highlight(p, false); got != "[Angela Merkel]PER visited [Paris]LOC ." {
		t.Errorf("plain: %q", got)
	}
	got := Highlight(p, true)
	if !strings.Contains(got, "\x1b[30;44m Angela Merkel \x1b[1mPER \x1b[0m") || !strings.Contains(got, "\x1b[30;42m Paris") {
		t.Errorf("colour: %q", got)
	}
	if colourOf("weapon") != colourOf("weapon") {
		t.Error("colours of a type differ between calls")
	}
}

func TestInlineImages(t *testing.T) {
	png := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 1, 2, 3}, 2000) // base64 longer than one kitty chunk
	var b bytes.Buffer
	if err := WriteInlineImage(&b, KittyImages, png); err != nil {
		t.Fatal(err)
	}
	// Reassemble the payload from the chunks and check the flags.
	re := regexp.MustCompile("\x1b_G([^;]*);([^\x1b]*)\x1b\\\\")
	chunks := re.FindAllStringSubmatch(b.String(), -1)
	if len(chunks) < 2 {
		t.Fatalf("%d kitty chunks", len(chunks))
	}
	var payload strings.Builder
	for i, c := range chunks {
		last := i == len(chunks)-1
		if (i == 0) != strings.HasPrefix(c[1], "a=T,f=100,") || strings.HasSuffix(c[1], "m=1") == last || len(c[2]) > kittyChunk {
			t.Errorf("chunk %d control %q (%d bytes)", i, c[1], len(c[2]))
		}
		payload.WriteString(c[2])
	}
	if got, err := base64.StdEncoding.DecodeString(payload.String()); err != nil || !bytes.Equal(got, png) {
		t.Errorf("kitty payload does not decode to the image: %v", err)
	}
	b.Reset()
	WriteInlineImage(&b, ITermImages, png)
	if want := "\x1b]1337;File=inline=1;size=14000;preserveAspectRatio=1:" + base64.StdEncoding.EncodeToString(png) + "\a\n"; b.String() != want {
		t.Error("iTerm2 escape differs")
	}
	b.Reset()
	WriteInlineImage(&b, NoImages, png)
	if b.Len() != 0 {
		t.Error("NoImages wrote something")
	}
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		env  func(string) string
		want ImageProtocol
	}{
		{env("TERM", "xterm-kitty"), KittyImages},
		{env("TERM_PROGRAM", "iTerm.app"), ITermImages},
		{env("TERM", "xterm-256color"), NoImages},
		{env("TERM", "xterm-kitty", "TMUX", "/tmp/x"), NoImages},
		{env("TERM", "xterm", "NERLAB_IMAGES", "kitty"), KittyImages},
		{env("TERM_PROGRAM", "iTerm.app", "NERLAB_IMAGES", "none"), NoImages},
	} {
		if got := DetectImageProtocol(c.env); got != c.want {
			t.Errorf("%v: got %v", c.want, got)
		}
	}
}

// TestOf: the types of the pure packages render through adapters, values
// with an HTML method as themselves, and nothing else.
func TestOf(t *testing.T) {
	p := &corpus.Prediction{Tokens: []string{"Paris"}, Entities: []corpus.Entity{{Start: 0, End: 1, Type: "LOC"}}}
	many := make([]*corpus.Prediction, MaxPredictions+2)
	for i := range many {
		many[i] = p
	}
	rep := metrics.Report{Types: []string{"LOC"}, PerType: map[string]metrics.Score{"LOC": {F1: 1}}, Micro: metrics.Score{F1: 1}}
	st := corpus.Stats{Sentences: 2, Entities: map[string]int{"LOC": 1}}
	cv := retrieve.ContextView{Tokens: []string{"Paris"}, Tags: []string{"B-LOC"}}
	for _, c := range []struct {
		v          any
		html, text string
	}{
		{p, "<mark", "[Paris]LOC"},
		{many, "<p>… and 2 more</p>", "[Paris]LOC\n"},
		{rep, `<table class="nerlab-report">`, "processed"},
		{&rep, `<table class="nerlab-report">`, "processed"},
		{st, "<td>sentences</td>", "entities"},
		{&st, "<td>sentences</td>", "entities"},
		{cv, `class="nerlab-context"`, "sentence 0 (line 0): [Paris]LOC\nno passages retrieved"},
		{&cv, `class="nerlab-context"`, "no passages retrieved"},
		{[]runs.RunInfo{{Dir: "runs/x", Status: "interrupted"}}, "runs/x", "`nerlab resume runs/x`"},
		{Table{Caption: "c", Rows: [][]string{{"a", "1"}}}, "<caption>c</caption>", "c\na  1"},
	} {
		h, ok := Of(c.v)
		if !ok {
			t.Errorf("%T: not rendered", c.v)
			continue
		}
		if got := h.HTML(); !strings.Contains(got, c.html) {
			t.Errorf("%T: HTML %.80q lacks %q", c.v, got, c.html)
		}
		if got := fmt.Sprint(h); !strings.Contains(got, c.text) {
			t.Errorf("%T: text %.80q lacks %q", c.v, got, c.text)
		}
	}
	if got := fmt.Sprint(Predictions(many)); strings.Count(got, "\n") != MaxPredictions {
		t.Errorf("%d prediction lines; want %d", strings.Count(got, "\n"), MaxPredictions)
	}
	if h, ok := Of([]runs.RunInfo{}); !ok || h.HTML() != "" || fmt.Sprint(h) != "no runs" {
		t.Errorf("no runs: %v %q", ok, h)
	}
	for _, v := range []any{42, "text", []string{"a"}} {
		if _, ok := Of(v); ok {
			t.Errorf("%T rendered", v)
		}
	}
}
