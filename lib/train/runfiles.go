package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
)

// tsvLayout says which evaluations loss.tsv has columns for: the first
// view's under flair's names, then each further view's as
// DEV_<VIEW>_… (and TEST_<VIEW>_…): DEV_CONTEXT_F1. The names are package
// runs', whose reader parses them back.
type tsvLayout struct {
	test  bool
	views []string
}

func (l tsvLayout) columns() []string {
	cols := slices.Clone(runs.LossColumns)
	// The first view's columns stand even in a layout without views, as
	// flair's header always has DEV_LOSS … DEV_ACCURACY.
	cols = append(cols, runs.EvalColumns("dev", "")...)
	if l.test {
		cols = append(cols, runs.EvalColumns("test", "")...)
	}
	for _, v := range l.views[min(1, len(l.views)):] {
		cols = append(cols, runs.EvalColumns("dev", v)...)
		if l.test {
			cols = append(cols, runs.EvalColumns("test", v)...)
		}
	}
	return cols
}

// evalRow is one evaluation as loss.tsv and metrics.jsonl record it.
type evalRow struct {
	Loss   float64
	Report metrics.Report
}

// viewRows are one view's evaluations in an epoch.
type viewRows struct {
	View      string
	Dev, Test *evalRow
}

// epochRow is everything recorded about one epoch.
type epochRow struct {
	Epoch     int
	Time      time.Time
	BadEpochs int
	LR        float64
	TrainLoss float64
	Seconds   float64
	TokensSec float64
	RSSMB     float64
	PeakRSSMB float64
	// Views are the evaluations of each view, in the run's order.
	Views []viewRows
}

func (r epochRow) tsv(layout tsvLayout) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	cells := []string{strconv.Itoa(r.Epoch), r.Time.Format("15:04:05"), strconv.Itoa(r.BadEpochs),
		strconv.FormatFloat(r.LR, 'g', 6, 64), f(r.TrainLoss)}
	add := func(e *evalRow) {
		if e == nil {
			cells = append(cells, "_", "_", "_", "_", "_")
			return
		}
		cells = append(cells, f(e.Loss), f(e.Report.Micro.Precision), f(e.Report.Micro.Recall), f(e.Report.Micro.F1), f(e.Report.Accuracy))
	}
	for i := range layout.views {
		var v viewRows
		if i < len(r.Views) {
			v = r.Views[i]
		}
		add(v.Dev)
		if layout.test {
			add(v.Test)
		}
	}
	return strings.Join(cells, "\t")
}

// metricsLine is one line of metrics.jsonl.
type metricsLine struct {
	Kind         string          `json:"kind"`
	Epoch        int             `json:"epoch"`
	Split        string          `json:"split,omitempty"`
	View         string          `json:"view,omitempty"`
	Loss         *float64        `json:"loss,omitempty"`
	LR           float64         `json:"lr,omitempty"`
	Seconds      float64         `json:"seconds,omitempty"`
	TokensPerSec float64         `json:"tokens_per_sec,omitempty"`
	RSSMB        float64         `json:"rss_mb,omitempty"`
	PeakRSSMB    float64         `json:"peak_rss_mb,omitempty"`
	Report       *metrics.Report `json:"report,omitempty"`
	Path         string          `json:"path,omitempty"`
	Time         string          `json:"time"`
}

func (r epochRow) jsonl() []metricsLine {
	loss := r.TrainLoss
	stamp := r.Time.UTC().Format(time.RFC3339)
	lines := []metricsLine{{Kind: "train", Epoch: r.Epoch, Loss: &loss, LR: r.LR, Seconds: r.Seconds,
		TokensPerSec: r.TokensSec, RSSMB: r.RSSMB, PeakRSSMB: r.PeakRSSMB, Time: stamp}}
	for _, v := range r.Views {
		for _, e := range []struct {
			split string
			row   *evalRow
		}{{"dev", v.Dev}, {"test", v.Test}} {
			if e.row == nil {
				continue
			}
			l, rep := e.row.Loss, e.row.Report
			lines = append(lines, metricsLine{Kind: "eval", Epoch: r.Epoch, Split: e.split, View: v.View, Loss: &l, Report: &rep, Time: stamp})
		}
	}
	return lines
}

