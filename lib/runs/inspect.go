package runs

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// RunInfo summarises a run folder for the runs table.
type RunInfo struct {
	Dir       string  `json:"dir"`
	Status    string  `json:"status"` // finished, running (a process trains it now), interrupted, or started (no checkpoint yet)
	Epochs    int     `json:"epochs"` // epochs with a training record
	BestEpoch int     `json:"best_epoch,omitempty"`
	BestDevF1 float64 `json:"best_dev_f1"` // NaN (null in JSON) when no dev score was logged
	// Tests holds the final test F1 of every view the run evaluated, its
	// main view first; empty when the run has no test score.
	Tests    []ViewScore `json:"tests,omitempty"`
	Stopped  string      `json:"stopped,omitempty"`
	Modified time.Time   `json:"modified"`
}

// ViewScore is a test F1 on one view.
type ViewScore struct {
	View string  `json:"view"`
	F1   float64 `json:"f1"`
}

// TestF1 is the run's test F1 on its main view, NaN when it has none.
func (r RunInfo) TestF1() float64 {
	if len(r.Tests) == 0 {
		return math.NaN()
	}
	return r.Tests[0].F1
}

// ViewTestF1 is the run's test F1 on view, NaN when it has none.
func (r RunInfo) ViewTestF1(view string) float64 {
	for _, t := range r.Tests {
		if t.View == view {
			return t.F1
		}
	}
	return math.NaN()
}

// MarshalJSON writes missing scores as null, and the main view's test F1
// as test_f1 beside the per-view list (scripts read test_f1).
func (r RunInfo) MarshalJSON() ([]byte, error) {
	type plain RunInfo
	out := struct {
		plain
		BestDevF1 *float64 `json:"best_dev_f1"`
		TestF1    *float64 `json:"test_f1"`
	}{plain: plain(r)}
	if !math.IsNaN(r.BestDevF1) {
		out.BestDevF1 = &r.BestDevF1
	}
	if f1 := r.TestF1(); !math.IsNaN(f1) {
		out.TestF1 = &f1
	}
	return json.Marshal(out)
}

// LooksLikeRun reports whether dir holds one of the files a run writes
// first: a quick test for listing folders, which does not prove that
// nerlab made it (see Marked).
func LooksLikeRun(dir string) bool {
	for _, f := range []string{MetricsFile, ConfigCopy, LossFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// Inspect reads a run folder's progress and results.
func Inspect(dir string) (RunInfo, error) {
	info := RunInfo{Dir: dir, BestDevF1: math.NaN()}
	if !LooksLikeRun(dir) {
		return info, fmt.Errorf("%s: not a run folder (no %s, %s or %s)", dir, MetricsFile, ConfigCopy, LossFile)
	}
	for _, f := range []string{MetricsFile, LossFile, ConfigCopy} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.ModTime().After(info.Modified) {
			info.Modified = st.ModTime()
		}
	}
	if r, err := ReadRun(dir); err == nil {
		info.Epochs = len(r.Epochs)
		view := r.MainView()
		if i, ok := r.BestDev(view); ok {
			info.BestEpoch = r.Epochs[i]
			info.BestDevF1 = r.Series("dev", view).F1[i]
		}
	}
	info.Status = Status(dir)
	res, err := ReadResults(dir)
	switch {
	case err == nil:
		info.Stopped = res.Stopped
		for _, v := range res.Views {
			info.Tests = append(info.Tests, ViewScore{v.View, v.Test.Micro.F1})
		}
	case !os.IsNotExist(err):
		return info, err
	}
	return info, nil
}

// List returns the run folders directly under root plus extra ones (a
// session's), newest first. A missing root is no error.
func List(root string, extra []string) ([]RunInfo, error) {
	dirs, err := Dirs(root, extra)
	if err != nil {
		return nil, err
	}
	var out []RunInfo
	for _, d := range dirs {
		info, err := Inspect(d)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Modified.After(out[j].Modified) })
	return out, nil
}

