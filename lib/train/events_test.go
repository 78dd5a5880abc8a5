package train_test

import (
	"bytes"
	"context"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/runs"
	. "github.com/nerlab/nerlab/lib/train"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/metrics"
)

func TestPrinter(t *testing.T) {
	rep := metrics.Report{Micro: metrics.Score{Precision: 0.9, Recall: 0.8, F1: 0.847}}
	events := []Event{
		{Kind: EventStart, Message: "training x → runs/x"},
		{Kind: EventProgress, Epoch: 1, MaxEpochs: 3, Batch: 5, Batches: 10, Loss: 1.5, LR: 0.1, TokensPerSec: 2000, ETA: 12 * time.Second},
		{Kind: EventEpoch, Epoch: 1, MaxEpochs: 3, Loss: 1.25, LR: 0.1, TokensPerSec: 2100, Seconds: 20},
		{Kind: EventEval, Epoch: 1, Split: "dev", View: "plain", Loss: 0.9, Report: &rep},
		{Kind: EventEval, Epoch: 1, Split: "test", View: "context", Loss: 0.8, Report: &rep, Message: "best model"},
		{Kind: EventDone, Message: "done: runs/x"},
	}
	var term, plain bytes.Buffer
	pt, pp := Printer(&term, true), Printer(&plain, false)
	for _, e := range events {
		pt(e)
		pp(e)
	}
	for _, want := range []string{"epoch 1/3  [==========          ] 5/10  loss 1.5000  lr 0.1  2000 tok/s  ETA 12s",
		"\r", "epoch 1/3  train loss 1.2500", "dev  loss 0.9000  P 90.00  R 80.00  F1 84.70",
		"test (context)  loss 0.8000", "(best model)", "done: runs/x"} {
		if !strings.Contains(term.String(), want) {
			t.Errorf("terminal output lacks %q:\n%q", want, term.String())
		}
	}
	// Without a terminal there is no progress line and no carriage return.
	if strings.Contains(plain.String(), "ETA") || strings.Contains(plain.String(), "\r") {
		t.Errorf("non-terminal output has progress: %q", plain.String())
	}
	if !strings.Contains(plain.String(), "epoch 1/3  train loss 1.2500") {
		t.Errorf("non-terminal output lacks the epoch line: %q", plain.String())
	}
}

// TestProgressLines: off a terminal the printer writes a progress line at
// every tenth of an epoch, or every ProgressEvery when that comes first,
// and training.log has the same lines.
func TestProgressLines(t *testing.T) {
	exp := tinyExperiment(t, 1) // 240 sentences in batches of 16: 15 batches
	for _, c := range []struct {
		every time.Duration
		want  int
	}{
		{0, 0},                // an epoch of a second: quiet (30 s between lines)
		{time.Nanosecond, 14}, // every batch but the last
	} {
		dir := filepath.Join(t.TempDir(), "run")
		var out bytes.Buffer
		if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir, ProgressEvery: c.every, Events: Printer(&out, false)}); err != nil {
			t.Fatal(err)
		}
		lines := 0
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "epoch 1/1  batch ") && strings.Contains(l, " tok/s  ETA ") {
				lines++
			}
		}
		if lines != c.want {
			t.Errorf("every %v: %d progress lines, want %d:\n%s", c.every, lines, c.want, out.String())
		}
		log, err := os.ReadFile(filepath.Join(dir, runs.LogFile))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(log), " epoch 1/1  batch "); n != c.want {
			t.Errorf("every %v: training.log has %d progress lines, want %d", c.every, n, c.want)
		}
	}
}
