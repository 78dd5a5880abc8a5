package lab

import (
	"fmt"
	"hash/fnv"
	"html"
	"math"
	"strings"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/tagger"
)

// markColours are light background colours for entity marks in HTML (the
// usual CoNLL and WNUT types fixed, others picked by a hash of the type).
var markColours = map[string]string{"PER": "#aa9cfc", "ORG": "#7aecec", "LOC": "#feca74", "MISC": "#ff9561",
	"person": "#aa9cfc", "corporation": "#7aecec", "location": "#feca74", "group": "#c887fb",
	"product": "#bfeeb7", "creative-work": "#ffeb80"}

var spareMarkColours = []string{"#e4e7d2", "#bfe1d9", "#f0d0ff", "#ddd3c4", "#c7f0e8", "#ffd7b5", "#d6e4ff", "#e8f5b7"}

func markColour(typ string) string {
	if c, ok := markColours[typ]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(typ))
	return spareMarkColours[h.Sum32()%uint32(len(spareMarkColours))]
}

// HTMLPrediction renders a prediction as HTML: the sentence with each
// entity marked in its type's colour, the type beside it, and the
// confidence in the mark's tooltip.
func HTMLPrediction(p *tagger.Prediction) string {
	var b strings.Builder
	b.WriteString(`<div class="nerlab-entities" style="line-height:2.4;font-family:sans-serif">`)
	walkEntities(p, func(tok string) {
		b.WriteString(html.EscapeString(tok) + " ")
	}, func(e tagger.Entity, text string) {
		fmt.Fprintf(&b, `<mark title="%s %.3f" style="background:%s;padding:0.2em 0.4em;margin:0 0.15em;border-radius:0.35em">%s`+
			`<span style="font-size:0.7em;font-weight:bold;margin-left:0.5em;text-transform:uppercase">%s</span></mark> `,
			html.EscapeString(e.Type), e.Confidence, markColour(e.Type), html.EscapeString(text), html.EscapeString(e.Type))
	})
	b.WriteString("</div>")
	return b.String()
}

// HTMLReport renders a score report as a table: a row per type, then the
// micro and macro averages.
func HTMLReport(r metrics.Report) string {
	var b strings.Builder
	b.WriteString(`<table class="nerlab-report"><thead><tr><th style="text-align:left">type</th><th>precision</th><th>recall</th><th>F1</th><th>gold</th><th>predicted</th></tr></thead><tbody>`)
	row := func(name string, s metrics.Score, bold bool) {
		style := ""
		if bold {
			style = ` style="font-weight:bold"`
		}
		fmt.Fprintf(&b, `<tr%s><td style="text-align:left">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td></tr>`,
			style, html.EscapeString(name), metrics.Percent(s.Precision), metrics.Percent(s.Recall), metrics.Percent(s.F1), s.Support, s.Predicted)
	}
	for _, t := range r.Types {
		row(t, r.PerType[t], false)
	}
	row("micro", r.Micro, true)
	row("macro", r.Macro, false)
	fmt.Fprintf(&b, `</tbody></table><p style="font-size:0.85em">%d sentences, %d tokens, token accuracy %s%% (%s)</p>`,
		r.Sentences, r.Tokens, metrics.Percent(r.Accuracy), html.EscapeString(r.Mode))
	return b.String()
}

// HTMLRuns renders the runs table; two-view runs add their context
// view's test F1 (test F1 is then the plain view's), as in the text table.
func HTMLRuns(runs []RunInfo) string {
	var b strings.Builder
	ctxHead := ""
	if anyTwoView(runs) {
		ctxHead = "<th>test F1 (context view)</th>"
	}
	fmt.Fprintf(&b, `<table class="nerlab-runs"><thead><tr><th style="text-align:left">run</th><th>status</th><th>epochs</th><th>best dev F1</th><th>test F1</th>%s<th>modified</th></tr></thead><tbody>`, ctxHead)
	pct := func(f float64) string {
		if math.IsNaN(f) {
			return "–"
		}
		return metrics.Percent(f)
	}
	for _, r := range runs {
		best := pct(r.BestDevF1)
		if r.BestEpoch > 0 {
			best += fmt.Sprintf(" (epoch %d)", r.BestEpoch)
		}
		ctx := ""
		if ctxHead != "" {
			ctx = "<td>" + pct(r.TestContextF1) + "</td>"
		}
		fmt.Fprintf(&b, `<tr><td style="text-align:left">%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td>%s<td>%s</td></tr>`,
			html.EscapeString(r.Dir), html.EscapeString(r.Status), r.Epochs, best, pct(r.TestF1), ctx, r.Modified.Local().Format("2006-01-02 15:04"))
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

// RunsBundle is the runs table as a display bundle: HTML and the aligned
// text the REPL prints. root names the folder in the empty table's text.
// Displays are shown in notebooks, so the text's hints name magics.
func RunsBundle(runs []RunInfo, root string) map[string]any {
	var text strings.Builder
	writeRunsTable(&text, runs, root, Kernel)
	return map[string]any{"text/html": HTMLRuns(runs), "text/plain": text.String()}
}
