// Package analysis looks at a tagger's mistakes on labelled data: scores
// per type, which types it confuses (and which spans it misses or
// invents), and the sentences it gets most wrong. Its results render as
// HTML in the notebook (they have an HTML method) and as text elsewhere.
package analysis

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/train"
)

// Outside is the "type" of no entity in a confusion: a gold span with no
// predicted span of the same extent was missed (predicted Outside); a
// predicted span with no gold span of its extent is spurious (gold
// Outside).
const Outside = "O"

// Analysis is a tagger's result on a labelled set, ready to inspect.
type Analysis struct {
	Report     metrics.Report
	Sentences  []Sentence
	Confusions Confusions
}

// Sentence is one sentence with its gold and predicted tags and its
// mistakes, counted over spans.
type Sentence struct {
	Index                      int // position in the data
	Tokens, Gold, Pred         []string
	Missed, Spurious, Mistyped int
}

// Errors is the number of span mistakes in the sentence.
func (s Sentence) Errors() int { return s.Missed + s.Spurious + s.Mistyped }

// Confusion counts gold spans of one type predicted as another type with
// the same extent (or, with Outside, missed or invented spans).
type Confusion struct {
	Gold, Pred string
	Count      int
}

// Confusions is a list of confusions, most frequent first.
type Confusions []Confusion

// Run tags a labelled corpus with a model (models.Tagger wraps a tagger)
// and compares its predictions with the gold tags.
func Run(m train.Model, c *corpus.Corpus) (*Analysis, error) {
	examples, err := m.Examples(c)
	if err != nil {
		return nil, err
	}
	ev, err := train.Evaluate(m, examples, 64, nil)
	if err != nil {
		return nil, err
	}
	tokens := make([][]string, len(examples))
	gold := make([][]string, len(examples))
	pred := make([][]string, len(examples))
	for i, ex := range examples {
		tokens[i] = ev.Predictions[i].Tokens
		pred[i] = ev.Predictions[i].Tags
		gold[i] = ex.Gold()
	}
	return Compare(tokens, gold, pred)
}

// Compare analyses gold and predicted tags of the same tokens (spans read
// as conlleval reads them).
func Compare(tokens, gold, pred [][]string) (*Analysis, error) {
	if len(gold) != len(pred) || len(gold) != len(tokens) {
		return nil, fmt.Errorf("analysis: %d token lists, %d gold and %d predicted tag lists", len(tokens), len(gold), len(pred))
	}
	report, err := metrics.ScoreSentences(gold, pred, metrics.Conlleval, corpus.SchemeUnknown)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Report: report}
	counts := map[[2]string]int{}
	for i := range gold {
		if len(gold[i]) != len(pred[i]) || len(gold[i]) != len(tokens[i]) {
			return nil, fmt.Errorf("analysis: sentence %d has %d tokens, %d gold and %d predicted tags", i, len(tokens[i]), len(gold[i]), len(pred[i]))
		}
		s := Sentence{Index: i, Tokens: tokens[i], Gold: gold[i], Pred: pred[i]}
		g, p := spansByExtent(gold[i]), spansByExtent(pred[i])
		for ext, gt := range g {
			switch pt, ok := p[ext]; {
			case !ok:
				s.Missed++
				counts[[2]string{gt, Outside}]++
			case pt != gt:
				s.Mistyped++
				counts[[2]string{gt, pt}]++
			}
		}
		for ext, pt := range p {
			if _, ok := g[ext]; !ok {
				s.Spurious++
				counts[[2]string{Outside, pt}]++
			}
		}
		a.Sentences = append(a.Sentences, s)
	}
	for k, n := range counts {
		a.Confusions = append(a.Confusions, Confusion{Gold: k[0], Pred: k[1], Count: n})
	}
	sort.Slice(a.Confusions, func(i, j int) bool {
		x, y := a.Confusions[i], a.Confusions[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Gold+"\x00"+x.Pred < y.Gold+"\x00"+y.Pred
	})
	return a, nil
}

