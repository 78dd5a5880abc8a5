package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"

	"github.com/nerlab/nerlab/lib/runs"
)

// manyTypes is the number of entity types above which the bars lie down,
// so that the type names do not overlap.
const manyTypes = 8

// PerTypeF1 charts F1 per entity type as grouped bars, dev beside test, at
// the main view's best dev epoch (the model a trainer keeps). Without a
// dev F1 it uses the last epoch that has per-type scores. A run that
// evaluated several views (cooperative learning scores the plain and the
// context view every epoch) gets a bar per split and view, the other
// views' bars in a lighter shade of their split's colour. Types are
// ordered by dev support, most frequent first, and each tick label gives
// the support (gold spans) in dev and test.
func PerTypeF1(r *runs.Run) (*plot.Plot, error) {
	t, err := perTypeTable(r)
	if err != nil {
		return nil, err
	}
	title := fmt.Sprintf("F1 per type, %s epoch %d", t.why, r.Epochs[t.index])
	if len(r.Views()) > 1 {
		title = fmt.Sprintf("F1 per type, %s view's %s epoch %d", t.view, t.why, r.Epochs[t.index])
	}
	// A few types stand side by side; many are listed down the y axis,
	// where their names and counts have room to be read.
	horizontal := len(t.types) > manyTypes
	typeAxis := "entity type (gold spans: " + splitNames(t.splits) + ")"
	p := newPlot(title, typeAxis, "F1 (%)")
	bars := &groupedBars{groups: t.groups, n: len(t.types), horizontal: horizontal,
		valueStyle: text.Style{Color: color.Black, Font: sans(noteSize), Handler: p.TextHandler}}
	p.Add(bars)
	for _, g := range t.groups {
		p.Legend.Add(g.name, swatch{g.color})
	}
	p.Legend.Top, p.Legend.Left = true, false
	// F1 stays within 0..100; the headroom beyond it holds the legend
	// and the values written at the ends of the longest bars.
	scoreAxis, nameAxis := &p.Y, &p.X
	if horizontal {
		scoreAxis, nameAxis = &p.X, &p.Y
		p.X.Label.Text, p.Y.Label.Text = "F1 (%)", typeAxis
	}
	scoreAxis.Min, scoreAxis.Max = 0, 125
	scoreAxis.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 20, Label: "20"},
		{Value: 40, Label: "40"}, {Value: 60, Label: "60"}, {Value: 80, Label: "80"}, {Value: 100, Label: "100"}}
	nameAxis.Tick.Marker = typeTicks(t.types, t.splits, t.index, bars)
	return p, nil
}

// typeTable is what PerTypeF1 draws: one bar group per split and view,
// one value (F1 in percent, NaN when the split has no score) per type.
type typeTable struct {
	view   string // the view whose epoch is shown
	index  int    // into Run.Epochs
	why    string // how the epoch was chosen: "best dev" or "last"
	types  []string
	splits []*runs.EvalSeries // one per split (the first view's), for the gold counts
	groups []barGroup
}

func perTypeTable(r *runs.Run) (*typeTable, error) {
	if r == nil {
		return nil, errNilRun
	}
	view, i, why := typesEpoch(r)
	if i < 0 {
		why := "no evaluation reported them"
		if r.Source == runs.LossFile {
			why = "loss.tsv keeps none; metrics.jsonl does"
		}
		return nil, fmt.Errorf("per-type F1 of %s: no per-type scores (%s): %w", r.Name(), why, ErrNoData)
	}
	t := &typeTable{view: view, index: i, why: why}
	// Splits in the order of Evals, each with its views in the order of
	// Views: dev (plain), dev (context), test (plain), test (context).
	// Gold spans do not depend on the view, so one series per split
	// gives the counts.
	var series []*runs.EvalSeries
	for _, s := range r.Evals {
		if s.PerType[i] == nil || slices.ContainsFunc(t.splits, func(o *runs.EvalSeries) bool { return o.Split == s.Split }) {
			continue
		}
		t.splits = append(t.splits, s)
		for _, v := range r.Views() {
			if o := r.Series(s.Split, v); o != nil && o.PerType[i] != nil {
				series = append(series, o)
			}
		}
	}
	t.types = sortedTypes(t.splits, i)
	for _, s := range series {
		c := colorOf(s.Split, r)
		if s.View != r.Views()[0] {
			c = lighter(c)
		}
		g := barGroup{name: seriesName(s.Split, s.View, r), color: c, values: make([]float64, len(t.types))}
		for k, typ := range t.types {
			g.values[k] = math.NaN()
			if score, ok := s.PerType[i][typ]; ok {
				g.values[k] = 100 * score.F1
			}
		}
		t.groups = append(t.groups, g)
	}
	return t, nil
}

// typesEpoch picks the view and epoch index PerTypeF1 shows, and says
// which epoch that is; i is -1 when no epoch has per-type scores.
func typesEpoch(r *runs.Run) (view string, i int, why string) {
	if main := r.MainView(); main != "" {
		if best, ok := r.BestDev(main); ok && r.Series("dev", main).PerType[best] != nil {
			return main, best, "best dev"
		}
	}
	for i := len(r.Epochs) - 1; i >= 0; i-- {
		for _, s := range r.Evals {
			if s.PerType[i] != nil {
				return s.View, i, "last"
			}
		}
	}
	return "", -1, ""
}

// sortedTypes lists every type any split scored at epoch index i, most
// gold spans in the first split (dev) first, ties by name.
func sortedTypes(splits []*runs.EvalSeries, i int) []string {
	var types []string
	for _, s := range splits {
		for typ := range s.PerType[i] {
			if !slices.Contains(types, typ) {
				types = append(types, typ)
			}
		}
	}
	support := splits[0].PerType[i]
	slices.SortFunc(types, func(a, b string) int {
		return cmp.Or(cmp.Compare(support[b].Support, support[a].Support), strings.Compare(a, b))
	})
	return types
}

func splitNames(splits []*runs.EvalSeries) string {
	names := make([]string, len(splits))
	for k, s := range splits {
		names[k] = s.Split
	}
	return strings.Join(names, " / ")
}

// typeTicks labels each category with its type name and the gold-span
// counts of each split: on a second line under a vertical bar group, in
// parentheses after the name down a horizontal chart.
func typeTicks(types []string, splits []*runs.EvalSeries, i int, bars *groupedBars) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(types))
	for k, typ := range types {
		counts := make([]string, len(splits))
		for j, s := range splits {
			counts[j] = fmt.Sprint(s.PerType[i][typ].Support)
		}
		label := typ + "\n" + strings.Join(counts, " / ")
		if bars.horizontal {
			label = typ + " (" + strings.Join(counts, " / ") + ")"
		}
		ticks[k] = plot.Tick{Value: bars.slot(k), Label: label}
	}
	return ticks
}
