package train_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/runs"
	. "github.com/nerlab/nerlab/lib/train"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/tagger"
)

// splitSample writes the bundled sample as train/dev/test files.
func splitSample(t testing.TB) (train, dev, test string) {
	t.Helper()
	c, err := corpus.ReadFile("../../data/sample/sample.conll", corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, from, to int) string {
		part := *c
		part.Sentences = c.Sentences[from:to]
		part.Docs = nil
		path := filepath.Join(dir, name)
		if err := corpus.WriteFile(path, &part); err != nil {
			t.Fatal(err)
		}
		return path
	}
	return write("train.conll", 0, 240), write("dev.conll", 240, 320), write("test.conll", 320, 400)
}

func tinyExperiment(t testing.TB, epochs int) *config.Experiment {
	train, dev, test := splitSample(t)
	exp := config.Default()
	exp.Name = "tiny"
	exp.Data.Train, exp.Data.Dev, exp.Data.Test = train, dev, test
	exp.Embeddings.Word.Dim = 16
	exp.Embeddings.Char.Dim, exp.Embeddings.Char.Hidden = 8, 8
	exp.Model.HiddenSize = 16
	exp.Train.MaxEpochs = epochs
	exp.Train.MiniBatchSize = 16
	exp.Train.Threads = 1
	exp.Train.KeepCheckpoints = 0
	return &exp
}

func readLossRows(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, runs.LossFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rows = append(rows, strings.Split(sc.Text(), "\t"))
	}
	return rows
}

func TestTrainWritesRunFolder(t *testing.T) {
	exp := tinyExperiment(t, 3)
	exp.Train.MonitorTest = true
	dir := filepath.Join(t.TempDir(), "run")
	var kinds []string
	res, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir, Events: func(e Event) { kinds = append(kinds, e.Kind) }})
	if err != nil {
		t.Fatal(err)
	}
	rows := readLossRows(t, dir)
	// flair's header, spelled out: loss.tsv's bytes must not move.
	wantHeader := strings.Fields("EPOCH TIMESTAMP BAD_EPOCHS LEARNING_RATE TRAIN_LOSS DEV_LOSS DEV_PRECISION DEV_RECALL DEV_F1 DEV_ACCURACY " +
		"TEST_LOSS TEST_PRECISION TEST_RECALL TEST_F1 TEST_ACCURACY")
	if strings.Join(rows[0], " ") != strings.Join(wantHeader, " ") {
		t.Errorf("loss.tsv header %v", rows[0])
	}
	if len(rows) != 4 {
		t.Fatalf("loss.tsv has %d rows, want header + 3 epochs", len(rows))
	}
	for i, r := range rows[1:] {
		if r[0] != []string{"1", "2", "3"}[i] || len(r) != len(wantHeader) {
			t.Errorf("row %d: %v", i+1, r)
		}
	}
	// Training on this easy sample must make progress in three epochs.
	if res.BestDevF1 < 0.3 || res.Test() == nil || res.Test().Report.Micro.F1 < 0.3 {
		t.Errorf("best dev F1 %.3f, test %+v; expected > 0.3 after 3 epochs", res.BestDevF1, res.Test())
	}
	for _, name := range []string{runs.ConfigCopy, runs.LogFile, runs.MetricsFile, runs.TestPredFile, runs.ResultsFile,
		filepath.Join(runs.BestModelDir, tagger.ConfigFile), filepath.Join(runs.FinalModelDir, tagger.WeightsFile),
		filepath.Join(runs.CheckpointsDir, "epoch-003", StateFile)} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("run folder lacks %s", name)
		}
	}
	// metrics.jsonl: a train row and dev+test eval rows per epoch, then the final test.
	data, _ := os.ReadFile(filepath.Join(dir, runs.MetricsFile))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3*3+1 {
		t.Errorf("metrics.jsonl has %d lines, want 10", len(lines))
	}
	var last MetricsLine
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Kind != "final" || last.Report == nil {
		t.Errorf("last metrics line %s (%v)", lines[len(lines)-1], err)
	}
	for _, k := range []string{EventStart, EventProgress, EventEpoch, EventEval, EventBest, EventCheckpoint, EventDone} {
		if !strings.Contains(strings.Join(kinds, " "), k) {
			t.Errorf("no %s event", k)
		}
	}
	// The saved best model loads and predicts.
	if _, err := tagger.Load(dir, gotch.CPU); err != nil {
		t.Error(err)
	}
	// A second Train into the same folder is refused; resuming a finished run too.
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("reusing a run folder: %v", err)
	}
	if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Errorf("resuming a finished run: %v", err)
	}
}

