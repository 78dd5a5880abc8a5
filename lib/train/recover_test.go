package train_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/runs"
	. "github.com/nerlab/nerlab/lib/train"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/tagger"
)

// sameCurve fails unless the loss.tsv rows of dir equal want's, every
// column but the time of day.
func sameCurve(t *testing.T, name, dir string, want [][]string) {
	t.Helper()
	got := readLossRows(t, dir)
	if len(got) != len(want) {
		t.Fatalf("%s: %d loss.tsv rows, uninterrupted %d", name, len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if j == 1 && i > 0 {
				continue // TIMESTAMP
			}
			if got[i][j] != want[i][j] {
				t.Errorf("%s: loss.tsv row %d column %s = %s, uninterrupted %s", name, i, want[0][j], got[i][j], want[i][j])
			}
		}
	}
}

// interruptedRun trains exp into a new folder and interrupts it after the
// first batch of epoch 2 (the first progress event of an epoch always
// follows its first batch); the folder then holds checkpoints epoch-001
// and epoch-002-batch-00001 (latest).
func interruptedRun(t *testing.T, exp *config.Experiment) string {
	t.Helper()
	// Pattern characters in the folder's name must not matter.
	dir := filepath.Join(t.TempDir(), "run [1]*")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Train(ctx, exp, models.Recipe, Options{RunDir: dir, Events: func(e Event) {
		if e.Kind == EventProgress && e.Epoch == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("expected an interruption, got %v", err)
	}
	for _, name := range []string{"epoch-001", "epoch-002-batch-00001"} {
		if _, err := os.Stat(filepath.Join(dir, runs.CheckpointsDir, name)); err != nil {
			t.Fatalf("the interrupted run has no %s: %v", name, err)
		}
	}
	return dir
}

// TestResumeRecoversFromKills rebuilds in a run folder what a process
// killed at the worst moments leaves behind and checks that resume
// continues to the uninterrupted curve, says what it did, and removes
// nerlab's temporary folders (and nothing else).
func TestResumeRecoversFromKills(t *testing.T) {
	exp := tinyExperiment(t, 3)
	ref := filepath.Join(t.TempDir(), "ref")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: ref}); err != nil {
		t.Fatal(err)
	}
	want := readLossRows(t, ref)
	refWeights, err := os.ReadFile(filepath.Join(ref, runs.FinalModelDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ckpts := func(dir string) string { return filepath.Join(dir, runs.CheckpointsDir) }
	cases := []struct {
		name string
		// damage turns the interrupted run's folder into the leftovers.
		damage func(t *testing.T, dir string)
		opts   Options
		// say is in the start event's message; gone must not exist after,
		// kept must.
		say        string
		gone, kept []string
	}{{
		// Killed while writing epoch 1's checkpoint: a temporary folder
		// and loss.tsv's first row, no checkpoint.
		name: "killed writing the first checkpoint",
		damage: func(t *testing.T, dir string) {
			must(t, os.RemoveAll(filepath.Join(ckpts(dir), "epoch-002-batch-00001")))
			must(t, os.Rename(filepath.Join(ckpts(dir), "epoch-001"), filepath.Join(ckpts(dir), ".epoch-001.tmp-12345")))
			must(t, os.Remove(filepath.Join(ckpts(dir), LatestFile)))
			must(t, os.WriteFile(filepath.Join(ckpts(dir), ".latest.tmp-999"), []byte("epo"), 0o644))
		},
		say:  "starting it from the beginning",
		gone: []string{"checkpoints/.epoch-001.tmp-12345", "checkpoints/.latest.tmp-999"},
	}, {
		// Killed between renaming epoch 1's checkpoint into place and
		// writing latest: the checkpoint is complete, latest missing.
		name: "killed before latest named the first checkpoint",
		damage: func(t *testing.T, dir string) {
			must(t, os.RemoveAll(filepath.Join(ckpts(dir), "epoch-002-batch-00001")))
			must(t, os.Remove(filepath.Join(ckpts(dir), LatestFile)))
		},
		say: "resuming ",
	}, {
		// The latest checkpoint is damaged: resume falls back to epoch-001.
		name: "latest checkpoint corrupt",
		damage: func(t *testing.T, dir string) {
			path := filepath.Join(ckpts(dir), "epoch-002-batch-00001", OptimizerFile)
			data, err := os.ReadFile(path)
			must(t, err)
			must(t, os.WriteFile(path, data[:len(data)/2], 0o644))
		},
		say: "skipping checkpoint epoch-002-batch-00001: ",
		// Damaged, but nerlab's to replace, not to delete.
		kept: []string{"checkpoints/epoch-002-batch-00001"},
	}, {
		name:   "--checkpoint picks an earlier one",
		damage: func(t *testing.T, dir string) {},
		opts:   Options{Checkpoint: "epoch-001"},
		say:    "removed checkpoints epoch-002-batch-00001",
		gone:   []string{"checkpoints/epoch-002-batch-00001"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := interruptedRun(t, exp)
			c.damage(t, dir)
			// A file of the user's that looks a little like nerlab's
			// temporary names stays.
			mine := filepath.Join(ckpts(dir), "epoch-notes.tmp-1")
			must(t, os.WriteFile(mine, []byte("mine"), 0o644))
			var start string
			opts := c.opts
			opts.Events = func(e Event) {
				if e.Kind == EventStart {
					start = e.Message
				}
			}
			if _, err := Resume(context.Background(), dir, models.Recipe, opts); err != nil {
				t.Fatalf("resume: %v", err)
			}
			if !strings.Contains(start, c.say) {
				t.Errorf("resume's start message lacks %q:\n%s", c.say, start)
			}
			sameCurve(t, c.name, dir, want)
			weights, err := os.ReadFile(filepath.Join(dir, runs.FinalModelDir, "model.safetensors"))
			must(t, err)
			if !bytes.Equal(weights, refWeights) {
				t.Errorf("the final model's weights differ from the uninterrupted run's")
			}
			for _, g := range c.gone {
				if _, err := os.Stat(filepath.Join(dir, g)); err == nil {
					t.Errorf("%s is still there", g)
				}
			}
			for _, k := range c.kept {
				if _, err := os.Stat(filepath.Join(dir, k)); err != nil {
					t.Errorf("%s was removed", k)
				}
			}
			if _, err := os.Stat(mine); err != nil {
				t.Errorf("resume removed a file nerlab did not make: %v", err)
			}
			if data, _ := os.ReadFile(filepath.Join(dir, runs.LogFile)); !strings.Contains(string(data), c.say) {
				t.Errorf("training.log lacks %q", c.say)
			}
		})
	}
}

func TestResumeCheckpointFlagErrors(t *testing.T) {
	exp := tinyExperiment(t, 3)
	dir := interruptedRun(t, exp)
	for _, c := range []struct{ checkpoint, want string }{
		{"epoch-009", "no such checkpoint in " + filepath.Join(dir, runs.CheckpointsDir) + "; it has epoch-001, epoch-002-batch-00001"},
		{filepath.Join(t.TempDir(), "epoch-001"), "not a checkpoint of " + dir},
	} {
		_, err := Resume(context.Background(), dir, models.Recipe, Options{Checkpoint: c.checkpoint})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--checkpoint %s: error %v, want one saying %q", c.checkpoint, err, c.want)
		}
	}
	// A path to one of the run's checkpoints is accepted; a damaged one
	// named explicitly is an error naming the file, not a fallback.
	path := filepath.Join(dir, runs.CheckpointsDir, "epoch-001", StateFile)
	must(t, os.WriteFile(path, []byte(`{"format": 1, "epoch": `), 0o644))
	_, err := Resume(context.Background(), dir, models.Recipe, Options{Checkpoint: filepath.Join(dir, runs.CheckpointsDir, "epoch-001")})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a damaged --checkpoint: error %v, want one naming %s", err, path)
	}
}

