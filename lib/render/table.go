package render

import (
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
)

// Table is a small table of facts: HTML for a notebook, aligned text
// elsewhere. Cells that are numbers are right-aligned, so that their
// digits line up; others are left-aligned.
type Table struct {
	Caption string
	Header  []string // nil for a table of name–value rows
	Rows    [][]string
}

// HTML renders the table with the class nerlab-table.
func (t Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="nerlab-table">`)
	if t.Caption != "" {
		fmt.Fprintf(&b, "<caption>%s</caption>", html.EscapeString(t.Caption))
	}
	row := func(cells []string, tag string) {
		b.WriteString("<tr>")
		for i, c := range cells {
			align := ""
			if i > 0 && numeric(c) {
				align = ` style="text-align:right"`
			}
			fmt.Fprintf(&b, "<%s%s>%s</%s>", tag, align, html.EscapeString(c), tag)
		}
		b.WriteString("</tr>")
	}
	if t.Header != nil {
		row(t.Header, "th")
	}
	for _, r := range t.Rows {
		row(r, "td")
	}
	b.WriteString("</table>")
	return b.String()
}

// String renders the table as aligned text, its caption on the first line.
func (t Table) String() string {
	all := t.Rows
	if t.Header != nil {
		all = append([][]string{t.Header}, all...)
	}
	var widths []int
	for _, r := range all {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	if t.Caption != "" {
		b.WriteString(t.Caption + "\n")
	}
	for _, r := range all {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			switch {
			case i == 0:
				line.WriteString(c + pad)
			case numeric(c):
				line.WriteString("  " + pad + c)
			default:
				line.WriteString("  " + c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// numeric reports a cell that is a number.
func numeric(c string) bool {
	_, err := strconv.ParseFloat(c, 64)
	return err == nil
}

// StatsTable shows corpus statistics as `nerlab stats` counts them.
func StatsTable(st corpus.Stats) Table {
	n := func(v int) string { return fmt.Sprint(v) }
	t := Table{Caption: "corpus statistics", Rows: [][]string{
		{"sentences", n(st.Sentences)}, {"tokens", n(st.Tokens)}, {"documents", n(st.Documents)},
		{"longest sentence (tokens)", n(st.MaxLength)}, {"tag scheme", st.Scheme},
	}}
	if st.ContextSentences > 0 {
		t.Rows = append(t.Rows, []string{"sentences with context", n(st.ContextSentences)}, []string{"context tokens", n(st.ContextTokens)})
	}
	total := 0
	for _, c := range st.Entities {
		total += c
	}
	t.Rows = append(t.Rows, []string{"entities", n(total)})
	types := make([]string, 0, len(st.Entities))
	for typ := range st.Entities {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		t.Rows = append(t.Rows, []string{"  " + typ, n(st.Entities[typ])})
	}
	return t
}
