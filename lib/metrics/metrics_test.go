package metrics_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
)

// sents reads "B-PER I-PER O | O B-LOC": sentences separated by "|".
func sents(s string) [][]string {
	var out [][]string
	for _, part := range strings.Split(s, "|") {
		out = append(out, strings.Fields(part))
	}
	return out
}

type counts struct{ gold, found, correct int }

func countsOf(s metrics.Score) counts { return counts{s.Support, s.Predicted, s.Correct} }

func TestHandCases(t *testing.T) {
	cases := []struct {
		name           string
		scheme         corpus.Scheme // for strict mode
		gold, pred     string
		conll, strict  counts
		okTags, tokens int
		perType        map[string]counts // conlleval mode, when given
	}{
		{name: "I- at sentence start", scheme: corpus.BIO,
			gold: "I-PER I-PER O", pred: "B-PER I-PER O",
			conll: counts{1, 1, 1}, strict: counts{0, 1, 0}, okTags: 2, tokens: 3},
		{name: "I- after O", scheme: corpus.BIO,
			gold: "O B-LOC I-LOC O", pred: "O O I-LOC O",
			conll: counts{1, 1, 0}, strict: counts{1, 0, 0}, okTags: 3, tokens: 4},
		{name: "I- after another type", scheme: corpus.BIO,
			gold: "B-PER I-PER O", pred: "B-PER I-LOC O",
			conll: counts{1, 2, 0}, strict: counts{1, 1, 0}, okTags: 2, tokens: 3,
			perType: map[string]counts{"PER": {1, 1, 0}, "LOC": {0, 1, 0}}},
		{name: "I- after another type matches a B-", scheme: corpus.BIO,
			gold: "B-PER B-LOC", pred: "B-PER I-LOC",
			conll: counts{2, 2, 2}, strict: counts{2, 1, 1}, okTags: 1, tokens: 2},
		{name: "E- followed by B-", scheme: corpus.BIOES,
			gold: "B-PER E-PER B-PER E-PER", pred: "B-PER I-PER I-PER E-PER",
			conll: counts{2, 1, 0}, strict: counts{2, 1, 0}, okTags: 2, tokens: 4},
		{name: "S- followed by I- of the same type", scheme: corpus.BIOES,
			gold: "S-PER I-PER O", pred: "S-PER O O",
			conll: counts{1, 1, 0}, strict: counts{1, 1, 1}, okTags: 2, tokens: 3},
		{name: "B- never closed in BIOES", scheme: corpus.BIOES,
			gold: "B-ORG I-ORG E-ORG O B-LOC", pred: "B-ORG I-ORG O O B-LOC",
			conll: counts{2, 2, 1}, strict: counts{1, 0, 0}, okTags: 4, tokens: 5},
		{name: "BILOU read as BIOES", scheme: corpus.BIOES,
			gold: "U-PER B-LOC L-LOC", pred: "U-PER B-LOC I-LOC",
			conll: counts{2, 2, 2}, strict: counts{2, 1, 1}, okTags: 2, tokens: 3},
		{name: "IOB1", scheme: corpus.IOB1,
			gold: "I-PER I-PER B-PER O", pred: "I-PER I-PER I-PER O",
			conll: counts{2, 1, 0}, strict: counts{2, 1, 0}, okTags: 3, tokens: 4},
		{name: "IOB1 detected", scheme: corpus.SchemeUnknown,
			gold: "I-PER I-PER B-PER O | O I-LOC", pred: "I-PER I-PER B-PER O | O I-LOC",
			conll: counts{3, 3, 3}, strict: counts{3, 3, 3}, okTags: 6, tokens: 6},
		{name: "BIO detected drops I- after O", scheme: corpus.SchemeUnknown,
			gold: "B-PER I-PER O B-LOC | O I-LOC", pred: "B-PER I-PER O B-LOC | O I-LOC",
			conll: counts{3, 3, 3}, strict: counts{2, 2, 2}, okTags: 6, tokens: 6},
		{name: "empty sentences", scheme: corpus.BIO,
			gold: "| B-PER |", pred: "| B-PER |",
			conll: counts{1, 1, 1}, strict: counts{1, 1, 1}, okTags: 1, tokens: 1},
		{name: "all O", scheme: corpus.BIO,
			gold: "O O O", pred: "O O O",
			conll: counts{0, 0, 0}, strict: counts{0, 0, 0}, okTags: 3, tokens: 3},
		{name: "type mismatch, same boundaries", scheme: corpus.BIO,
			gold: "B-PER I-PER", pred: "B-ORG I-ORG",
			conll: counts{1, 1, 0}, strict: counts{1, 1, 0}, okTags: 0, tokens: 2,
			perType: map[string]counts{"PER": {1, 0, 0}, "ORG": {0, 1, 0}}},
		{name: "sentence boundary closes spans", scheme: corpus.BIO,
			gold: "B-PER | I-PER", pred: "B-PER | I-PER",
			conll: counts{2, 2, 2}, strict: counts{1, 1, 1}, okTags: 2, tokens: 2},
		{name: "invalid tag read as O", scheme: corpus.BIO,
			gold: "B-PER I-PER", pred: "B-PER PER",
			conll: counts{1, 1, 0}, strict: counts{1, 1, 0}, okTags: 1, tokens: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gold, pred := sents(c.gold), sents(c.pred)
			for _, m := range []struct {
				mode metrics.Mode
				want counts
			}{{metrics.Conlleval, c.conll}, {metrics.Strict, c.strict}} {
				r, err := metrics.ScoreSentences(gold, pred, m.mode, c.scheme)
				if err != nil {
					t.Fatalf("%v: %v", m.mode, err)
				}
				if got := countsOf(r.Micro); got != m.want {
					t.Errorf("%v: (gold, found, correct) = %v, want %v", m.mode, got, m.want)
				}
				if r.CorrectTokens != c.okTags || r.Tokens != c.tokens || r.Sentences != len(gold) {
					t.Errorf("%v: tokens %d/%d in %d sentences, want %d/%d in %d",
						m.mode, r.CorrectTokens, r.Tokens, r.Sentences, c.okTags, c.tokens, len(gold))
				}
				if want := float64(c.okTags) / float64(c.tokens); r.Accuracy != want {
					t.Errorf("%v: accuracy %v, want %v", m.mode, r.Accuracy, want)
				}
				if m.mode == metrics.Conlleval && c.perType != nil {
					if len(r.Types) != len(c.perType) {
						t.Errorf("types %v, want %d of them", r.Types, len(c.perType))
					}
					for typ, want := range c.perType {
						if got := countsOf(r.PerType[typ]); got != want {
							t.Errorf("%s: %v, want %v", typ, got, want)
						}
					}
				}
			}
		})
	}
}