// TestTrainAgainAfterFailedStart: a run whose data file is missing leaves
// no folder, and a folder that stopped before its first checkpoint does not
// block train; one with anything else in it still does.
func TestTrainAgainAfterFailedStart(t *testing.T) {
	exp := tinyExperiment(t, 1)
	dir := filepath.Join(t.TempDir(), "run")
	bad := *exp
	bad.Data.Train = filepath.Join(t.TempDir(), "missing.conll")
	if _, err := Train(context.Background(), &bad, models.Recipe, Options{RunDir: dir}); err == nil || !strings.Contains(err.Error(), "missing.conll") {
		t.Fatalf("missing data: error %v, want one naming the file", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a run that could not read its data left %s behind", dir)
	}

	// Killed while writing its marker: the lock and the marker's temporary
	// file (the chaos test found it). Nothing to keep; train starts.
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, runs.LockFile), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "."+runs.Marker+".tmp-7"), []byte("{"), 0o644))
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatalf("train on a folder killed while writing its marker: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "."+runs.Marker+".tmp-7")); err == nil {
		t.Errorf("the marker's temporary file is still there")
	}
	must(t, os.RemoveAll(dir))

	leftovers := func(t *testing.T, extra ...string) {
		must(t, os.MkdirAll(dir, 0o755))
		must(t, WriteRunMarker(dir))
		for _, name := range append([]string{runs.LogFile, runs.ConfigCopy, runs.LossFile, "checkpoints/.epoch-001.tmp-42/model.safetensors"}, extra...) {
			path := filepath.Join(dir, name)
			must(t, os.MkdirAll(filepath.Dir(path), 0o755))
			must(t, os.WriteFile(path, []byte("EPOCH\tTIMESTAMP\n1\t12:00:00\n"), 0o644))
		}
	}
	must(t, os.RemoveAll(dir))
	leftovers(t)
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatalf("train on a folder without a checkpoint: %v", err)
	}
	if rows := readLossRows(t, dir); len(rows) != 2 || rows[1][0] != "1" || rows[0][2] != "BAD_EPOCHS" {
		t.Errorf("loss.tsv after the restart: %v; want the new run's header and one row", rows)
	}
	if _, err := os.Stat(filepath.Join(dir, runs.CheckpointsDir, ".epoch-001.tmp-42")); err == nil {
		t.Errorf("the temporary checkpoint folder is still there")
	}

	for _, extra := range []string{"notes.txt", "checkpoints/epoch-001/trainer.json"} {
		must(t, os.RemoveAll(dir))
		leftovers(t, extra)
		_, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir})
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("with %s: error %v, want the folder refused", extra, err)
		}
		if _, err := os.Stat(filepath.Join(dir, extra)); err != nil {
			t.Errorf("with %s: it was removed", extra)
		}
	}
	// Killed right after taking the lock: the stale lock file alone does
	// not make a run.
	must(t, os.RemoveAll(dir))
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, runs.LockFile), []byte("12345\n"), 0o644))
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Errorf("train on a folder with a stale lock file: %v", err)
	}
	// Folders without nerlab's marker are not runs, however run-like
	// their names: the user's config.yaml alone, flair's first epoch
	// (training.log, loss.tsv), a Lightning folder. train, train --fresh
	// and resume refuse them, and they stay as they were.
	for _, names := range [][]string{{runs.ConfigCopy}, {runs.LogFile, runs.LossFile}, {runs.ConfigCopy, runs.MetricsFile, "checkpoints/lightning/last.ckpt"}} {
		must(t, os.RemoveAll(dir))
		for _, name := range names {
			path := filepath.Join(dir, name)
			must(t, os.MkdirAll(filepath.Dir(path), 0o755))
			must(t, os.WriteFile(path, []byte("name: mine\n"), 0o644))
		}
		for _, fresh := range []bool{false, true} {
			_, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir, Fresh: fresh})
			if err == nil || !strings.Contains(err.Error(), "not a run folder") || strings.Contains(err.Error(), "resume") {
				t.Errorf("%v, fresh %v: %v, want a refusal that does not suggest resume", names, fresh, err)
			}
		}
		if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); err == nil || !strings.Contains(err.Error(), "not a run folder") {
			t.Errorf("%v: resume: %v", names, err)
		}
		for _, name := range names {
			if data, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(data) != "name: mine\n" {
				t.Errorf("%v: %s was changed or removed", names, name)
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestResumeFinishesAKilledFinish: a run killed while finishing, after
// results.json but before the finished mark, or with a checkpoint that
// annealing had already marked finished but before results.json, is
// finished by resume, with one set of final lines in metrics.jsonl.
func TestResumeFinishesAKilledFinish(t *testing.T) {
	exp := tinyExperiment(t, 2)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	finals := func() int {
		data, err := os.ReadFile(filepath.Join(dir, runs.MetricsFile))
		must(t, err)
		return strings.Count(string(data), `"kind":"final"`)
	}
	want := finals()
	if want == 0 {
		t.Fatal("no final lines in metrics.jsonl")
	}
	for _, c := range []struct {
		name   string
		damage func()
	}{
		{"killed before the finished mark", func() {
			last, err := LatestCheckpoint(dir)
			must(t, err)
			st, err := ReadState(filepath.Join(last, StateFile))
			must(t, err)
			st.Finished, st.StopReason = false, ""
			must(t, WriteState(last, st))
		}},
		{"killed before results.json, the checkpoint already marked finished", func() {
			must(t, os.Remove(filepath.Join(dir, runs.ResultsFile)))
		}},
		// As when annealing stops a run before max_epochs: the finished
		// checkpoint is the last epoch, even with epochs left.
		{"marked finished before max_epochs", func() {
			must(t, os.Remove(filepath.Join(dir, runs.ResultsFile)))
			path := filepath.Join(dir, runs.ConfigCopy)
			data, err := os.ReadFile(path)
			must(t, err)
			more := strings.Replace(string(data), "max_epochs: 2\n", "max_epochs: 3\n", 1)
			if more == string(data) {
				t.Fatalf("no max_epochs: 2 in %s:\n%s", path, data)
			}
			must(t, os.WriteFile(path, []byte(more), 0o644))
		}},
	} {
		c.damage()
		if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); err != nil {
			t.Fatalf("%s: resume: %v", c.name, err)
		}
		if _, err := runs.ReadResults(dir); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if got := finals(); got != want {
			t.Errorf("%s: %d final lines in metrics.jsonl, want %d", c.name, got, want)
		}
		if rows := readLossRows(t, dir); len(rows) != 3 {
			t.Errorf("%s: %d loss.tsv rows, want the header and the 2 epochs", c.name, len(rows))
		}
	}
	if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Errorf("resume of the finished run: %v, want a refusal", err)
	}
}

