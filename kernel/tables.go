package main

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/lab"
)

// table is a small table a cell's value renders as: HTML for the notebook,
// aligned text as the text/plain fallback.
type table struct {
	caption string
	header  []string
	rows    [][]string
}

func (t table) bundle() map[string]any {
	return map[string]any{"text/html": t.html(), "text/plain": t.text()}
}

func (t table) html() string {
	var b strings.Builder
	b.WriteString(`<table class="nerlab-table">`)
	if t.caption != "" {
		fmt.Fprintf(&b, "<caption>%s</caption>", html.EscapeString(t.caption))
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
	if t.header != nil {
		row(t.header, "th")
	}
	for _, r := range t.rows {
		row(r, "td")
	}
	b.WriteString("</table>")
	return b.String()
}

func (t table) text() string {
	all := t.rows
	if t.header != nil {
		all = append([][]string{t.header}, all...)
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
	if t.caption != "" {
		b.WriteString(t.caption + "\n")
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

// numeric reports a cell that is a number: numbers are right-aligned, so
// their digits line up; text is left-aligned.
func numeric(c string) bool {
	_, err := strconv.ParseFloat(c, 64)
	return err == nil
}

// statsTable shows corpus statistics as `nerlab stats` counts them.
func statsTable(st corpus.Stats) table {
	n := func(v int) string { return fmt.Sprint(v) }
	t := table{caption: "corpus statistics", rows: [][]string{
		{"sentences", n(st.Sentences)}, {"tokens", n(st.Tokens)}, {"documents", n(st.Documents)},
		{"longest sentence (tokens)", n(st.MaxLength)}, {"tag scheme", st.Scheme},
	}}
	if st.ContextSentences > 0 {
		t.rows = append(t.rows, []string{"sentences with context", n(st.ContextSentences)}, []string{"context tokens", n(st.ContextTokens)})
	}
	total := 0
	for _, c := range st.Entities {
		total += c
	}
	t.rows = append(t.rows, []string{"entities", n(total)})
	types := make([]string, 0, len(st.Entities))
	for typ := range st.Entities {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		t.rows = append(t.rows, []string{"  " + typ, n(st.Entities[typ])})
	}
	return t
}

// datasetTable shows a loaded dataset's splits side by side.
func datasetTable(d *lab.Dataset) table {
	t := table{caption: "dataset " + d.Name + " (" + d.Path + ")", header: []string{"split", "sentences", "tokens", "entities", "file"}}
	for _, sp := range d.Splits {
		st := sp.Corpus.Stats()
		ents := 0
		for _, c := range st.Entities {
			ents += c
		}
		t.rows = append(t.rows, []string{sp.Name, fmt.Sprint(st.Sentences), fmt.Sprint(st.Tokens), fmt.Sprint(ents), sp.Path})
	}
	return t
}

// modelTable shows a session's model: its name, where it lives and its
// saved weights.
func modelTable(m *lab.Model) table {
	t := table{caption: "model " + m.Name, rows: [][]string{{"path", m.Path}, {"model folder", m.Dir()}}}
	weights := filepath.Join(m.Dir(), "model.safetensors")
	if st, err := os.Stat(weights); err == nil {
		t.rows = append(t.rows, []string{"weights", fmt.Sprintf("%.1f MB, saved %s", float64(st.Size())/1e6, st.ModTime().Format("2006-01-02 15:04:05"))})
	} else {
		t.rows = append(t.rows, []string{"weights", "none saved yet"})
	}
	return t
}