// appendLines appends text to path and syncs it, so a crash loses at most
// the line being written.
func appendLines(path string, text string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeEpoch records an epoch in loss.tsv (with its header when new) and
// metrics.jsonl.
func writeEpoch(dir string, r epochRow, layout tsvLayout) error {
	lossPath := filepath.Join(dir, runs.LossFile)
	if _, err := os.Stat(lossPath); os.IsNotExist(err) {
		if err := appendLines(lossPath, strings.Join(layout.columns(), "\t")+"\n"); err != nil {
			return err
		}
	}
	if err := appendLines(lossPath, r.tsv(layout)+"\n"); err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range r.jsonl() {
		data, err := json.Marshal(l)
		if err != nil {
			return err
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return appendLines(filepath.Join(dir, runs.MetricsFile), b.String())
}

// appendMetrics adds one line to metrics.jsonl.
func appendMetrics(dir string, l metricsLine) error {
	if l.Time == "" {
		l.Time = time.Now().UTC().Format(time.RFC3339)
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return appendLines(filepath.Join(dir, runs.MetricsFile), string(data)+"\n")
}

// truncateAfter removes the rows of epochs after epoch from loss.tsv and
// metrics.jsonl, so a resumed run continues the curve instead of repeating
// epochs that ran after the checkpoint it resumes from. The final test
// lines go too: a run that is resumed did not finish (or was killed while
// finishing), and finish writes them again.
func truncateAfter(dir string, epoch int) error {
	keep := func(path string, epochOf func(line string) (int, bool)) error {
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var out bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			line := sc.Text()
			if e, ok := epochOf(line); ok && e > epoch {
				continue
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			out.WriteString(line)
			out.WriteByte('\n')
		}
		return safefile.WriteBytes(path, out.Bytes())
	}
	if err := keep(filepath.Join(dir, runs.LossFile), func(line string) (int, bool) {
		first, _, _ := strings.Cut(line, "\t")
		e, err := strconv.Atoi(first)
		return e, err == nil
	}); err != nil {
		return err
	}
	return keep(filepath.Join(dir, runs.MetricsFile), func(line string) (int, bool) {
		var l struct {
			Kind  string `json:"kind"`
			Epoch *int   `json:"epoch"`
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Epoch == nil || l.Kind == "final" {
			return math.MaxInt, true // a torn line from a crash, or a final line: drop it
		}
		return *l.Epoch, true
	})
}

// logger writes timestamped lines to training.log and, optionally, a copy
// elsewhere.
type logger struct {
	f    *os.File
	copy io.Writer
}

func openLog(dir string, copy io.Writer) (*logger, error) {
	f, err := os.OpenFile(filepath.Join(dir, runs.LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &logger{f: f, copy: copy}, nil
}

func (l *logger) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(l.f, "%s %s\n", time.Now().Format("2006-01-02 15:04:05"), msg)
	if l.copy != nil {
		fmt.Fprintln(l.copy, msg)
	}
}

func (l *logger) Close() error { return l.f.Close() }

// MemoryMB reports the process's resident and peak resident memory in MB
// (from /proc/self/status on Linux; zeros elsewhere).
func MemoryMB() (rss, peak float64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		field := func(name string) (float64, bool) {
			if !strings.HasPrefix(line, name+":") {
				return 0, false
			}
			parts := strings.Fields(line[len(name)+1:])
			if len(parts) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseFloat(parts[0], 64)
			return kb / 1024, err == nil
		}
		if v, ok := field("VmRSS"); ok {
			rss = v
		}
		if v, ok := field("VmHWM"); ok {
			peak = v
		}
	}
	return rss, peak
}
