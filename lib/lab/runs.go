package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/plots"
)

// RunInfo summarises a run folder for the `runs` table.
type RunInfo struct {
	Dir       string    `json:"dir"`
	Status    string    `json:"status"` // finished, interrupted, or started (no checkpoint yet)
	Epochs    int       `json:"epochs"` // epochs with a training record
	BestEpoch int       `json:"best_epoch,omitempty"`
	BestDevF1 float64   `json:"best_dev_f1"` // NaN (null in JSON) when no dev score was logged
	TestF1    float64   `json:"test_f1"`     // the final test score; NaN when none
	Stopped   string    `json:"stopped,omitempty"`
	Modified  time.Time `json:"modified"`
}

// MarshalJSON writes missing scores as null.
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
	info := RunInfo{Dir: dir, BestDevF1: math.NaN(), TestF1: math.NaN()}
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
	if data, err := os.ReadFile(filepath.Join(dir, train.ResultsFile)); err == nil {
		var res struct {
			Epochs    int     `json:"epochs"`
			BestEpoch int     `json:"best_epoch"`
			BestDevF1 float64 `json:"best_dev_f1"`
			Stopped   string  `json:"stopped"`
			Test      *struct {
				F1 float64 `json:"f1"`
			} `json:"test"`
		}
		if err := json.Unmarshal(data, &res); err != nil {
			return info, fmt.Errorf("%s: %v", filepath.Join(dir, train.ResultsFile), err)
		}
		info.Stopped = res.Stopped
		if res.Test != nil {
			info.TestF1 = res.Test.F1
		}
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
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointsDir, "latest")); err == nil {
		return "interrupted"
	}
	return "started"
}

// writeRunsTable prints runs as an aligned table.
func writeRunsTable(w io.Writer, runs []RunInfo, root string) {
	if len(runs) == 0 {
		fmt.Fprintf(w, "no runs under %s; train one with `train CONFIG`\n", root)
		return
	}
	pct := func(f float64) string {
		if math.IsNaN(f) {
			return "-"
		}
		return fmt.Sprintf("%.2f", 100*f)
	}
	width := len("RUN")
	for _, r := range runs {
		width = max(width, len(r.Dir))
	}
	fmt.Fprintf(w, "%-*s  %-11s  %6s  %10s  %7s  %s\n", width, "RUN", "STATUS", "EPOCHS", "BEST DEV", "TEST", "MODIFIED")
	for _, r := range runs {
		best := pct(r.BestDevF1)
		if r.BestEpoch > 0 {
			best += fmt.Sprintf(" @%d", r.BestEpoch)
		}
		fmt.Fprintf(w, "%-*s  %-11s  %6d  %10s  %7s  %s\n", width, r.Dir, r.Status, r.Epochs, best, pct(r.TestF1), r.Modified.Local().Format("2006-01-02 15:04"))
	}
	for _, r := range runs {
		if r.Status == "interrupted" {
			fmt.Fprintf(w, "\ncontinue an interrupted run with `resume %s`\n", r.Dir)
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
