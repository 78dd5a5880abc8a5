package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// WriteText writes the report in conlleval.pl's layout: a counts line, an
// overall line (omitted when there are no tokens, as conlleval does) and
// one line per type ending in the number of predicted spans of that type.
// A "macro avg" line follows the types; conlleval has none, and its name,
// which holds a space, cannot be a type read from whitespace-separated
// columns.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	m := r.Micro
	fmt.Fprintf(&b, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n",
		r.Tokens, m.Support, m.Predicted, m.Correct)
	if r.Tokens > 0 {
		p, rc, f := percents(m)
		fmt.Fprintf(&b, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n",
			100*float64(r.CorrectTokens)/float64(r.Tokens), p, rc, f)
	}
	for _, typ := range r.Types {
		s := r.PerType[typ]
		p, rc, f := percents(s)
		fmt.Fprintf(&b, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %d\n", typ, p, rc, f, s.Predicted)
	}
	if len(r.Types) > 0 {
		fmt.Fprintf(&b, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n",
			"macro avg", 100*r.Macro.Precision, 100*r.Macro.Recall, 100*r.Macro.F1)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// percents computes the printed numbers from the counts the way conlleval
// does, so that the last digit rounds as it does there.
func percents(s Score) (precision, recall, fb1 float64) {
	if s.Predicted > 0 {
		precision = 100 * float64(s.Correct) / float64(s.Predicted)
	}
	if s.Support > 0 {
		recall = 100 * float64(s.Correct) / float64(s.Support)
	}
	if precision+recall > 0 {
		fb1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, fb1
}

// reportJSON is the JSON form of a Report: flat micro scores and counts at
// the top, so that a command can print it as its result.
type reportJSON struct {
	Mode          string           `json:"mode"`
	Scheme        string           `json:"scheme"`
	Sentences     int              `json:"sentences"`
	Tokens        int              `json:"tokens"`
	CorrectTokens int              `json:"correct_tokens"`
	Accuracy      float64          `json:"accuracy"`
	Phrases       int              `json:"phrases"` // gold spans
	Found         int              `json:"found"`   // predicted spans
	Correct       int              `json:"correct"`
	Precision     float64          `json:"precision"`
	Recall        float64          `json:"recall"`
	F1            float64          `json:"f1"`
	Macro         macroJSON        `json:"macro"`
	PerType       map[string]Score `json:"per_type"`
}

type macroJSON struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// MarshalJSON writes mode, scheme, sentences, tokens, correct_tokens,
// accuracy, phrases, found, correct, precision, recall, f1,
// macro {precision, recall, f1} and per_type {type: Score}.
func (r Report) MarshalJSON() ([]byte, error) {
	per := r.PerType
	if per == nil {
		per = map[string]Score{}
	}
	return json.Marshal(reportJSON{
		Mode: r.Mode, Scheme: r.Scheme,
		Sentences: r.Sentences, Tokens: r.Tokens, CorrectTokens: r.CorrectTokens, Accuracy: r.Accuracy,
		Phrases: r.Micro.Support, Found: r.Micro.Predicted, Correct: r.Micro.Correct,
		Precision: r.Micro.Precision, Recall: r.Micro.Recall, F1: r.Micro.F1,
		Macro:   macroJSON{r.Macro.Precision, r.Macro.Recall, r.Macro.F1},
		PerType: per,
	})
}

// UnmarshalJSON reads what MarshalJSON writes, so saved reports load back.
func (r *Report) UnmarshalJSON(data []byte) error {
	var j reportJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	micro := Score{Precision: j.Precision, Recall: j.Recall, F1: j.F1,
		Support: j.Phrases, Predicted: j.Found, Correct: j.Correct}
	macro := micro
	macro.Precision, macro.Recall, macro.F1 = j.Macro.Precision, j.Macro.Recall, j.Macro.F1
	*r = Report{
		Mode: j.Mode, Scheme: j.Scheme,
		Sentences: j.Sentences, Tokens: j.Tokens, CorrectTokens: j.CorrectTokens, Accuracy: j.Accuracy,
		Micro: micro, Macro: macro,
		PerType: j.PerType,
		Types:   make([]string, 0, len(j.PerType)),
	}
	if r.PerType == nil {
		r.PerType = map[string]Score{}
	}
	for typ := range r.PerType {
		r.Types = append(r.Types, typ)
	}
	slices.Sort(r.Types)
	return nil
}

// Percent formats a score kept as a fraction (precision, recall, F1,
// accuracy) the way nerlab shows scores to people: a percentage with two
// decimals and no sign, as conlleval prints them ("51.62" for 0.5162).
// Machine-readable output (metrics.jsonl, results.json, --json) keeps
// fractions; everything a person reads goes through Percent, so that one
// line never says 0.5162 and the next 51.62. A missing score (NaN) is "-".
func Percent(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return strconv.FormatFloat(100*f, 'f', 2, 64)
}
