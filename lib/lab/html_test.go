package lab

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/tagger"
)

func TestHTMLPredictionMarksAndEscapes(t *testing.T) {
	p := &tagger.Prediction{Tokens: strings.Fields("<b>Angela Merkel visited Paris &"),
		Entities: []tagger.Entity{{Start: 0, End: 2, Type: "PER", Confidence: 0.91}, {Start: 3, End: 4, Type: "LOC", Confidence: 0.5}}}
	got := HTMLPrediction(p)
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

func TestHTMLTables(t *testing.T) {
	r := metrics.Report{Mode: "conlleval", Sentences: 2, Tokens: 9, Accuracy: 0.5, Types: []string{"LOC", "PER"},
		PerType: map[string]metrics.Score{"LOC": {F1: 1, Support: 1, Predicted: 1}, "PER": {F1: 0.5, Support: 2, Predicted: 2}},
		Micro:   metrics.Score{Precision: 0.6667, Recall: 0.6667, F1: 0.6667, Support: 3, Predicted: 3}}
	got := HTMLReport(r)
	for _, want := range []string{"<td style=\"text-align:left\">LOC</td>", "<td>100.00</td>", ">micro</td><td>66.67</td>", "token accuracy 50.00%"} {
		if !strings.Contains(got, want) {
			t.Errorf("report HTML lacks %q:\n%s", want, got)
		}
	}
	runs := HTMLRuns([]RunInfo{{Dir: "runs/<x>", Status: "finished", Epochs: 3, BestEpoch: 2, BestDevF1: 0.9, TestF1: math.NaN(), TestContextF1: math.NaN(), Modified: time.Unix(0, 0)}})
	if !strings.Contains(runs, "runs/&lt;x&gt;") || !strings.Contains(runs, "90.00 (epoch 2)") || !strings.Contains(runs, "<td>–</td>") {
		t.Errorf("runs HTML:\n%s", runs)
	}
	if strings.Contains(runs, "context view") {
		t.Errorf("one-view runs HTML has a context column:\n%s", runs)
	}
	two := HTMLRuns([]RunInfo{{Dir: "runs/cl", TestF1: 0.4, TestContextF1: 0.625, BestDevF1: math.NaN()},
		{Dir: "runs/plain", TestF1: 0.4, TestContextF1: math.NaN(), BestDevF1: math.NaN()}})
	if !strings.Contains(two, "<th>test F1 (context view)</th>") || !strings.Contains(two, "<td>40.00</td><td>62.50</td>") ||
		!strings.Contains(two, "<td>40.00</td><td>–</td>") {
		t.Errorf("two-view runs HTML:\n%s", two)
	}
}