// TestResumeEarlierCheckpointTakesBackTheFinish: going back to an earlier
// checkpoint left the finished run's results.json, test predictions and
// final model in place, so an interrupted resume showed the old finish as
// the run's, and best-model could come from the epochs trained again.
func TestResumeEarlierCheckpointTakesBackTheFinish(t *testing.T) {
	exp := tinyExperiment(t, 3)
	exp.Train.MonitorTest = true
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	st, err := ReadState(filepath.Join(dir, runs.CheckpointsDir, "epoch-001", StateFile))
	if err != nil {
		t.Fatal(err)
	}
	// Interrupt the resumed run at its first batch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := Options{Checkpoint: "epoch-001", Events: func(e Event) {
		if e.Kind == EventProgress {
			cancel()
		}
	}}
	if _, err := Resume(ctx, dir, models.Recipe, opts); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("resume: %v, want an interruption", err)
	}
	for _, name := range []string{runs.ResultsFile, runs.TestPredFile, runs.FinalModelDir} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s of the old finish is still there", name)
		}
	}
	best, err := os.ReadFile(filepath.Join(dir, runs.BestModelDir, tagger.WeightsFile))
	if st.BestEpoch == 1 {
		ckpt, _ := os.ReadFile(filepath.Join(dir, runs.CheckpointsDir, "epoch-001", tagger.WeightsFile))
		if err != nil || !bytes.Equal(best, ckpt) {
			t.Errorf("best-model is not epoch 1's model (%v)", err)
		}
	} else if err == nil {
		t.Errorf("best-model from the dropped epochs is still there")
	}
	if _, err := runs.ReadResults(dir); err == nil {
		t.Errorf("results.json reads as the run's results")
	}
}

