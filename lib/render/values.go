package render

import (
	"fmt"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/runs"
)

// HTMLer is a value that shows itself in a notebook: HTML for the page,
// and, where HTML cannot be shown, the text fmt prints for it (its String
// method, when it has one). An empty HTML leaves the text to show alone.
// nerlab's result types implement it (analysis results, tables, the
// command layer's models and datasets); Of adapts those of the packages
// that stay free of presentation.
type HTMLer interface {
	HTML() string
}

// Of returns v as an HTMLer: v itself when it is one, or one of this
// package's adapters for predictions, score reports, corpus statistics,
// context views and runs (values or pointers). ok is false for any other
// value.
func Of(v any) (h HTMLer, ok bool) {
	switch x := v.(type) {
	case HTMLer:
		return x, true
	case *corpus.Prediction:
		return (*Prediction)(x), true
	case []*corpus.Prediction:
		return Predictions(x), true
	case metrics.Report:
		return Report(x), true
	case *metrics.Report:
		return Report(*x), true
	case corpus.Stats:
		return StatsTable(x), true
	case *corpus.Stats:
		return StatsTable(*x), true
	case retrieve.ContextView:
		return Context(x), true
	case *retrieve.ContextView:
		return Context(*x), true
	case []runs.RunInfo:
		return Runs(x), true
	}
	return nil, false
}

// Prediction shows a tagger's prediction with its entities marked.
type Prediction corpus.Prediction

// HTML marks the entities in their types' colours.
func (p *Prediction) HTML() string { return PredictionHTML((*corpus.Prediction)(p)) }

// String brackets the entities: [Paris]LOC.
func (p *Prediction) String() string { return Highlight((*corpus.Prediction)(p), false) }

// Predictions shows predictions one under the other, the first
// MaxPredictions of them.
type Predictions []*corpus.Prediction

// MaxPredictions bounds how many predictions Predictions shows: a notebook
// page of thousands of marked sentences helps nobody and slows the page.
const MaxPredictions = 50

// HTML shows each prediction as Prediction does, then how many were left out.
func (ps Predictions) HTML() string {
	var b strings.Builder
	for i, p := range ps {
		if i == MaxPredictions {
			fmt.Fprintf(&b, "<p>… and %d more</p>", len(ps)-i)
			break
		}
		b.WriteString(PredictionHTML(p))
	}
	return b.String()
}

// String shows a prediction a line.
func (ps Predictions) String() string {
	var b strings.Builder
	for _, p := range ps[:min(len(ps), MaxPredictions)] {
		b.WriteString(Highlight(p, false) + "\n")
	}
	return b.String()
}

// Report shows a score report as a table, and as conlleval's text.
type Report metrics.Report

// HTML is the per-type table.
func (r Report) HTML() string { return ReportHTML(metrics.Report(r)) }

// String is conlleval's text.
func (r Report) String() string { return ReportText(metrics.Report(r)) }

// Context shows a sentence of a context view with its passages.
type Context retrieve.ContextView

// HTML marks the sentence's entities and highlights its words in the passages.
func (c Context) HTML() string { return ContextHTML(retrieve.ContextView(c)) }

// String is ContextText without colour.
func (c Context) String() string { return ContextText(retrieve.ContextView(c), false) }

// Runs shows the runs table.
type Runs []runs.RunInfo

// HTML is the runs table, or nothing for no runs.
func (r Runs) HTML() string {
	if len(r) == 0 {
		return "" // "no runs" says it all
	}
	return RunsHTML(r)
}

// String is the aligned runs table (its hints spelt for a shell).
func (r Runs) String() string {
	if len(r) == 0 {
		return "no runs"
	}
	return RunsText(r, "")
}