// Dirs lists the run folders under root and the extra ones, once each,
// by the files they hold alone (nothing is read).
func Dirs(root string, extra []string) ([]string, error) {
	seen := map[string]bool{}
	var dirs []string
	add := func(d string) {
		key := d
		if abs, err := filepath.Abs(d); err == nil {
			key = abs
		}
		if !seen[key] && LooksLikeRun(d) {
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

// Status is a run's status from its files and its lock alone (no metrics
// read): finished, running, interrupted or started.
func Status(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, ResultsFile)); err == nil {
		return "finished"
	}
	if _, ok := Running(dir); ok {
		return "running"
	}
	if _, err := os.Stat(filepath.Join(dir, CheckpointsDir, "latest")); err == nil {
		return "interrupted"
	}
	// Killed before its first checkpoint: nobody trains it, and resume
	// starts it over. ("started" said it was under way.)
	if _, err := os.Stat(filepath.Join(dir, LogFile)); err == nil {
		return "interrupted"
	}
	return "started"
}

// OtherViews returns the views that some run scored on test besides its
// main one, in the order they first appear: the runs table gives each a
// column after the main view's.
func OtherViews(runs []RunInfo) []string {
	var views []string
	seen := map[string]bool{}
	for _, r := range runs {
		for _, t := range r.Tests[min(1, len(r.Tests)):] {
			if !seen[t.View] {
				seen[t.View] = true
				views = append(views, t.View)
			}
		}
	}
	return views
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

// ViewSpread is the spread of the test F1 on one view.
type ViewSpread struct {
	View string `json:"view"`
	Spread
}

// SeedGroup is a set of runs whose experiments differ only in train.seed:
// one recipe tried with several seeds. Dev summarises the finished runs'
// best dev F1; Tests their test F1 on each view, the main view first.
type SeedGroup struct {
	Name       string       `json:"name"`
	Runs       []RunInfo    `json:"runs"`
	Seeds      []int64      `json:"seeds"`
	Unfinished int          `json:"unfinished"` // runs left out of Dev and Tests
	Dev        Spread       `json:"best_dev_f1"`
	Tests      []ViewSpread `json:"tests"`
}

// Test is the spread of the main view's test F1 (N is 0 when no run
// finished).
func (g SeedGroup) Test() Spread {
	if len(g.Tests) == 0 {
		return Spread{}
	}
	return g.Tests[0].Spread
}

// ViewTest is the spread of the test F1 on view (N is 0 when no finished
// run scored it).
func (g SeedGroup) ViewTest(view string) Spread {
	for _, t := range g.Tests {
		if t.View == view {
			return t.Spread
		}
	}
	return Spread{}
}

// MarshalJSON adds the main view's test spread as test_f1, as RunInfo
// does.
func (g SeedGroup) MarshalJSON() ([]byte, error) {
	type plain SeedGroup
	return json.Marshal(struct {
		plain
		Test Spread `json:"test_f1"`
	}{plain(g), g.Test()})
}

// GroupBySeed groups runs by their experiment (the run's config.yaml with
// train.seed cleared), in the order each group's first run appears.
func GroupBySeed(runs []RunInfo) ([]SeedGroup, error) {
	var groups []SeedGroup
	index := map[string]int{}
	for _, r := range runs {
		key, seed, err := seedKey(filepath.Join(r.Dir, ConfigCopy))
		if err != nil {
			return nil, err
		}
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, SeedGroup{})
		}
		g := &groups[i]
		g.Runs = append(g.Runs, r)
		g.Seeds = append(g.Seeds, seed)
	}
	for i := range groups {
		summarise(&groups[i])
	}
	return groups, nil
}

// seedKey reads a run's copy of its experiment: its train.seed, and the
// rest as a key that two runs share when their experiments differ only in
// the seed. The copy is read as plain YAML, not through lib/config: this
// package sits below the tagger, which finds its model in a run folder
// through these names and may not depend on the experiment schema. The copy
// is what training marshalled from the resolved experiment, every key
// written, so no defaults need filling in; decoding it to maps and
// encoding it again sorts the keys and drops the comments (the head
// comment names the file the experiment was read from, which may differ
// between the seeds' runs).
func seedKey(path string) (key string, seed int64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	defer func() {
		// yaml.v3 has panicked on malformed input; a damaged copy must not
		// take the runs table down with it.
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: unreadable YAML (%v)", path, p)
		}
	}()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	train, _ := doc["train"].(map[string]any)
	s, ok := train["seed"].(int)
	if !ok {
		return "", 0, fmt.Errorf("%s: no whole-number train.seed; expected the copy of the experiment that training writes", path)
	}
	delete(train, "seed")
	out, err := yaml.Marshal(doc)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	return string(out), int64(s), nil
}

// summarise orders a group's runs by seed and fills in its name and
// spreads.
func summarise(g *SeedGroup) {
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
	var dev []float64
	var views []string
	tests := map[string][]float64{}
	var names []string
	for _, r := range g.Runs {
		names = append(names, filepath.Base(r.Dir))
		if r.Status != "finished" || math.IsNaN(r.TestF1()) {
			g.Unfinished++
			continue
		}
		if !math.IsNaN(r.BestDevF1) {
			dev = append(dev, r.BestDevF1)
		}
		for _, t := range r.Tests {
			if math.IsNaN(t.F1) {
				continue
			}
			if _, ok := tests[t.View]; !ok {
				views = append(views, t.View)
			}
			tests[t.View] = append(tests[t.View], t.F1)
		}
	}
	g.Dev = spreadOf(dev)
	for _, v := range views {
		g.Tests = append(g.Tests, ViewSpread{v, spreadOf(tests[v])})
	}
	g.Name = groupName(names)
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