// TestResumeKeepsAnEarlierBestModel: resume --checkpoint of a checkpoint
// after the best epoch removed the best model ("it may come from the
// epochs trained again"), and the run then ended without one.
func TestResumeKeepsAnEarlierBestModel(t *testing.T) {
	exp := tinyExperiment(t, 6)
	exp.Train.LearningRate = 0.5 // at this rate dev F1 stops improving before the last epoch (epoch 4 of 6)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	last, err := ReadState(filepath.Join(dir, runs.CheckpointsDir, "epoch-006", StateFile))
	if err != nil {
		t.Fatal(err)
	}
	// A checkpoint after the best epoch, before the end.
	at := last.BestEpoch + 1
	if at >= 6 {
		t.Fatalf("the best epoch is %d: this run no longer has a checkpoint after it (change the learning rate)", last.BestEpoch)
	}
	before, _ := os.ReadFile(filepath.Join(dir, runs.BestModelDir, tagger.WeightsFile))
	res, err := Resume(context.Background(), dir, models.Recipe, Options{Checkpoint: fmt.Sprintf("epoch-%03d", at)})
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(filepath.Join(dir, runs.BestModelDir, tagger.WeightsFile))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("best epoch %d, resumed from epoch %d: best-model %v, changed %v", last.BestEpoch, at, err, !bytes.Equal(before, after))
	}
	if res.BestEpoch != last.BestEpoch {
		t.Errorf("best epoch %d after the resume, %d before", res.BestEpoch, last.BestEpoch)
	}
}
