package runs_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/runs/runstest"
)

func tests(viewF1 ...any) []runs.ViewScore {
	var out []runs.ViewScore
	for i := 0; i < len(viewF1); i += 2 {
		out = append(out, runs.ViewScore{View: viewF1[i].(string), F1: viewF1[i+1].(float64)})
	}
	return out
}

func TestGroupBySeed(t *testing.T) {
	root := t.TempDir()
	list := []runs.RunInfo{
		{Dir: runstest.SeedRun(t, root, "ctx-s2", 2, 0.1), Status: "finished", BestDevF1: 0.50, Tests: tests("plain", 0.40)},
		{Dir: runstest.SeedRun(t, root, "base-s1", 1, 0.05), Status: "finished", BestDevF1: 0.30, Tests: tests("plain", 0.20)},
		{Dir: runstest.SeedRun(t, root, "ctx-s1", 1, 0.1), Status: "finished", BestDevF1: 0.40, Tests: tests("plain", 0.30)},
		{Dir: runstest.SeedRun(t, root, "ctx-s3", 3, 0.1), Status: "finished", BestDevF1: 0.60, Tests: tests("plain", 0.35)},
		{Dir: runstest.SeedRun(t, root, "ctx-s4", 4, 0.1), Status: "interrupted", BestDevF1: 0.90},
	}
	groups, err := runs.GroupBySeed(list)
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
	if ctx.Dev.N != 3 || !near(ctx.Dev.Mean, 0.5) || !near(ctx.Dev.SD, 0.1) || !near(ctx.Test().Mean, 0.35) || !near(ctx.Test().SD, 0.05) {
		t.Errorf("ctx spreads: dev %+v test %+v", ctx.Dev, ctx.Test())
	}
	if base.Test().N != 1 || base.Test().SD != 0 || !near(base.Test().Mean, 0.2) {
		t.Errorf("base spread %+v", base.Test())
	}
}

