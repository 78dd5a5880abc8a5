package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/plots"
)

// RunInfo summarises a run folder for the `runs` table.
type RunInfo struct {
	Dir       string  `json:"dir"`
	Status    string  `json:"status"` // finished, running (a process trains it now), interrupted, or started (no checkpoint yet)
	Epochs    int     `json:"epochs"` // epochs with a training record
	BestEpoch int     `json:"best_epoch,omitempty"`
	BestDevF1 float64 `json:"best_dev_f1"` // NaN (null in JSON) when no dev score was logged
	TestF1    float64 `json:"test_f1"`     // the final test score; NaN when none
	// TestContextF1 is a two-view run's test score on the context view;
	// NaN for other runs.
	TestContextF1 float64   `json:"test_context_f1"`
	Stopped       string    `json:"stopped,omitempty"`
	Modified      time.Time `json:"modified"`
}

// MarshalJSON writes missing scores as null.
func (r RunInfo) MarshalJSON() ([]byte, error) {
	type plain RunInfo
	out := struct {
		plain
		BestDevF1     *float64 `json:"best_dev_f1"`
		TestF1        *float64 `json:"test_f1"`
		TestContextF1 *float64 `json:"test_context_f1,omitempty"`
	}{plain: plain(r)}
	if !math.IsNaN(r.TestContextF1) {
		out.TestContextF1 = &r.TestContextF1
	}
	if !math.IsNaN(r.BestDevF1) {
		out.BestDevF1 = &r.BestDevF1
	}
	if !math.IsNaN(r.TestF1) {
		out.TestF1 = &r.TestF1
	}
	return json.Marshal(out)
}

// isRunDir reports whether dir looks like a run folder.
func isRunDir(dir string) bool {
	for _, f := range []string{train.MetricsFile, train.ConfigCopy, train.LossFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// InspectRun reads a run folder's progress and results.
func InspectRun(dir string) (RunInfo, error) {
	info := RunInfo{Dir: dir, BestDevF1: math.NaN(), TestF1: math.NaN(), TestContextF1: math.NaN()}
	if !isRunDir(dir) {
		return info, fmt.Errorf("%s: not a run folder (no %s, %s or %s)", dir, train.MetricsFile, train.ConfigCopy, train.LossFile)
	}
	for _, f := range []string{train.MetricsFile, train.LossFile, train.ConfigCopy} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.ModTime().After(info.Modified) {
			info.Modified = st.ModTime()
		}
	}
	if r, err := plots.ReadRun(dir); err == nil {
		info.Epochs = len(r.Epochs)
		view := r.MainView()
		if i, ok := r.BestDev(view); ok {
			info.BestEpoch = r.Epochs[i]
			info.BestDevF1 = r.Series("dev", view).F1[i]
		}
	}
	info.Status = runStatus(dir)
	res, err := train.ReadResults(dir)
	switch {
	case err == nil:
		info.Stopped = res.Stopped
		if res.Test != nil {
			info.TestF1 = res.Test.Micro.F1
		}
		if res.TestContext != nil {
			info.TestContextF1 = res.TestContext.Micro.F1
		}
	case !os.IsNotExist(err):
		return info, err
	}
	return info, nil
}

// ListRuns returns the run folders directly under root plus extra ones (the
// session's), newest first. A missing root is no error.
func ListRuns(root string, extra []string) ([]RunInfo, error) {
	dirs, err := runDirs(root, extra)
	if err != nil {
		return nil, err
	}
	var out []RunInfo
	for _, d := range dirs {
		info, err := InspectRun(d)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Modified.After(out[j].Modified) })
	return out, nil
}

// runDirs lists the run folders under root and the extra ones, once each.
func runDirs(root string, extra []string) ([]string, error) {
	seen := map[string]bool{}
	var dirs []string
	add := func(d string) {
		key := d
		if abs, err := filepath.Abs(d); err == nil {
			key = abs
		}
		if !seen[key] && isRunDir(d) {
			seen[key] = true
			dirs = append(dirs, d)
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			add(filepath.Join(root, e.Name()))
		}
	}
	for _, d := range extra {
		add(d)
	}
	return dirs, nil
}

