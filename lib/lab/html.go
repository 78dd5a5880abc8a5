package lab

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/nerlab/nerlab/lib/metrics"
)

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
