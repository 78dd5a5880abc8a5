// Package runstest writes run folders for tests: a 10-epoch,
// CoNLL-03-like run whose every logged value is a function of the epoch,
// in metrics.jsonl and flair's loss.tsv, so that tests of the readers (in
// package runs) and of what draws or shows runs (plots, render) compare
// against the same known values.
package runstest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
)

// Epochs is the number of epochs a fixture logs. Every value is a function
// of the epoch, so tests can compare parsed series with these tables
// exactly (floats are written with strconv's shortest round-trip form).
const Epochs = 10

var (
	// DevF1 is the plain view's dev F1 of each epoch (index epoch-1): it
	// peaks at epoch 7, then wobbles below it.
	DevF1 = []float64{0.6, 0.72, 0.8, 0.85, 0.87, 0.88, 0.9, 0.89, 0.895, 0.89}
	// Gold spans per type in dev and test (CoNLL-03's counts).
	devSupport  = map[string]int{"PER": 1842, "LOC": 1837, "ORG": 1341, "MISC": 922}
	testSupport = map[string]int{"PER": 1617, "LOC": 1668, "ORG": 1661, "MISC": 702}
	typeShift   = map[string]float64{"PER": 0.05, "LOC": 0.02, "ORG": -0.04, "MISC": -0.08}
)

// LR is the learning rate of an epoch. It halves every two epochs: 0.1
// down to 0.00625, a span of 16× that asks for a log axis.
func LR(epoch int) float64 { return 0.1 / math.Pow(2, float64((epoch-1)/2)) }

// TrainLoss is the training loss of an epoch.
func TrainLoss(epoch int) float64 { return 12.5 / float64(epoch) }

// Scores returns loss, precision, recall, F1 and accuracy of a
// split and view at an epoch.
func Scores(split, view string, epoch int) (loss, p, r, f1, acc float64) {
	f1 = DevF1[epoch-1]
	loss = 0.5 + 4/float64(epoch)
	if split == "test" {
		f1 -= 0.03
		loss += 0.2
	}
	if view == "context" {
		f1 += 0.01
		loss -= 0.1
	}
	return loss, f1 + 0.01, f1 - 0.01, f1, 0.9 + f1/20
}

// TypeF1 is the F1 of one entity type in a split and view at an epoch.
func TypeF1(split, view, typ string, epoch int) float64 {
	_, _, _, f1, _ := Scores(split, view, epoch)
	return f1 + typeShift[typ]
}

// Report is the score report of a split and view at an epoch.
func Report(split, view string, epoch int) metrics.Report {
	_, p, r, f1, acc := Scores(split, view, epoch)
	support := devSupport
	if split == "test" {
		support = testSupport
	}
	rep := metrics.Report{Mode: "conlleval", Scheme: "BIO", Accuracy: acc,
		Micro:   metrics.Score{Precision: p, Recall: r, F1: f1},
		PerType: map[string]metrics.Score{}}
	for typ, n := range support {
		rep.PerType[typ] = metrics.Score{F1: TypeF1(split, view, typ, epoch), Support: n,
			Predicted: n, Correct: int(float64(n) * TypeF1(split, view, typ, epoch))}
	}
	return rep
}

// Fixture says what a fixture run evaluated.
type Fixture struct {
	Test  bool     // test split monitored
	Views []string // default: plain only
}

// ViewList returns the views the run evaluated.
func (f Fixture) ViewList() []string {
	if len(f.Views) == 0 {
		return []string{runs.Plain}
	}
	return f.Views
}

// Splits returns the splits the run evaluated.
func (f Fixture) Splits() []string {
	if f.Test {
		return []string{"dev", "test"}
	}
	return []string{"dev"}
}

// JSONLLines returns the metrics.jsonl lines of epochs from..to: a train
// row, the evaluations, and a checkpoint row the reader must skip.
func (f Fixture) JSONLLines(t testing.TB, from, to int) []string {
	var lines []string
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	for e := from; e <= to; e++ {
		add(map[string]any{"kind": "train", "epoch": e, "loss": TrainLoss(e), "lr": LR(e),
			"seconds": 40 + float64(e), "tokens_per_sec": 5000 + e, "time": "2026-11-21T15:04:05Z"})
		for _, view := range f.ViewList() {
			for _, split := range f.Splits() {
				loss, _, _, _, _ := Scores(split, view, e)
				add(map[string]any{"kind": "eval", "epoch": e, "split": split, "view": view, "loss": loss,
					"report": Report(split, view, e), "time": "2026-11-21T15:04:06Z"})
			}
		}
		add(map[string]any{"kind": "checkpoint", "epoch": "latest", "path": "checkpoints/latest"})
	}
	return lines
}

// TSVHeader and TSVRow write loss.tsv as nerlab's trainer does, with the
// names package runs defines: flair's columns, then each view's dev and
// test evaluations, the first view's under flair's names.
func (f Fixture) TSVHeader() string {
	cols := slices.Clone(runs.LossColumns)
	for i, view := range f.ViewList() {
		if i == 0 {
			view = ""
		}
		for _, split := range f.Splits() {
			cols = append(cols, runs.EvalColumns(split, view)...)
		}
	}
	return strings.Join(cols, "\t")
}

func (f Fixture) TSVRow(e int) string {
	cells := []string{strconv.Itoa(e), fmt.Sprintf("15:%02d:05", e), "0", FormatFloat(LR(e)), FormatFloat(TrainLoss(e))}
	for _, view := range f.ViewList() {
		for _, split := range f.Splits() {
			loss, p, r, f1, acc := Scores(split, view, e)
			cells = append(cells, FormatFloat(loss), FormatFloat(p), FormatFloat(r), FormatFloat(f1), FormatFloat(acc))
		}
	}
	return strings.Join(cells, "\t")
}

// TSVLines returns loss.tsv's header and the rows of epochs from..to.
func (f Fixture) TSVLines(from, to int) []string {
	lines := []string{f.TSVHeader()}
	for e := from; e <= to; e++ {
		lines = append(lines, f.TSVRow(e))
	}
	return lines
}

// WriteLines writes lines, each ended by a newline, to dir/name.
func WriteLines(t testing.TB, dir, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Run writes a complete run folder (metrics.jsonl and loss.tsv)
// and reads it back.
func Run(t testing.TB, f Fixture) *runs.Run {
	t.Helper()
	dir := t.TempDir()
	WriteLines(t, dir, runs.MetricsFile, f.JSONLLines(t, 1, Epochs))
	WriteLines(t, dir, runs.LossFile, f.TSVLines(1, Epochs))
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// SeedRun writes a run folder under root holding only its copy of the
// experiment, written as training writes it (the defaults with the given
// seed and learning rate): what grouping runs by seed reads.
func SeedRun(t testing.TB, root, name string, seed int64, lr float64) string {
	t.Helper()
	e := config.Default()
	e.Train.Seed, e.Train.LearningRate = seed, lr
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := e.WriteFile(filepath.Join(dir, runs.ConfigCopy)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// FormatFloat writes v in the shortest form that reads back as v.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
