package train_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/runs"
	. "github.com/nerlab/nerlab/lib/train"
)

// TestTwoViewRunReadsBackFromLossTSV: a run whose metrics.jsonl is lost is
// read from loss.tsv, and the context view must survive that. The trainer
// wrote DEV_CONTEXT_F1 while the reader looked for CONTEXT_DEV_F1, so the
// context view vanished without a word.
func TestTwoViewRunReadsBackFromLossTSV(t *testing.T) {
	exp := twoViewExperiment(t, 2)
	exp.Train.MonitorTest = true
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, runs.MetricsFile)); err != nil {
		t.Fatal(err)
	}
	r, err := runs.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != runs.LossFile || !slices.Equal(r.Views(), []string{runs.Plain, runs.Context}) {
		t.Fatalf("read from %q, views %v; want loss.tsv's plain and context views", r.Source, r.Views())
	}
	// The column is looked up by the name the trainer writes, spelled out
	// here so that neither side can rename it alone.
	rows := readLossRows(t, dir)
	col := slices.Index(rows[0], "DEV_CONTEXT_F1")
	if col < 0 {
		t.Fatalf("loss.tsv header %v lacks DEV_CONTEXT_F1", rows[0])
	}
	var want []float64
	for _, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[col], 64)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, v)
	}
	dev := r.Series("dev", runs.Context)
	if dev == nil || !slices.Equal(dev.F1, want) || len(want) != 2 {
		t.Errorf("context view's dev F1 read back as %v; loss.tsv holds %v", dev, want)
	}
	if test := r.Series("test", runs.Context); test == nil || len(test.F1) != 2 {
		t.Errorf("context view's test series %v; want 2 epochs", test)
	}
}