// runStatus is a run's status from its files alone (no metrics read).
func runStatus(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, train.ResultsFile)); err == nil {
		return "finished"
	}
	if _, ok := train.Running(dir); ok {
		return "running"
	}
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointsDir, "latest")); err == nil {
		return "interrupted"
	}
	// Killed before its first checkpoint: nobody trains it, and resume
	// starts it over. ("started" said it was under way.)
	if _, err := os.Stat(filepath.Join(dir, train.LogFile)); err == nil {
		return "interrupted"
	}
	return "started"
}

// anyTwoView reports whether a run has context-view test scores.
func anyTwoView(runs []RunInfo) bool {
	for _, r := range runs {
		if !math.IsNaN(r.TestContextF1) {
			return true
		}
	}
	return false
}

// writeRunsTable prints runs as an aligned table; its hints name commands
// as f spells them.
func writeRunsTable(w io.Writer, runs []RunInfo, root string, f Frontend) {
	if len(runs) == 0 {
		fmt.Fprintf(w, "no runs under %s; train one with %s\n", root, f.Command("train CONFIG"))
		return
	}
	width := len("RUN")
	for _, r := range runs {
		width = max(width, len(r.Dir))
	}
	// Two-view runs add their context view's test F1 (TEST is the plain view's).
	ctxHead, ctxCell := "", func(RunInfo) string { return "" }
	if anyTwoView(runs) {
		ctxHead = fmt.Sprintf("  %8s", "TEST CTX")
		ctxCell = func(r RunInfo) string { return fmt.Sprintf("  %8s", metrics.Percent(r.TestContextF1)) }
	}
	fmt.Fprintf(w, "%-*s  %-11s  %6s  %10s  %7s%s  %s\n", width, "RUN", "STATUS", "EPOCHS", "BEST DEV", "TEST", ctxHead, "MODIFIED")
	for _, r := range runs {
		best := metrics.Percent(r.BestDevF1)
		if r.BestEpoch > 0 {
			best += fmt.Sprintf(" @%d", r.BestEpoch)
		}
		fmt.Fprintf(w, "%-*s  %-11s  %6d  %10s  %7s%s  %s\n", width, r.Dir, r.Status, r.Epochs, best, metrics.Percent(r.TestF1), ctxCell(r), r.Modified.Local().Format("2006-01-02 15:04"))
	}
	for _, r := range runs {
		if r.Status == "interrupted" {
			fmt.Fprintf(w, "\ncontinue an interrupted run with %s\n", f.Command("resume "+r.Dir))
			break
		}
	}
}

// runCandidates lists known run folders for completion. It runs on every
// key press, so it only looks at which files exist (ListRuns reads every
// run's metrics).
func runCandidates(s *Session) []Candidate {
	dirs, _ := runDirs(s.runsDir(), s.runs)
	out := make([]Candidate, 0, len(dirs))
	for _, d := range dirs {
		out = append(out, Candidate{Text: d, Description: "run: " + runStatus(d)})
	}
	return out
}

// Spread is the mean and sample standard deviation of N scores.
type Spread struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"` // 0 when N < 2
	N    int     `json:"n"`
}

func spreadOf(xs []float64) Spread {
	s := Spread{N: len(xs)}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	if s.N > 1 {
		ss := 0.0
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SD = math.Sqrt(ss / float64(s.N-1))
	}
	return s
}

// SeedGroup is a set of runs whose experiments differ only in train.seed:
// one recipe tried with several seeds. Dev and Test summarise the finished
// runs' best dev F1 and test F1; TestContext their context view's test F1
// (two-view runs; N is 0 otherwise).
type SeedGroup struct {
	Name        string    `json:"name"`
	Runs        []RunInfo `json:"runs"`
	Seeds       []int64   `json:"seeds"`
	Unfinished  int       `json:"unfinished"` // runs left out of Dev and Test
	Dev         Spread    `json:"best_dev_f1"`
	Test        Spread    `json:"test_f1"`
	TestContext Spread    `json:"test_context_f1"`
}

