package render

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
)

// The runs table gives each run's main view the TEST column, and every
// other view a column of its own after it (CLNER's two-view runs add the
// context view's). A view's scores appear only in its own column: a run
// trained on context views alone has them as its main view, under TEST.

// viewLabel is a view's short name in a text table's header.
func viewLabel(view string) string {
	if view == "context" {
		return "CTX"
	}
	return strings.ToUpper(view)
}

// otherViewF1 is r's test F1 on view when view is not its main one, NaN
// otherwise.
func otherViewF1(r runs.RunInfo, view string) float64 {
	for _, t := range r.Tests[min(1, len(r.Tests)):] {
		if t.View == view {
			return t.F1
		}
	}
	return math.NaN()
}

// RunsText is the runs table as aligned text; root names the folder in
// the empty table's message. Its hints name commands as a shell does
// (see package hint): a front-end respells them.
func RunsText(list []runs.RunInfo, root string) string {
	var b strings.Builder
	if len(list) == 0 {
		fmt.Fprintf(&b, "no runs under %s; train one with %s\n", root, hint.Command("train CONFIG"))
		return b.String()
	}
	width := len("RUN")
	for _, r := range list {
		width = max(width, len(r.Dir))
	}
	others := runs.OtherViews(list)
	var heads []string
	for _, v := range others {
		heads = append(heads, "TEST "+viewLabel(v))
	}
	otherCells := func(r *runs.RunInfo) string {
		var c strings.Builder
		for i, v := range others {
			fmt.Fprintf(&c, "  %*s", max(8, len(heads[i])), metrics.Percent(otherViewF1(*r, v)))
		}
		return c.String()
	}
	var head strings.Builder
	for _, h := range heads {
		fmt.Fprintf(&head, "  %8s", h)
	}
	fmt.Fprintf(&b, "%-*s  %-11s  %6s  %10s  %7s%s  %s\n", width, "RUN", "STATUS", "EPOCHS", "BEST DEV", "TEST", head.String(), "MODIFIED")
	for _, r := range list {
		best := metrics.Percent(r.BestDevF1)
		if r.BestEpoch > 0 {
			best += fmt.Sprintf(" @%d", r.BestEpoch)
		}
		fmt.Fprintf(&b, "%-*s  %-11s  %6d  %10s  %7s%s  %s\n", width, r.Dir, r.Status, r.Epochs, best, metrics.Percent(r.TestF1()), otherCells(&r), r.Modified.Local().Format("2006-01-02 15:04"))
	}
	for _, r := range list {
		if r.Status == "interrupted" {
			fmt.Fprintf(&b, "\ncontinue an interrupted run with %s\n", hint.Command("resume "+r.Dir))
			break
		}
	}
	return b.String()
}

// RunsHTML renders the runs table as HTML, with the columns of the text
// table.
func RunsHTML(list []runs.RunInfo) string {
	var b strings.Builder
	others := runs.OtherViews(list)
	var heads strings.Builder
	for _, v := range others {
		fmt.Fprintf(&heads, "<th>test F1 (%s view)</th>", html.EscapeString(v))
	}
	fmt.Fprintf(&b, `<table class="nerlab-runs"><thead><tr><th style="text-align:left">run</th><th>status</th><th>epochs</th><th>best dev F1</th><th>test F1</th>%s<th>modified</th></tr></thead><tbody>`, heads.String())
	pct := func(f float64) string {
		if math.IsNaN(f) {
			return "–"
		}
		return metrics.Percent(f)
	}
	for _, r := range list {
		best := pct(r.BestDevF1)
		if r.BestEpoch > 0 {
			best += fmt.Sprintf(" (epoch %d)", r.BestEpoch)
		}
		var cells strings.Builder
		for _, v := range others {
			cells.WriteString("<td>" + pct(otherViewF1(r, v)) + "</td>")
		}
		fmt.Fprintf(&b, `<tr><td style="text-align:left">%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td>%s<td>%s</td></tr>`,
			html.EscapeString(r.Dir), html.EscapeString(r.Status), r.Epochs, best, pct(r.TestF1()), cells.String(), r.Modified.Local().Format("2006-01-02 15:04"))
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

// padLeft right-aligns s in n characters (fmt pads by bytes, and ± is two).
func padLeft(s string, n int) string {
	return strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s))) + s
}

// SeedsText is the table of seed groups: per group, its runs and seeds,
// and best dev and test F1 as mean ± sample sd, with a column for each
// view besides the main one, as in the runs table.
func SeedsText(groups []runs.SeedGroup) string {
	var b strings.Builder
	width := len("EXPERIMENT")
	for _, g := range groups {
		width = max(width, len(g.Name))
	}
	cell := func(s runs.Spread) string {
		switch s.N {
		case 0:
			return "-"
		case 1:
			return metrics.Percent(s.Mean)
		}
		return metrics.Percent(s.Mean) + " ± " + metrics.Percent(s.SD)
	}
	var others []string
	for _, g := range groups {
		for _, t := range g.Tests[min(1, len(g.Tests)):] {
			if !slices.Contains(others, t.View) {
				others = append(others, t.View)
			}
		}
	}
	otherSpread := func(g runs.SeedGroup, view string) runs.Spread {
		for _, t := range g.Tests[min(1, len(g.Tests)):] {
			if t.View == view {
				return t.Spread
			}
		}
		return runs.Spread{}
	}
	var head strings.Builder
	for _, v := range others {
		head.WriteString("  " + padLeft("TEST "+viewLabel(v), 15))
	}
	fmt.Fprintf(&b, "%-*s  %4s  %-12s  %15s  %15s%s\n", width, "EXPERIMENT", "RUNS", "SEEDS", "BEST DEV", "TEST", head.String())
	for _, g := range groups {
		seeds := make([]string, len(g.Seeds))
		for i, s := range g.Seeds {
			seeds[i] = fmt.Sprint(s)
		}
		fmt.Fprintf(&b, "%-*s  %4d  %-12s  %15s  %15s", width, g.Name, len(g.Runs), strings.Join(seeds, ","), padLeft(cell(g.Dev), 15), padLeft(cell(g.Test()), 15))
		for _, v := range others {
			b.WriteString("  " + padLeft(cell(otherSpread(g, v)), 15))
		}
		if g.Unfinished > 0 {
			fmt.Fprintf(&b, "  (%d unfinished, left out)", g.Unfinished)
		}
		b.WriteByte('\n')
	}
	b.WriteString("F1 as mean ± sample standard deviation over the finished runs\n")
	return b.String()
}