func spansByExtent(tags []string) map[[2]int]string {
	out := map[[2]int]string{}
	for _, s := range corpus.Spans(corpus.ToBIO(tags)) {
		out[[2]int{s.Start, s.End}] = s.Type
	}
	return out
}

// Worst returns the n sentences with the most span mistakes (ties in data
// order).
func (a *Analysis) Worst(n int) Sentences {
	s := append(Sentences(nil), a.Sentences...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].Errors() > s[j].Errors() })
	for len(s) > 0 && s[len(s)-1].Errors() == 0 {
		s = s[:len(s)-1]
	}
	return s[:min(n, len(s))]
}

// Sentences is a list of sentences that renders with gold and predicted
// entities one above the other.
type Sentences []Sentence

// HTML renders the per-type scores.
func (a *Analysis) HTML() string { return render.ReportHTML(a.Report) }

// String is the conlleval-style report.
func (a *Analysis) String() string {
	var b strings.Builder
	a.Report.WriteText(&b)
	return b.String()
}

// HTML renders the confusions as a matrix: gold types down, predicted
// types across, Outside last.
func (c Confusions) HTML() string {
	types := map[string]bool{}
	cell := map[[2]string]int{}
	for _, x := range c {
		types[x.Gold], types[x.Pred] = true, true
		cell[[2]string{x.Gold, x.Pred}] = x.Count
	}
	var names []string
	for t := range types {
		if t != Outside {
			names = append(names, t)
		}
	}
	sort.Strings(names)
	names = append(names, Outside)
	var b strings.Builder
	b.WriteString(`<table class="nerlab-confusions"><thead><tr><th>gold ↓ / predicted →</th>`)
	for _, n := range names {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(n))
	}
	b.WriteString("</tr></thead><tbody>")
	for _, g := range names {
		fmt.Fprintf(&b, `<tr><th style="text-align:left">%s</th>`, html.EscapeString(g))
		for _, p := range names {
			if n := cell[[2]string{g, p}]; n > 0 {
				fmt.Fprintf(&b, "<td>%d</td>", n)
			} else {
				b.WriteString(`<td style="color:#bbb">·</td>`)
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table><p style=\"font-size:0.85em\">Off-diagonal cells are mistakes; the O column counts missed gold spans (or spans with wrong boundaries), the O row spurious predictions.</p>")
	return b.String()
}

// String lists the confusions.
func (c Confusions) String() string {
	var b strings.Builder
	for _, x := range c {
		fmt.Fprintf(&b, "%-16s → %-16s %d\n", x.Gold, x.Pred, x.Count)
	}
	return b.String()
}

// HTML renders each sentence twice, gold entities above predicted ones.
func (s Sentences) HTML() string {
	var b strings.Builder
	for _, x := range s {
		fmt.Fprintf(&b, `<div style="margin-bottom:1em"><p style="font-size:0.85em;margin:0">sentence %d: %d missed, %d spurious, %d mistyped</p>`,
			x.Index, x.Missed, x.Spurious, x.Mistyped)
		fmt.Fprintf(&b, `<div><span style="font-size:0.8em;color:#666">gold</span> %s</div>`, render.PredictionHTML(render.TagsPrediction(x.Tokens, x.Gold)))
		fmt.Fprintf(&b, `<div><span style="font-size:0.8em;color:#666">pred</span> %s</div></div>`, render.PredictionHTML(render.TagsPrediction(x.Tokens, x.Pred)))
	}
	return b.String()
}

// String lists the sentences with bracketed entities.
func (s Sentences) String() string {
	var b strings.Builder
	for _, x := range s {
		fmt.Fprintf(&b, "sentence %d (%d mistakes)\n  gold %s\n  pred %s\n", x.Index, x.Errors(),
			render.Highlight(render.TagsPrediction(x.Tokens, x.Gold), false), render.Highlight(render.TagsPrediction(x.Tokens, x.Pred), false))
	}
	return b.String()
}