// GroupBySeed groups runs by their experiment (the run's config.yaml with
// train.seed cleared), in the order each group's first run appears.
func GroupBySeed(runs []RunInfo) ([]SeedGroup, error) {
	var groups []SeedGroup
	index := map[string]int{}
	for _, r := range runs {
		e, err := config.Load(filepath.Join(r.Dir, train.ConfigCopy))
		if err != nil {
			return nil, err
		}
		seed := e.Train.Seed
		e.Train.Seed, e.Path = 0, "" // the copy's own path differs from run to run
		key, err := e.Marshal()
		if err != nil {
			return nil, err
		}
		i, ok := index[string(key)]
		if !ok {
			i = len(groups)
			index[string(key)] = i
			groups = append(groups, SeedGroup{})
		}
		g := &groups[i]
		g.Runs = append(g.Runs, r)
		g.Seeds = append(g.Seeds, seed)
	}
	for i := range groups {
		g := &groups[i]
		order := make([]int, len(g.Runs))
		for k := range order {
			order[k] = k
		}
		sort.SliceStable(order, func(a, b int) bool { return g.Seeds[order[a]] < g.Seeds[order[b]] })
		runs, seeds := make([]RunInfo, len(order)), make([]int64, len(order))
		for k, o := range order {
			runs[k], seeds[k] = g.Runs[o], g.Seeds[o]
		}
		g.Runs, g.Seeds = runs, seeds
		var dev, test, testCtx []float64
		var names []string
		for _, r := range g.Runs {
			names = append(names, filepath.Base(r.Dir))
			if r.Status != "finished" || math.IsNaN(r.TestF1) {
				g.Unfinished++
				continue
			}
			if !math.IsNaN(r.BestDevF1) {
				dev = append(dev, r.BestDevF1)
			}
			test = append(test, r.TestF1)
			if !math.IsNaN(r.TestContextF1) {
				testCtx = append(testCtx, r.TestContextF1)
			}
		}
		g.Dev, g.Test, g.TestContext = spreadOf(dev), spreadOf(test), spreadOf(testCtx)
		g.Name = groupName(names)
	}
	return groups, nil
}

// groupName names a group by what its run folders' names share
// ("context-s1", "context-s2" → "context"), or by its first run.
func groupName(names []string) string {
	prefix := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if len(names) > 1 {
		prefix = strings.TrimRight(prefix, "-_.")
		if p, ok := strings.CutSuffix(prefix, "-s"); ok {
			prefix = p
		} else if p, ok := strings.CutSuffix(prefix, "-seed"); ok {
			prefix = p
		}
	}
	if prefix == "" {
		return names[0] + " …"
	}
	return prefix
}

// padLeft right-aligns s in n characters (fmt pads by bytes, and ± is two).
func padLeft(s string, n int) string {
	return strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s))) + s
}

// writeSeedTable prints seed groups as an aligned table of mean ± sd.
func writeSeedTable(w io.Writer, groups []SeedGroup) {
	width := len("EXPERIMENT")
	for _, g := range groups {
		width = max(width, len(g.Name))
	}
	cell := func(s Spread) string {
		switch s.N {
		case 0:
			return "-"
		case 1:
			return metrics.Percent(s.Mean)
		}
		return metrics.Percent(s.Mean) + " ± " + metrics.Percent(s.SD)
	}
	// Two-view groups add their context view's test F1 (TEST is the plain view's).
	ctxHead, ctxCell := "", func(SeedGroup) string { return "" }
	for _, g := range groups {
		if g.TestContext.N > 0 {
			ctxHead = "  " + padLeft("TEST CTX", 15)
			ctxCell = func(g SeedGroup) string { return "  " + padLeft(cell(g.TestContext), 15) }
			break
		}
	}
	fmt.Fprintf(w, "%-*s  %4s  %-12s  %15s  %15s%s\n", width, "EXPERIMENT", "RUNS", "SEEDS", "BEST DEV", "TEST", ctxHead)
	for _, g := range groups {
		seeds := make([]string, len(g.Seeds))
		for i, s := range g.Seeds {
			seeds[i] = fmt.Sprint(s)
		}
		fmt.Fprintf(w, "%-*s  %4d  %-12s  %15s  %15s%s", width, g.Name, len(g.Runs), strings.Join(seeds, ","), padLeft(cell(g.Dev), 15), padLeft(cell(g.Test), 15), ctxCell(g))
		if g.Unfinished > 0 {
			fmt.Fprintf(w, "  (%d unfinished, left out)", g.Unfinished)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "F1 as mean ± sample standard deviation over the finished runs")
}
