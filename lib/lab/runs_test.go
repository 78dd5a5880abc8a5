package lab

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/train"
)

// seedRun writes a run folder holding only the experiment copy.
func seedRun(t *testing.T, root, name string, seed int64, lr float64) string {
	t.Helper()
	e := config.Default()
	e.Train.Seed, e.Train.LearningRate = seed, lr
	dir := filepath.Join(root, name)
	os.MkdirAll(dir, 0o755)
	if err := e.WriteFile(filepath.Join(dir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGroupBySeed(t *testing.T) {
	root := t.TempDir()
	nan := math.NaN()
	runs := []RunInfo{
		{Dir: seedRun(t, root, "ctx-s2", 2, 0.1), Status: "finished", BestDevF1: 0.50, TestF1: 0.40, TestContextF1: nan},
		{Dir: seedRun(t, root, "base-s1", 1, 0.05), Status: "finished", BestDevF1: 0.30, TestF1: 0.20, TestContextF1: nan},
		{Dir: seedRun(t, root, "ctx-s1", 1, 0.1), Status: "finished", BestDevF1: 0.40, TestF1: 0.30, TestContextF1: nan},
		{Dir: seedRun(t, root, "ctx-s3", 3, 0.1), Status: "finished", BestDevF1: 0.60, TestF1: 0.35, TestContextF1: nan},
		{Dir: seedRun(t, root, "ctx-s4", 4, 0.1), Status: "interrupted", BestDevF1: 0.90, TestF1: nan, TestContextF1: nan},
	}
	groups, err := GroupBySeed(runs)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("%d groups: %+v", len(groups), groups)
	}
	ctx, base := groups[0], groups[1]
	if ctx.Name != "ctx" || base.Name != "base-s1" {
		t.Errorf("names %q %q", ctx.Name, base.Name)
	}
	if len(ctx.Seeds) != 4 || ctx.Seeds[0] != 1 || ctx.Seeds[3] != 4 || ctx.Unfinished != 1 {
		t.Errorf("ctx group: seeds %v, %d unfinished", ctx.Seeds, ctx.Unfinished)
	}
	// Dev 0.4, 0.5, 0.6: mean 0.5, sample sd 0.1. Test 0.3, 0.4, 0.35:
	// mean 0.35, sample sd 0.05.
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if ctx.Dev.N != 3 || !near(ctx.Dev.Mean, 0.5) || !near(ctx.Dev.SD, 0.1) || !near(ctx.Test.Mean, 0.35) || !near(ctx.Test.SD, 0.05) {
		t.Errorf("ctx spreads: dev %+v test %+v", ctx.Dev, ctx.Test)
	}
	if base.Test.N != 1 || base.Test.SD != 0 || !near(base.Test.Mean, 0.2) {
		t.Errorf("base spread %+v", base.Test)
	}
	var b strings.Builder
	writeSeedTable(&b, groups)
	for _, want := range []string{"\nctx            4  1,2,3,4         50.00 ± 10.00     35.00 ± 5.00  (1 unfinished, left out)\n", "\nbase-s1        1  1                       30.00            20.00\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// TestGroupBySeedTwoViews: two-view groups add the context view's test F1.
func TestGroupBySeedTwoViews(t *testing.T) {
	root := t.TempDir()
	nan := math.NaN()
	runs := []RunInfo{
		{Dir: seedRun(t, root, "cl-s1", 1, 0.1), Status: "finished", BestDevF1: 0.5, TestF1: 0.4, TestContextF1: 0.6},
		{Dir: seedRun(t, root, "cl-s2", 2, 0.1), Status: "finished", BestDevF1: 0.5, TestF1: 0.4, TestContextF1: 0.8},
		{Dir: seedRun(t, root, "base-s1", 1, 0.05), Status: "finished", BestDevF1: 0.3, TestF1: 0.2, TestContextF1: nan},
	}
	groups, err := GroupBySeed(runs)
	if err != nil {
		t.Fatal(err)
	}
	if c := groups[0].TestContext; c.N != 2 || math.Abs(c.Mean-0.7) > 1e-12 || groups[1].TestContext.N != 0 {
		t.Errorf("context spreads %+v %+v", c, groups[1].TestContext)
	}
	var b strings.Builder
	writeSeedTable(&b, groups)
	lines := strings.Split(b.String(), "\n")
	if !strings.HasSuffix(lines[0], "TEST         TEST CTX") || !strings.HasSuffix(lines[1], "40.00 ± 0.00    70.00 ± 14.14") ||
		!strings.HasSuffix(lines[2], "20.00                -") {
		t.Errorf("two-view seed table:\n%s", b.String())
	}
}

func TestRunsSeedsCommand(t *testing.T) {
	root := t.TempDir()
	seedRun(t, root, "a-s1", 1, 0.1)
	seedRun(t, root, "a-s2", 2, 0.1)
	s := newSession(t)
	out := s.run("runs --seeds " + root)
	if !strings.Contains(out, "\na              2  1,2    ") || !strings.Contains(out, "(2 unfinished, left out)") {
		t.Errorf("runs --seeds:\n%s", out)
	}
	os.WriteFile(filepath.Join(root, "a-s2", "config.yaml"), []byte("train: [\n"), 0o644)
	if _, err := s.try("runs --seeds " + root); err == nil || !strings.Contains(err.Error(), "a-s2") {
		t.Errorf("broken config copy: %v", err)
	}
}

func TestRunsTableShowsContextViewOfTwoViewRuns(t *testing.T) {
	nan := math.NaN()
	var b strings.Builder
	writeRunsTable(&b, []RunInfo{{Dir: "runs/plain", Status: "finished", BestDevF1: 0.5, TestF1: 0.4, TestContextF1: nan}}, "runs", REPL)
	if strings.Contains(b.String(), "TEST CTX") {
		t.Errorf("one-view runs show a context column:\n%s", b.String())
	}
	b.Reset()
	writeRunsTable(&b, []RunInfo{{Dir: "runs/cl", Status: "finished", BestDevF1: 0.5, TestF1: 0.4, TestContextF1: 0.625},
		{Dir: "runs/plain", Status: "finished", BestDevF1: 0.5, TestF1: 0.4, TestContextF1: nan}}, "runs", REPL)
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[0], "TEST  TEST CTX") || !strings.Contains(lines[1], "40.00     62.50") || !strings.Contains(lines[2], "40.00         -") {
		t.Errorf("two-view table:\n%s", b.String())
	}
}

// TestRunStatusFromFiles: a run's status follows its files and its lock —
// started, running while a process holds running.lock, interrupted with a
// checkpoint, finished with results.json.
func TestRunStatusFromFiles(t *testing.T) {
	dir := t.TempDir()
	if s := runStatus(dir); s != "started" {
		t.Errorf("empty run folder: %s", s)
	}
	// Killed before its first checkpoint, with nobody holding the lock.
	os.WriteFile(filepath.Join(dir, train.LogFile), []byte("log\n"), 0o644)
	if s := runStatus(dir); s != "interrupted" {
		t.Errorf("a run killed before its first checkpoint: %s", s)
	}
	lock, err := os.Create(filepath.Join(dir, train.LockFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(lock, "%d\n", os.Getpid())
	if s := runStatus(dir); s != "running" {
		t.Errorf("locked run folder: %s", s)
	}
	lock.Close() // releases the lock, as a killed trainer's exit does; the file stays
	os.MkdirAll(filepath.Join(dir, train.CheckpointsDir, "latest"), 0o755)
	if s := runStatus(dir); s != "interrupted" {
		t.Errorf("unlocked run folder with a checkpoint: %s", s)
	}
	os.WriteFile(filepath.Join(dir, train.ResultsFile), []byte("{}"), 0o644)
	if s := runStatus(dir); s != "finished" {
		t.Errorf("run folder with results.json: %s", s)
	}
}