// TestResumeContinuesSameCurve interrupts runs after an epoch and in the
// middle of one, resumes them, and compares loss.tsv with an uninterrupted
// run of the same seed: every number must be equal.
func TestResumeContinuesSameCurve(t *testing.T) {
	for _, recipe := range []string{"sgd", "adamw"} {
		t.Run(recipe, func(t *testing.T) {
			exp := tinyExperiment(t, 4)
			exp.Train.Optimizer = recipe
			if recipe == "adamw" {
				exp.Train.LearningRate = 0.01
				exp.Train.Accumulate = 2
			}
			ref := filepath.Join(t.TempDir(), "ref")
			if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: ref}); err != nil {
				t.Fatal(err)
			}
			want := readLossRows(t, ref)

			stops := map[string]func(e Event) bool{
				"after epoch 2": func(e Event) bool { return e.Kind == EventCheckpoint && e.Epoch == 2 },
				// The first progress event of an epoch always comes after its
				// first batch (later ones are throttled by time, so which
				// batch they follow depends on the machine's speed). With
				// accumulation 2 this also rewinds an open window.
				"inside epoch 3": func(e Event) bool {
					return e.Kind == EventProgress && e.Epoch == 3 && e.Batch < e.Batches
				},
				// Before any best model: the checkpoint's state must still
				// be writable (no -Inf best score).
				"inside epoch 1": func(e Event) bool {
					return e.Kind == EventProgress && e.Epoch == 1 && e.Batch < e.Batches
				},
			}
			for name, stop := range stops {
				dir := filepath.Join(t.TempDir(), "run")
				ctx, cancel := context.WithCancel(context.Background())
				_, err := Train(ctx, exp, models.Recipe, Options{RunDir: dir, Events: func(e Event) {
					if stop(e) {
						cancel()
					}
				}})
				cancel()
				if !errors.Is(err, ErrInterrupted) {
					t.Fatalf("%s: expected an interruption, got %v", name, err)
				}
				if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); err != nil {
					t.Fatalf("%s: resume: %v", name, err)
				}
				sameCurve(t, name, dir, want)
			}
		})
	}
}

func TestDivergenceStopsAndKeepsCheckpoint(t *testing.T) {
	exp := tinyExperiment(t, 3)
	exp.Train.LearningRate = 1e38 // at 1e30 the loss stayed finite (≈1e31) on some machines
	exp.Train.ClipNorm = 0
	dir := filepath.Join(t.TempDir(), "run")
	_, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir})
	if err == nil || !(strings.Contains(err.Error(), "NaN") || strings.Contains(err.Error(), "Inf") || strings.Contains(err.Error(), "infinite")) {
		t.Fatalf("expected a divergence error, got %v", err)
	}
	if !strings.Contains(err.Error(), "last good checkpoint") {
		t.Errorf("error does not name the last good checkpoint: %v", err)
	}
}

func TestParseStateRejectsCorruptFiles(t *testing.T) {
	cases := map[string]string{
		"truncated":      `{"format": 1, "epoch": `,
		"unknown field":  `{"format": 1, "epochs": 3}`,
		"wrong format":   `{"format": 7}`,
		"negative":       `{"format": 1, "epoch": -1, "optimizer": "sgd", "anneal": {"LR": 0.1, "Factor": 0.5, "MinLR": 0.0001, "Patience": 3}}`,
		"no schedule":    `{"format": 1, "optimizer": "sgd"}`,
		"both schedules": `{"format": 1, "optimizer": "sgd", "anneal": {"LR": 0.1, "Factor": 0.5}, "warmup": {"Peak": 1, "Total": 3}}`,
		"wrong type":     "{\n\"format\": 1,\n\"epoch\": \"two\"\n}",
	}
	for name, text := range cases {
		if _, err := ParseState([]byte(text), "trainer.json"); err == nil || !strings.Contains(err.Error(), "trainer.json") {
			t.Errorf("%s: error %v, want one naming trainer.json", name, err)
		}
	}
	if _, err := ParseState([]byte("{\n\"format\": 1,\n\"epoch\": \"two\"\n}"), "x"); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("type error without its line: %v", err)
	}
}