func TestScoresFromCounts(t *testing.T) {
	// Gold PER, LOC, ORG; predicted PER (right), ORG (boundary wrong), MISC.
	r, err := metrics.ScoreSentences(
		sents("B-PER I-PER O B-LOC O B-ORG I-ORG O"),
		sents("B-PER I-PER O O O B-ORG O B-MISC"), metrics.Conlleval, corpus.BIO)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("precision", r.Micro.Precision, 1.0/3)
	near("recall", r.Micro.Recall, 1.0/3)
	near("f1", r.Micro.F1, 1.0/3)
	near("accuracy", r.Accuracy, 5.0/8)
	if want := []string{"LOC", "MISC", "ORG", "PER"}; !reflect.DeepEqual(r.Types, want) {
		t.Errorf("types %v, want %v", r.Types, want)
	}
	// Per type P/R/F1: LOC 0/0/0, MISC 0/0/0, ORG 0/0/0, PER 1/1/1.
	near("macro precision", r.Macro.Precision, 0.25)
	near("macro recall", r.Macro.Recall, 0.25)
	near("macro f1", r.Macro.F1, 0.25)
	if got := countsOf(r.Macro); got != (counts{3, 3, 1}) {
		t.Errorf("macro counts %v, want the totals {3 3 1}", got)
	}
}

func TestErrors(t *testing.T) {
	s := metrics.NewScorer(metrics.Conlleval, corpus.BIO)
	if err := s.Add([]string{"B-PER", "O"}, []string{"B-PER"}); err == nil {
		t.Error("Add with a length mismatch: no error")
	}
	if r := s.Report(); r.Sentences != 0 || r.Tokens != 0 || r.Micro.Support != 0 {
		t.Errorf("a refused sentence was counted: %+v", r)
	}
	_, err := metrics.ScoreSentences(sents("O | B-PER O"), sents("O | B-PER"), metrics.Strict, corpus.BIO)
	if err == nil || !strings.Contains(err.Error(), "sentence 1") {
		t.Errorf("ScoreSentences length mismatch: err = %v, want one naming sentence 1", err)
	}
	if _, err := metrics.ScoreSentences(sents("O | O"), sents("O"), metrics.Conlleval, corpus.BIO); err == nil {
		t.Error("ScoreSentences with different sentence counts: no error")
	}
	if _, err := metrics.ScoreSentences(nil, nil, metrics.Mode(7), corpus.BIO); err == nil {
		t.Error("unknown mode: no error")
	}
	if err := metrics.NewScorer(metrics.Strict, corpus.Scheme(9)).Add(nil, nil); err == nil {
		t.Error("unknown scheme: no error")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]metrics.Mode{"conlleval": metrics.Conlleval, " Strict ": metrics.Strict} {
		got, err := metrics.ParseMode(in)
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, _ := metrics.ParseMode(want.String()); back != want {
			t.Errorf("ParseMode(%v.String()) = %v", want, back)
		}
	}
	if _, err := metrics.ParseMode("lenient"); err == nil {
		t.Error("ParseMode(lenient): no error")
	}
}

