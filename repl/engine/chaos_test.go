package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
)

// chaosConfig writes a tiny experiment (a slice of the bundled sample, a
// small BiLSTM, three epochs of a few batches: about a second of training)
// and returns its path.
func chaosConfig(t *testing.T) string {
	t.Helper()
	c, err := corpus.ReadFile("../../data/sample/sample.conll", corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, from, to int) string {
		part := *c
		part.Sentences, part.Docs = c.Sentences[from:to], nil
		path := filepath.Join(dir, name)
		if err := corpus.WriteFile(path, &part); err != nil {
			t.Fatal(err)
		}
		return path
	}
	exp := config.Default()
	exp.Name = "chaos"
	exp.Data.Train, exp.Data.Dev, exp.Data.Test = write("train.conll", 0, 64), write("dev.conll", 64, 96), write("test.conll", 96, 128)
	exp.Embeddings.Word.Dim = 8
	exp.Embeddings.Char.Dim, exp.Embeddings.Char.Hidden = 4, 4
	exp.Model.HiddenSize = 8
	exp.Train.MaxEpochs = 3
	exp.Train.MiniBatchSize = 8
	exp.Train.Threads = 1
	exp.Train.KeepCheckpoints = 0
	data, err := exp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "chaos.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runOutcome is what a finished run left that must not depend on how
// often it was killed: loss.tsv without its time of day, the final
// model's weights and the test F1.
type runOutcome struct {
	loss    string
	weights []byte
	testF1  float64
}

func outcome(t *testing.T, dir string) runOutcome {
	t.Helper()
	var o runOutcome
	data, err := os.ReadFile(filepath.Join(dir, "loss.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		cells := strings.Split(line, "\t")
		if i > 0 && len(cells) > 1 {
			cells[1] = "" // TIMESTAMP
		}
		rows = append(rows, strings.Join(cells, "\t"))
	}
	o.loss = strings.Join(rows, "\n")
	if o.weights, err = os.ReadFile(filepath.Join(dir, "final-model", "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Test struct {
			F1 *float64 `json:"f1"` // reports keep their micro scores flat
		} `json:"test"`
	}
	data, err = os.ReadFile(filepath.Join(dir, "results.json"))
	if err == nil {
		err = json.Unmarshal(data, &res)
	}
	if err == nil && res.Test.F1 == nil {
		err = fmt.Errorf("%s has no test F1", filepath.Join(dir, "results.json"))
	}
	if err != nil {
		t.Fatal(err)
	}
	o.testF1 = *res.Test.F1
	return o
}

// TestChaosKillAndResume kills `nerlab train` (this test binary, acting as
// the engine) with SIGKILL at 20 moments: at the test hook's points (an
// epoch's rows written but not its checkpoint, a checkpoint half written,
// one renamed into place before latest names it, a run killed while
// finishing) and at random times from start-up to the end. Each run is
// then resumed (or, when it died before it wrote its config copy, trained
// again without --fresh) until it finishes, and must end exactly where an
// uninterrupted run ends. NERLAB_CHAOS_SEED repeats a failing draw.
func TestChaosKillAndResume(t *testing.T) {
	root, _ := filepath.Abs("../..")
	cfg := chaosConfig(t)
	child := func(killAt string, args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "NERLAB_TEST_MAIN="+strings.Join(args, "\x1f"), "NERLAB_TEST_KILL_AT="+killAt)
		return cmd
	}
	started := time.Now()
	ref := filepath.Join(t.TempDir(), "ref")
	if out, err := child("", "train", cfg, "--out", ref).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	full := time.Since(started)
	want := outcome(t, ref)

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NERLAB_CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("an uninterrupted run takes %v; NERLAB_CHAOS_SEED=%d", full.Round(time.Millisecond), seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	// Nine kills at the hook's points (epoch ends and checkpoint writes of
	// the first, a middle and the last epoch, and the end of finish), the
	// rest at random times.
	trials := []string{"epoch-end:1", "epoch-end:3", "checkpoint-write:1", "checkpoint-write:2", "checkpoint-write:3",
		"checkpoint-rename:1", "checkpoint-rename:2", "checkpoint-rename:3", "finish:1"}
	for len(trials) < 20 {
		trials = append(trials, "")
	}
	killed := 0
	for i, point := range trials {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("run%02d", i))
		name := point
		cmd := child(point, "train", cfg, "--out", dir)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if point == "" {
			// Within two thirds of the uninterrupted run's time: later runs
			// are faster than the first (warm caches), and the hook's points
			// already cover the last moments, so most random kills land.
			delay := time.Duration(rng.Int64N(int64(full) * 2 / 3))
			name = "after " + delay.Round(time.Millisecond).String()
			timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			killed++
		} else if point == "" {
			t.Logf("%s: the run finished before the kill", name)
		} else {
			t.Fatalf("%s: the process was not killed at the hook's point (%v):\n%s", name, cmd.ProcessState, log.String())
		}
		// Recover as a user would: resume a run folder, train again what
		// never became one.
		args := []string{"resume", dir}
		if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err != nil {
			args = []string{"train", cfg, "--out", dir}
		}
		// A kill after the run marked itself finished leaves nothing to do.
		if out, err := child("", args...).CombinedOutput(); err != nil && !strings.Contains(string(out), "already finished") {
			t.Errorf("%s: %s: %v\n%s\nthe killed run said:\n%s", name, strings.Join(args, " "), err, out, log.String())
			continue
		}
		got := outcome(t, dir)
		if got.loss != want.loss {
			t.Errorf("%s: loss.tsv after resume\n%s\nuninterrupted\n%s", name, got.loss, want.loss)
		}
		if !bytes.Equal(got.weights, want.weights) {
			t.Errorf("%s: the final model's weights differ from the uninterrupted run's", name)
		}
		if got.testF1 != want.testF1 {
			t.Errorf("%s: test F1 %v, uninterrupted %v", name, got.testF1, want.testF1)
		}
		if tmp, _ := filepath.Glob(filepath.Join(dir, "checkpoints", ".epoch-*.tmp-*")); len(tmp) > 0 {
			t.Errorf("%s: temporary checkpoint folders left: %v", name, tmp)
		}
	}
	t.Logf("%d of %d runs were killed; all %d took %v", killed, len(trials), len(trials), time.Since(started).Round(time.Second))
	// Every hook point kills; of the random moments, most must land for
	// the test to test anything (they fall within two thirds of a run).
	if killed < 12 {
		t.Errorf("only %d of %d runs were killed; the random kills came too late to test anything", killed, len(trials))
	}
}
