package render

import (
	"fmt"
	"html"
	"strings"

	"github.com/nerlab/nerlab/lib/metrics"
)

// ReportHTML renders a score report as a table: a row per type, then the
// micro and macro averages.
func ReportHTML(r metrics.Report) string {
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

// ReportText is a score report as conlleval prints it.
func ReportText(r metrics.Report) string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}