// TestGroupBySeedReadsTheCopyAsYAML: runs reads the experiment copy as
// plain YAML (it may not depend on lib/config), so what tells two copies
// apart must be the experiment alone: a head comment naming another file
// the experiment was read from, or another key order, does not split a
// group, and a copy without its seed is an error naming the file.
func TestGroupBySeedReadsTheCopyAsYAML(t *testing.T) {
	root := t.TempDir()
	a, b := runstest.SeedRun(t, root, "x-s1", 1, 0.1), runstest.SeedRun(t, root, "x-s2", 2, 0.1)
	copyB := filepath.Join(b, runs.ConfigCopy)
	data, err := os.ReadFile(copyB)
	if err != nil {
		t.Fatal(err)
	}
	// The train section first and a comment on top: the same experiment.
	text := string(data)
	train := regexp.MustCompile(`(?m)^train:\n(?:(?:  .*)?\n)*`).FindString(text)
	if train == "" || strings.HasPrefix(text, train) {
		t.Fatalf("no train section after another in\n%s", text)
	}
	text = "# read from elsewhere.yaml\n" + train + strings.Replace(text, train, "", 1)
	if err := os.WriteFile(copyB, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	groups, err := runs.GroupBySeed([]runs.RunInfo{{Dir: a}, {Dir: b}})
	if err != nil || len(groups) != 1 || len(groups[0].Seeds) != 2 || groups[0].Seeds[1] != 2 {
		t.Errorf("groups %+v, %v; want one group of seeds 1 and 2", groups, err)
	}
	noSeed := regexp.MustCompile(`(?m)^  seed: .*\n`).ReplaceAllString(text, "")
	if noSeed == text {
		t.Fatalf("no train.seed line in\n%s", text)
	}
	os.WriteFile(copyB, []byte(noSeed), 0o644)
	if _, err := runs.GroupBySeed([]runs.RunInfo{{Dir: a}, {Dir: b}}); err == nil || !strings.Contains(err.Error(), copyB) {
		t.Errorf("a copy without train.seed: %v", err)
	}
}

// TestGroupBySeedTwoViews: two-view groups summarise each view's test F1.
func TestGroupBySeedTwoViews(t *testing.T) {
	root := t.TempDir()
	groups, err := runs.GroupBySeed([]runs.RunInfo{
		{Dir: runstest.SeedRun(t, root, "cl-s1", 1, 0.1), Status: "finished", BestDevF1: 0.5, Tests: tests("plain", 0.4, "context", 0.6)},
		{Dir: runstest.SeedRun(t, root, "cl-s2", 2, 0.1), Status: "finished", BestDevF1: 0.5, Tests: tests("plain", 0.4, "context", 0.8)},
		{Dir: runstest.SeedRun(t, root, "base-s1", 1, 0.05), Status: "finished", BestDevF1: 0.3, Tests: tests("plain", 0.2)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := groups[0].ViewTest("context"); c.N != 2 || math.Abs(c.Mean-0.7) > 1e-12 || groups[1].ViewTest("context").N != 0 {
		t.Errorf("context spreads %+v %+v", c, groups[1].ViewTest("context"))
	}
	data, err := json.Marshal(groups[0])
	if err != nil || !strings.Contains(string(data), `"test_f1":{"mean":0.4,"sd":0,"n":2}`) || !strings.Contains(string(data), `{"view":"context","mean":0.7`) {
		t.Errorf("JSON %s, %v", data, err)
	}
}

// TestStatusFromFiles: a run's status follows its files and its lock —
// started, running while a process holds running.lock, interrupted with a
// checkpoint, finished with results.json.
func TestStatusFromFiles(t *testing.T) {
	dir := t.TempDir()
	if s := runs.Status(dir); s != "started" {
		t.Errorf("empty run folder: %s", s)
	}
	// Killed before its first checkpoint, with nobody holding the lock.
	os.WriteFile(filepath.Join(dir, runs.LogFile), []byte("log\n"), 0o644)
	if s := runs.Status(dir); s != "interrupted" {
		t.Errorf("a run killed before its first checkpoint: %s", s)
	}
	lock, err := os.Create(filepath.Join(dir, runs.LockFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(lock, "%d\n", os.Getpid())
	if s := runs.Status(dir); s != "running" {
		t.Errorf("locked run folder: %s", s)
	}
	if pid, ok := runs.Running(dir); !ok || pid != os.Getpid() {
		t.Errorf("Running = %d, %v; want this process", pid, ok)
	}
	lock.Close() // releases the lock, as a killed trainer's exit does; the file stays
	os.MkdirAll(filepath.Join(dir, runs.CheckpointsDir, "latest"), 0o755)
	if s := runs.Status(dir); s != "interrupted" {
		t.Errorf("unlocked run folder with a checkpoint: %s", s)
	}
	os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte("{}"), 0o644)
	if s := runs.Status(dir); s != "finished" {
		t.Errorf("run folder with results.json: %s", s)
	}
}

func TestMarked(t *testing.T) {
	dir := t.TempDir()
	if _, err := runs.Marked(dir); !os.IsNotExist(err) {
		t.Errorf("no marker: %v; want a not-exist error", err)
	}
	os.WriteFile(filepath.Join(dir, runs.Marker), []byte(`{"format":"flair"}`), 0o644)
	if ok, err := runs.Marked(dir); ok || err != nil {
		t.Errorf("a foreign marker: %v %v", ok, err)
	}
	os.WriteFile(filepath.Join(dir, runs.Marker), []byte(`{"format":"nerlab-run","version":1}`+"\n"), 0o644)
	if ok, err := runs.Marked(dir); !ok || err != nil {
		t.Errorf("nerlab's marker: %v %v", ok, err)
	}
}

// The results.json of a two-view run, as the trainer wrote it before
// results.json listed views, and as it writes it now.
const (
	oldResults = `{"run_dir":"runs/cl","epochs":3,"best_epoch":2,"best_dev_f1":0.5,"stopped":"max_epochs",
		"test_loss":1.5,"test":{"f1":0.4},"test_context_loss":1.25,"test_context":{"f1":0.625},"select_view":"plain"}`
	newResults = `{"run_dir":"runs/cl","epochs":3,"best_epoch":2,"best_dev_f1":0.5,"stopped":"max_epochs",
		"test_loss":1.5,"test":{"f1":0.4},
		"views":[{"view":"plain","test_loss":1.5,"test":{"f1":0.4}},{"view":"context","test_loss":1.25,"test":{"f1":0.625}}],
		"select_view":"plain"}`
)

func TestReadResultsOldAndNew(t *testing.T) {
	for name, text := range map[string]string{"old": oldResults, "new": newResults} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte(text), 0o644)
		r, err := runs.ReadResults(dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Epochs != 3 || r.BestEpoch != 2 || *r.BestDevF1 != 0.5 || r.SelectView != "plain" || r.TestLoss != 1.5 || r.Test.Micro.F1 != 0.4 {
			t.Errorf("%s: %+v", name, r)
		}
		if len(r.Views) != 2 || r.Views[0].View != "plain" || r.Views[0].Test.Micro.F1 != 0.4 || r.Views[0].TestLoss != 1.5 {
			t.Errorf("%s: views %+v", name, r.Views)
		}
		if c := r.View("context"); c == nil || c.Test.Micro.F1 != 0.625 || c.TestLoss != 1.25 {
			t.Errorf("%s: context view %+v", name, c)
		}
		// Written again, a result has the new layout alone.
		data, _ := json.Marshal(r)
		if strings.Contains(string(data), "test_context") || !strings.Contains(string(data), `"views":[{"view":"plain"`) {
			t.Errorf("%s: written as %s", name, data)
		}
	}
}

// TestReadResultsOldOneViewRun: an old one-view run names its view in
// metrics.jsonl's final test line, which may be the context view.
func TestReadResultsOldOneViewRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte(`{"run_dir":"x","epochs":1,"best_epoch":1,"best_dev_f1":null,"stopped":"max_epochs","test_loss":2,"test":{"f1":0.3}}`), 0o644)
	r, err := runs.ReadResults(dir)
	if err != nil || len(r.Views) != 1 || r.Views[0].View != "plain" || r.BestDevF1 != nil {
		t.Fatalf("without metrics.jsonl: %+v, %v", r, err)
	}
	runstest.WriteLines(t, dir, runs.MetricsFile, []string{`{"kind":"train","epoch":1,"loss":2}`,
		`{"kind":"final","epoch":1,"split":"test","view":"context","loss":2,"path":"best"}`})
	if r, err = runs.ReadResults(dir); err != nil || len(r.Views) != 1 || r.Views[0].View != "context" || r.Views[0].Test.Micro.F1 != 0.3 {
		t.Errorf("with metrics.jsonl: %+v, %v", r, err)
	}
	os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte(`{"run_dir":`), 0o644)
	if _, err := runs.ReadResults(dir); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, runs.ResultsFile)+": ") {
		t.Errorf("a broken results.json: %v; want an error naming the file", err)
	}
	// A wrong type is named with its line and field, and no Go type
	// made up to decode the file shows in the message.
	os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte("\n{\n \"run_dir\": \"x\",\n \"epochs\": \"3\"\n}\n"), 0o644)
	want := filepath.Join(dir, runs.ResultsFile) + ": line 4: json: cannot unmarshal string into Go struct field results.epochs of type int"
	if _, err := runs.ReadResults(dir); err == nil || err.Error() != want {
		t.Errorf("a string for epochs: error\n %v\nwant\n %s", err, want)
	}
	os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte("{\n \"run_dir\": \"x\",\n\n \"test_context_loss\": \"2\"\n}\n"), 0o644)
	if _, err := runs.ReadResults(dir); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, runs.ResultsFile)+": line 4: ") || !strings.Contains(err.Error(), "test_context_loss") {
		t.Errorf("a string for the old layout's test_context_loss: %v", err)
	}
	if _, err := runs.ReadResults(t.TempDir()); !os.IsNotExist(err) {
		t.Errorf("no results.json: %v", err)
	}
}

