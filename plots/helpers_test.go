package plots

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/metrics"
)

// The fixture is a 10-epoch CoNLL-03-like run. Every value is a function
// of the epoch, so tests can compare parsed series with these tables
// exactly (floats are written with strconv's shortest round-trip form).
const fixtureEpochs = 10

var (
	// Dev F1 peaks at epoch 7, then wobbles below it.
	fixtureDevF1 = []float64{0.6, 0.72, 0.8, 0.85, 0.87, 0.88, 0.9, 0.89, 0.895, 0.89}
	// Gold spans per type in dev and test (CoNLL-03's counts).
	fixtureDevSupport  = map[string]int{"PER": 1842, "LOC": 1837, "ORG": 1341, "MISC": 922}
	fixtureTestSupport = map[string]int{"PER": 1617, "LOC": 1668, "ORG": 1661, "MISC": 702}
	fixtureTypeShift   = map[string]float64{"PER": 0.05, "LOC": 0.02, "ORG": -0.04, "MISC": -0.08}
)

// The learning rate halves every two epochs: 0.1 down to 0.00625, a span
// of 16× that asks for a log axis.
func fixtureLR(epoch int) float64        { return 0.1 / math.Pow(2, float64((epoch-1)/2)) }
func fixtureTrainLoss(epoch int) float64 { return 12.5 / float64(epoch) }

// fixtureScores returns loss, precision, recall, F1 and accuracy of a
// split and view at an epoch.
func fixtureScores(split, view string, epoch int) (loss, p, r, f1, acc float64) {
	f1 = fixtureDevF1[epoch-1]
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

func fixtureTypeF1(split, view, typ string, epoch int) float64 {
	_, _, _, f1, _ := fixtureScores(split, view, epoch)
	return f1 + fixtureTypeShift[typ]
}

func fixtureReport(split, view string, epoch int) metrics.Report {
	_, p, r, f1, acc := fixtureScores(split, view, epoch)
	support := fixtureDevSupport
	if split == "test" {
		support = fixtureTestSupport
	}
	rep := metrics.Report{Mode: "conlleval", Scheme: "BIO", Accuracy: acc,
		Micro:   metrics.Score{Precision: p, Recall: r, F1: f1},
		PerType: map[string]metrics.Score{}}
	for typ, n := range support {
		rep.PerType[typ] = metrics.Score{F1: fixtureTypeF1(split, view, typ, epoch), Support: n,
			Predicted: n, Correct: int(float64(n) * fixtureTypeF1(split, view, typ, epoch))}
	}
	return rep
}

type fixture struct {
	test  bool     // test split monitored
	views []string // default: plain only
}

func (f fixture) viewList() []string {
	if len(f.views) == 0 {
		return []string{Plain}
	}
	return f.views
}

func (f fixture) splits() []string {
	if f.test {
		return []string{"dev", "test"}
	}
	return []string{"dev"}
}

// jsonlLines returns the metrics.jsonl lines of epochs from..to: a train
// row, the evaluations, and a checkpoint row the reader must skip.
func (f fixture) jsonlLines(t testing.TB, from, to int) []string {
	var lines []string
	add := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	for e := from; e <= to; e++ {
		add(map[string]any{"kind": "train", "epoch": e, "loss": fixtureTrainLoss(e), "lr": fixtureLR(e),
			"seconds": 40 + float64(e), "tokens_per_sec": 5000 + e, "time": "2026-11-21T15:04:05Z"})
		for _, view := range f.viewList() {
			for _, split := range f.splits() {
				loss, _, _, _, _ := fixtureScores(split, view, e)
				add(map[string]any{"kind": "eval", "epoch": e, "split": split, "view": view, "loss": loss,
					"report": fixtureReport(split, view, e), "time": "2026-11-21T15:04:06Z"})
			}
		}
		add(map[string]any{"kind": "checkpoint", "epoch": "latest", "path": "checkpoints/latest"})
	}
	return lines
}

// tsvHeader and tsvRow write flair's loss.tsv layout.
func (f fixture) tsvHeader() string {
	cols := []string{"EPOCH", "TIMESTAMP", "BAD_EPOCHS", "LEARNING_RATE", "TRAIN_LOSS"}
	for _, view := range f.viewList() {
		prefix := ""
		if view != Plain {
			prefix = strings.ToUpper(view) + "_"
		}
		for _, split := range f.splits() {
			for _, m := range []string{"LOSS", "PRECISION", "RECALL", "F1", "ACCURACY"} {
				cols = append(cols, prefix+strings.ToUpper(split)+"_"+m)
			}
		}
	}
	return strings.Join(cols, "\t")
}

func (f fixture) tsvRow(e int) string {
	cells := []string{strconv.Itoa(e), fmt.Sprintf("15:%02d:05", e), "0", fmtFloat(fixtureLR(e)), fmtFloat(fixtureTrainLoss(e))}
	for _, view := range f.viewList() {
		for _, split := range f.splits() {
			loss, p, r, f1, acc := fixtureScores(split, view, e)
			cells = append(cells, fmtFloat(loss), fmtFloat(p), fmtFloat(r), fmtFloat(f1), fmtFloat(acc))
		}
	}
	return strings.Join(cells, "\t")
}

func (f fixture) tsvLines(from, to int) []string {
	lines := []string{f.tsvHeader()}
	for e := from; e <= to; e++ {
		lines = append(lines, f.tsvRow(e))
	}
	return lines
}

// writeLines writes lines, each ended by a newline, to dir/name.
func writeLines(t testing.TB, dir, name string, lines []string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fixtureRun writes a complete run folder (metrics.jsonl and loss.tsv)
// and reads it back.
func fixtureRun(t testing.TB, f fixture) *Run {
	t.Helper()
	dir := t.TempDir()
	writeLines(t, dir, MetricsFile, f.jsonlLines(t, 1, fixtureEpochs))
	writeLines(t, dir, LossFile, f.tsvLines(1, fixtureEpochs))
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fmtFloat writes v in the shortest form that reads back as v.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