func TestReportScheme(t *testing.T) {
	for _, c := range []struct {
		mode   metrics.Mode
		scheme corpus.Scheme
		gold   string
		want   string
	}{
		{metrics.Strict, corpus.SchemeUnknown, "B-PER E-PER O S-LOC", "bioes"},
		{metrics.Strict, corpus.SchemeUnknown, "I-PER O I-LOC", "iob1"},
		{metrics.Conlleval, corpus.SchemeUnknown, "B-PER I-PER", "bio"},
		{metrics.Conlleval, corpus.SchemeUnknown, "O O", "bio"},
		{metrics.Strict, corpus.IOB1, "B-PER I-PER", "iob1"},
	} {
		g := sents(c.gold)
		r, err := metrics.ScoreSentences(g, g, c.mode, c.scheme)
		if err != nil {
			t.Fatal(err)
		}
		if r.Scheme != c.want || r.Mode != c.mode.String() {
			t.Errorf("%v %v %q: mode %q scheme %q, want scheme %q", c.mode, c.scheme, c.gold, r.Mode, r.Scheme, c.want)
		}
	}
}

// The Scorer must not allocate per sentence once its buffers have grown;
// that is what keeps scoring fast on large corpora.
func TestAddDoesNotAllocate(t *testing.T) {
	gold := strings.Fields("B-PER I-PER O B-LOC O I-ORG E-ORG S-MISC O B-PER")
	pred := strings.Fields("B-PER O O B-LOC I-LOC I-ORG E-ORG B-MISC O B-LOC")
	for _, mode := range []metrics.Mode{metrics.Conlleval, metrics.Strict} {
		for _, scheme := range []corpus.Scheme{corpus.SchemeUnknown, corpus.BIOES} {
			s := metrics.NewScorer(mode, scheme)
			if err := s.Add(gold, pred); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(100, func() { s.Add(gold, pred) }); n != 0 {
				t.Errorf("%v %v: %v allocations per Add", mode, scheme, n)
			}
		}
	}
}

func TestWriteText(t *testing.T) {
	r, err := metrics.ScoreSentences(
		sents("B-PER I-PER O B-LOC | B-ORG O"),
		sents("B-PER I-PER O B-ORG | B-ORG O"), metrics.Conlleval, corpus.BIO)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "processed 6 tokens with 3 phrases; found: 3 phrases; correct: 2.\n" +
		"accuracy:  83.33%; precision:  66.67%; recall:  66.67%; FB1:  66.67\n" +
		"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n" +
		"              ORG: precision:  50.00%; recall: 100.00%; FB1:  66.67  2\n" +
		"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
		"        macro avg: precision:  50.00%; recall:  66.67%; FB1:  55.56\n"
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	empty, _ := metrics.ScoreSentences(nil, nil, metrics.Conlleval, corpus.BIO)
	if err := empty.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n"; b.String() != want {
		t.Errorf("WriteText of nothing = %q, want %q", b.String(), want)
	}
}

func TestJSON(t *testing.T) {
	r, err := metrics.ScoreSentences(
		sents("B-PER I-PER O B-LOC | B-ORG O | I-MISC"),
		sents("B-PER I-PER O B-ORG | B-ORG O | O"), metrics.Strict, corpus.SchemeUnknown)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	fraction := func(where string, v any) {
		t.Helper()
		f, ok := v.(float64)
		if !ok || f < 0 || f > 1 {
			t.Errorf("%s = %v, want a fraction in [0, 1]", where, v)
		}
	}
	for _, k := range []string{"precision", "recall", "f1", "accuracy"} {
		fraction(k, m[k])
	}
	for k, want := range map[string]any{"mode": "strict", "scheme": "bio", "tokens": 7.0,
		"sentences": 3.0, "phrases": 3.0, "found": 3.0, "correct": 2.0} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	macro, _ := m["macro"].(map[string]any)
	for _, k := range []string{"precision", "recall", "f1"} {
		fraction("macro."+k, macro[k])
	}
	per, _ := m["per_type"].(map[string]any)
	if len(per) != 3 { // the I-MISC fragment is no span in strict BIO
		t.Errorf("per_type has %d types, want LOC, ORG, PER: %s", len(per), data)
	}
	for typ, v := range per {
		s, _ := v.(map[string]any)
		for _, k := range []string{"precision", "recall", "f1"} {
			fraction(typ+"."+k, s[k])
		}
		for _, k := range []string{"support", "predicted", "correct"} {
			if _, ok := s[k].(float64); !ok {
				t.Errorf("%s.%s missing in %s", typ, k, data)
			}
		}
	}
	var back metrics.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("JSON round trip:\n got %+v\nwant %+v", back, r)
	}
}

func TestPercent(t *testing.T) {
	for f, want := range map[float64]string{0.5162: "51.62", 0.0022: "0.22", 1: "100.00", 0: "0.00", 0.99995: "100.00", math.NaN(): "-"} {
		if got := metrics.Percent(f); got != want {
			t.Errorf("Percent(%v) = %q, want %q", f, got, want)
		}
	}
}
