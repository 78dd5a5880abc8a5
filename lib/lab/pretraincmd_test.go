package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/train"
)

// tinyPretrain are the --set flags of a pretraining run small enough for a
// test.
var tinyPretrain = []string{"--set", "tokenizer.vocab_size=120", "--set", "model.layers=1", "--set", "model.hidden=16",
	"--set", "model.heads=2", "--set", "model.intermediate=32", "--set", "model.max_len=32", "--set", "train.seq_len=32",
	"--set", "train.batch=4", "--set", "train.steps=6", "--set", "train.warmup=1", "--set", "train.eval_every=3",
	"--set", "train.held_out_every=5", "--set", "train.log_every=2", "--set", "train.threads=1"}

func pretrainCorpus(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	for i := 0; i < 30; i++ {
		line, _ := json.Marshal(map[string]string{"title": fmt.Sprint("Entry", i),
			"text": fmt.Sprintf("Entry%d is a town on the river Vel. The town of Entry%d trades salt and %d horses.", i, i, i*7)})
		b.Write(append(line, '\n'))
	}
	path := filepath.Join(t.TempDir(), "knowledge.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPretrainCommand: pretrain runs from flags, reports the run, the
// held-out evaluations and the curves; the kernel's live display hears
// the progress; plot RUN draws a pretraining run's curves; mistakes are
// usage errors.
func TestPretrainCommand(t *testing.T) {
	corpus := pretrainCorpus(t)
	dir := filepath.Join(t.TempDir(), "pre")
	var out, errOut bytes.Buffer
	var kinds []string
	var shown []map[string]any
	env := &Env{Stdout: &out, Stderr: &errOut, Session: &Session{Events: func(e train.Event) { kinds = append(kinds, e.Kind) }},
		Display: func(d map[string]any) error { shown = append(shown, d); return nil }}
	argv := append([]string{"pretrain", "--corpus", corpus, "--out", dir, "--progress", "0"}, tinyPretrain...)
	if err := New().Exec(context.Background(), env, argv); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"run folder  " + dir, "encoder     " + filepath.Join(dir, "model"), "steps       6 (", "held-out    loss ", "sha256      "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "step 3/6  held-out loss ") || !strings.Contains(errOut.String(), "training a WordPiece vocabulary of 120") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	if kinds[0] != train.EventStart || !slices.Contains(kinds, train.EventProgress) || kinds[len(kinds)-1] != train.EventDone {
		t.Errorf("events %v", kinds)
	}
	if len(shown) != 1 || shown[0]["image/png"] == nil {
		t.Errorf("displays %v", len(shown))
	}
	if _, err := os.Stat(filepath.Join(dir, "curves.png")); err != nil {
		t.Error(err)
	}

	svg := filepath.Join(t.TempDir(), "c.svg")
	if got, err := run(t, "plot", dir, "--out", svg); err != nil || !strings.Contains(got, svg) {
		t.Errorf("plot of a pretraining run: %v\n%s", err, got)
	}
	if data, _ := os.ReadFile(svg); !bytes.Contains(data, []byte("<svg")) {
		t.Error("no SVG written")
	}

	for _, bad := range [][]string{
		{"pretrain"},
		{"pretrain", "--corpus", corpus},
		{"pretrain", "--corpus", corpus, "--out", dir, "--set", "train.nope=1"},
		{"pretrain", "--corpus", corpus, "--out", filepath.Dir(corpus)},
	} {
		_, err := run(t, bad...)
		if err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
	var keys []string
	for _, f := range pretrainCommand().Flags {
		if f.Name == "set" {
			for _, c := range f.Values(nil) {
				keys = append(keys, c.Text)
			}
		}
	}
	if !slices.Contains(keys, "train.steps=") || !slices.Contains(keys, "tokenizer.vocab_size=") {
		t.Errorf("--set completes %v", keys)
	}
}