func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"format": 1, "seed": 1, "epoch": 2, "optimizer": "sgd", "anneal": {"LR": 0.1, "Factor": 0.5, "MinLR": 0.0001, "Patience": 3}}`))
	f.Add([]byte(`{"format": 1, "optimizer": "adamw", "warmup": {"Peak": 0.001, "Warmup": 10, "Total": 100, "Step": 5}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseState(data, "fuzz")
		if err == nil && (st.Epoch < 0 || (st.Anneal == nil) == (st.Warmup == nil)) {
			t.Fatalf("accepted an inconsistent state %+v", st)
		}
	})
}

// TestMemoryFlat trains ten epochs and checks that peak resident memory
// stops growing after the second: tensors are freed every step.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("ten epochs")
	}
	exp := tinyExperiment(t, 10)
	exp.Data.Dev = ""
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, runs.MetricsFile))
	var peaks []float64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l MetricsLine
		if json.Unmarshal([]byte(line), &l) == nil && l.Kind == "train" {
			peaks = append(peaks, l.PeakRSSMB)
		}
	}
	if len(peaks) != 10 {
		t.Fatalf("%d train rows", len(peaks))
	}
	if growth := peaks[9]/peaks[1] - 1; growth > 0.05 {
		t.Errorf("peak RSS grew %.1f%% from epoch 2 (%.1f MB) to epoch 10 (%.1f MB)", 100*growth, peaks[1], peaks[9])
	}
}

// TestRunLock: while a run trains, its folder is marked running, and a
// second trainer (resume, or a fresh train into it) is refused without
// touching it; the mark goes when training ends.
func TestRunLock(t *testing.T) {
	exp := tinyExperiment(t, 2)
	dir := filepath.Join(t.TempDir(), "run")
	checked := false
	_, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir, Events: func(e Event) {
		if e.Kind != EventEpoch || checked {
			return
		}
		checked = true
		if pid, ok := runs.Running(dir); !ok || pid != os.Getpid() {
			t.Errorf("Running = %d, %v during training", pid, ok)
		}
		if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); !errors.Is(err, runs.ErrRunning) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
			t.Errorf("resume while training: %v", err)
		}
		if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir, Fresh: true}); err == nil || !strings.Contains(err.Error(), "being trained now") {
			t.Errorf("fresh train into a running folder: %v", err)
		}
	}})
	if err != nil || !checked {
		t.Fatalf("%v (checked %v)", err, checked)
	}
	if _, ok := runs.Running(dir); ok {
		t.Error("still running after training")
	}
	if _, err := os.Stat(filepath.Join(dir, runs.LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file left behind: %v", err)
	}
	// A lock file nobody holds (its process was killed) does not count.
	os.WriteFile(filepath.Join(dir, runs.LockFile), []byte("12345\n"), 0o644)
	if _, ok := runs.Running(dir); ok {
		t.Error("a stale lock file reads as running")
	}
}

