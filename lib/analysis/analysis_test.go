package analysis

import (
	"strings"
	"testing"
)

func TestCompareCountsMistakesBySpan(t *testing.T) {
	tokens := [][]string{
		strings.Fields("Angela Merkel visited Paris"),
		strings.Fields("Apple opened in Berlin"),
		strings.Fields("nothing here"),
	}
	gold := [][]string{
		{"B-PER", "I-PER", "O", "B-LOC"},
		{"B-ORG", "O", "O", "B-LOC"},
		{"O", "O"},
	}
	pred := [][]string{
		{"B-PER", "I-PER", "O", "B-ORG"}, // Paris mistyped
		{"O", "O", "B-LOC", "I-LOC"},     // Apple missed, Berlin's extent wrong: missed + spurious
		{"O", "O"},
	}
	a, err := Compare(tokens, gold, pred)
	if err != nil {
		t.Fatal(err)
	}
	s := a.Sentences
	if s[0].Mistyped != 1 || s[0].Errors() != 1 || s[1].Missed != 2 || s[1].Spurious != 1 || s[2].Errors() != 0 {
		t.Errorf("sentences: %+v", s)
	}
	want := map[Confusion]bool{{"ORG", Outside, 1}: true, {"LOC", Outside, 1}: true, {Outside, "LOC", 1}: true, {"LOC", "ORG", 1}: true}
	if len(a.Confusions) != len(want) {
		t.Errorf("confusions %v", a.Confusions)
	}
	for _, c := range a.Confusions {
		if !want[c] {
			t.Errorf("unexpected confusion %+v", c)
		}
	}
	if w := a.Worst(5); len(w) != 2 || w[0].Index != 1 || w[1].Index != 0 {
		t.Errorf("worst: %+v", w)
	}
	if a.Report.Micro.Correct != 1 || a.Report.Micro.Support != 4 {
		t.Errorf("report %+v", a.Report.Micro)
	}
	for name, html := range map[string]string{"report": a.HTML(), "confusions": a.Confusions.HTML(), "worst": a.Worst(1).HTML()} {
		if !strings.Contains(html, "<") {
			t.Errorf("%s HTML: %q", name, html)
		}
	}
	if !strings.Contains(a.Worst(1).String(), "gold Apple [Berlin]LOC") && !strings.Contains(a.Worst(1).String(), "[Apple]ORG") {
		t.Errorf("worst text:\n%s", a.Worst(1).String())
	}
	if _, err := Compare(tokens, gold[:1], pred); err == nil {
		t.Error("mismatched lengths accepted")
	}
}