// TestInspect: a finished run's summary carries its views' test scores.
func TestInspect(t *testing.T) {
	dir := t.TempDir()
	f := runstest.Fixture{Test: true, Views: []string{runs.Plain, "context"}}
	runstest.WriteLines(t, dir, runs.MetricsFile, f.JSONLLines(t, 1, runstest.Epochs))
	os.WriteFile(filepath.Join(dir, runs.ResultsFile), []byte(oldResults), 0o644)
	info, err := runs.Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != "finished" || info.Epochs != 10 || info.BestEpoch != 7 || info.BestDevF1 != runstest.DevF1[6] || info.Stopped != "max_epochs" {
		t.Errorf("info %+v", info)
	}
	if info.TestF1() != 0.4 || info.ViewTestF1("context") != 0.625 || !math.IsNaN(info.ViewTestF1("other")) {
		t.Errorf("tests %+v", info.Tests)
	}
	data, _ := json.Marshal(info)
	if !strings.Contains(string(data), `"test_f1":0.4`) || !strings.Contains(string(data), `"tests":[{"view":"plain","f1":0.4},{"view":"context","f1":0.625}]`) {
		t.Errorf("JSON %s", data)
	}
	if _, err := runs.Inspect(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a run folder") {
		t.Errorf("an empty folder: %v", err)
	}
}