// TestFreshReplacesOnlyRunFolders: --fresh once ran os.RemoveAll on any
// folder (a project's data/ folder, a thesis). It may only replace a run
// folder nerlab made, removing what training writes and nothing else.
func TestFreshReplacesOnlyRunFolders(t *testing.T) {
	exp := tinyExperiment(t, 1)
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A folder of the user's: refused with and without --fresh, untouched.
	user := t.TempDir()
	write(filepath.Join(user, "thesis.txt"), "chapter 1")
	write(filepath.Join(user, "configs", "demo.yaml"), "name: x")
	for _, fresh := range []bool{false, true} {
		_, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: user, Fresh: fresh})
		if err == nil || !strings.Contains(err.Error(), "not a run folder") {
			t.Errorf("fresh=%v on a user folder: %v", fresh, err)
		}
		if fresh && err != nil && !strings.Contains(err.Error(), "thesis.txt") {
			t.Errorf("the refusal does not say what the folder holds: %v", err)
		}
		if !fresh && err != nil && strings.Contains(err.Error(), "--fresh") {
			t.Errorf("the refusal of a user folder suggests --fresh: %v", err)
		}
	}
	// A lone config.yaml is the user's too.
	lone := t.TempDir()
	write(filepath.Join(lone, runs.ConfigCopy), "name: mine")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: lone, Fresh: true}); err == nil || !strings.Contains(err.Error(), "not a run folder") {
		t.Errorf("fresh on a folder with only config.yaml: %v", err)
	}
	for _, p := range []string{filepath.Join(user, "thesis.txt"), filepath.Join(user, "configs", "demo.yaml"), filepath.Join(lone, runs.ConfigCopy)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}

	// A run folder: --fresh replaces it, keeping a chart; a stray file of
	// the user's inside makes it refuse instead of deleting the file.
	run := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: run}); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(run, "curves.png"), "png")
	write(filepath.Join(run, runs.CheckpointsDir, ".epoch-002.tmp-123", "x"), "leftover")
	// Any view's predictions are training's (test-VIEW.conll), and so is a
	// temporary file of them: --fresh once knew test-context.conll alone
	// and refused these as the user's.
	write(filepath.Join(run, "test-wiki.conll"), "predictions")
	write(filepath.Join(run, ".test-wiki.conll.tmp-7"), "half written")
	var start string
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: run, Fresh: true, Events: func(e Event) {
		if e.Kind == EventStart {
			start = e.Message
		}
	}}); err != nil {
		t.Fatalf("fresh on a run folder: %v", err)
	}
	if !strings.Contains(start, "--fresh kept curves.png") {
		t.Errorf("the start does not say the old chart was kept: %q", start)
	}
	if _, err := os.Stat(filepath.Join(run, "curves.png")); err != nil {
		t.Error("--fresh removed a chart")
	}
	if _, err := os.Stat(filepath.Join(run, runs.CheckpointsDir, ".epoch-002.tmp-123")); err == nil {
		t.Error("--fresh kept the old checkpoints")
	}
	for _, name := range []string{"test-wiki.conll", ".test-wiki.conll.tmp-7"} {
		if _, err := os.Stat(filepath.Join(run, name)); err == nil {
			t.Errorf("--fresh kept the old run's %s", name)
		}
	}
	write(filepath.Join(run, "notes.txt"), "mine")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: run, Fresh: true}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("fresh on a run folder holding notes.txt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(run, runs.LossFile)); err != nil {
		t.Error("a refused --fresh removed the run's files")
	}
}

// TestWithoutDevNoLossAsF1: without dev data the best epoch is picked by
// training loss; that loss was once printed and stored as a dev F1
// ("best epoch 2 (dev F1 -481.23)", best_dev_f1 -4.81).
func TestWithoutDevNoLossAsF1(t *testing.T) {
	exp := tinyExperiment(t, 2)
	exp.Data.Dev = ""
	dir := filepath.Join(t.TempDir(), "run")
	res, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.BestEpoch == 0 || !math.IsNaN(res.BestDevF1) {
		t.Errorf("best epoch %d, best dev F1 %v; want an epoch and NaN", res.BestEpoch, res.BestDevF1)
	}
	r, err := runs.ReadResults(dir)
	if err != nil || r.BestDevF1 != nil {
		t.Errorf("results.json best_dev_f1 %v (%v), want null", r.BestDevF1, err)
	}
	log, _ := os.ReadFile(filepath.Join(dir, runs.LogFile))
	if n := strings.Count(string(log), "no dev data"); n != 1 || strings.Contains(string(log), "F1 -") || strings.Contains(string(log), "loss -") {
		t.Errorf("training.log says %d times that there is no dev data (want once), or gives a negative F1 or loss:\n%s", n, log)
	}
}
