package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/metrics"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/train"
)

// trainDemo trains the demo experiment briefly through the command layer
// (from the repository root, where its relative paths point) and returns
// the run folder.
func trainDemo(t *testing.T) string {
	t.Helper()
	run := filepath.Join(t.TempDir(), "run")
	root, _ := filepath.Abs("../..")
	t.Chdir(root)
	var out, errOut bytes.Buffer
	err := New().Exec(context.Background(), &Env{Stdout: &out, Stderr: &errOut, Session: &Session{}},
		[]string{"train", "data/configs/demo.yaml", "--set", "train.max_epochs=2", "--set", "train.monitor_test=false", "--out", run, "--progress", "0.001"})
	if err != nil {
		t.Fatalf("train: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"run folder", "best epoch", "test        P"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("train output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "epoch 2/2") {
		t.Errorf("no epoch lines on stderr:\n%s", errOut.String())
	}
	// Off a terminal, progress comes as lines of their own (nohup runs do
	// not look dead), and training.log has them too.
	progress := regexp.MustCompile(`epoch 1/2  batch \d+/\d+  loss \d+\.\d+  \d+ tok/s  ETA \d`)
	if !progress.MatchString(errOut.String()) {
		t.Errorf("no progress lines on stderr:\n%s", errOut.String())
	}
	if log, err := os.ReadFile(filepath.Join(run, "training.log")); err != nil || !progress.Match(log) {
		t.Errorf("no progress lines in training.log (%v):\n%s", err, log)
	}
	return run
}

func TestModelCommands(t *testing.T) {
	run := trainDemo(t)
	l := New()
	exec := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := l.Exec(context.Background(), &Env{Stdin: strings.NewReader("Stedian Restous left Siastias Systems .\n\nSiastias Systems opened a site near Razaerholm .\n"),
			Stdout: &out, Stderr: &errOut, Session: &Session{}}, args)
		return out.String(), err
	}

	// eval --json has the same keys as score --json.
	out, err := exec("eval", "--model", run, "--data", "data/sample/test.conll", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep metrics.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Sentences != 200 || rep.Micro.F1 < 0.5 {
		t.Errorf("eval --json: %v %+v\n%s", err, rep, out)
	}

	// predict from stdin: CoNLL with one blank line per sentence, empty lines skipped.
	out, err = exec("predict", "--model", run)
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(strings.TrimSpace(out), "\n\n")
	if len(blocks) != 2 || !strings.HasPrefix(blocks[0], "Stedian ") || len(strings.Split(blocks[1], "\n")) != 8 {
		t.Errorf("predict output:\n%s", out)
	}
	out, err = exec("predict", "--model", run, "--json", "--text", "Stedian Restous left Siastias Systems .")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"entities"`) || !strings.Contains(out, `"confidence"`) {
		t.Errorf("predict --json: %s", out)
	}

	// predict --conll appends a column to every token line and keeps blank lines.
	out, err = exec("predict", "--model", run, "--conll", "data/sample/dev.conll")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile("data/sample/dev.conll")
	srcLines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	outLines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(srcLines) != len(outLines) {
		t.Fatalf("predict --conll: %d lines for %d input lines", len(outLines), len(srcLines))
	}
	for i := range srcLines {
		if srcLines[i] == "" {
			if outLines[i] != "" {
				t.Fatalf("line %d: blank line became %q", i+1, outLines[i])
			}
			continue
		}
		if !strings.HasPrefix(outLines[i], srcLines[i]+"\t") && !strings.HasPrefix(outLines[i], srcLines[i]+" ") {
			t.Fatalf("line %d: %q does not extend %q", i+1, outLines[i], srcLines[i])
		}
	}

	// parse writes token gold pred score.
	parseDir := t.TempDir()
	dataDir := t.TempDir()
	data, _ := os.ReadFile("data/sample/dev.conll")
	os.WriteFile(filepath.Join(dataDir, "dev.txt"), data, 0o644)
	if _, err := exec("parse", "--model", run, "--dir", dataDir, "--out", parseDir); err != nil {
		t.Fatal(err)
	}
	parsed, err := os.ReadFile(filepath.Join(parseDir, "dev.txt.parse"))
	if err != nil {
		t.Fatal(err)
	}
	first := strings.Fields(strings.SplitN(string(parsed), "\n", 2)[0])
	if len(first) != 4 || first[0] != strings.Fields(srcLines[0])[0] {
		t.Errorf("parse line %q", first)
	}

	// plot writes PNG and SVG.
	for _, name := range []string{"c.png", "c.svg"} {
		path := filepath.Join(t.TempDir(), name)
		if _, err := exec("plot", run, "--out", path); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() < 1000 {
			t.Errorf("plot %s: %v", name, err)
		}
	}

	// A sentence without entities has "entities":[], not null.
	out, err = exec("predict", "--model", run, "--json", "--text", "the .")
	if err != nil || !strings.Contains(out, `"entities":[]`) {
		t.Errorf("predict --json without entities: %v %s", err, out)
	}

	// predict --conll writes tags in the input's scheme (BIO gold next to
	// BIOES predictions scored as 80% token accuracy), or in --scheme's.
	bio := filepath.Join(t.TempDir(), "dev.bio")
	if _, err := exec("convert", "data/sample/dev.conll", "--to", "bio", "-o", bio); err != nil {
		t.Fatal(err)
	}
	lastTags := func(out string) string {
		var tags []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 {
				tags = append(tags, f[len(f)-1])
			}
		}
		return strings.Join(tags, " ")
	}
	out, err = exec("predict", "--model", run, "--conll", bio)
	if err != nil {
		t.Fatal(err)
	}
	if tags := lastTags(out); strings.Contains(tags, "S-") || strings.Contains(tags, "E-") || !strings.Contains(tags, "B-") {
		t.Errorf("predict --conll on a BIO file wrote BIOES tags")
	}
	out, err = exec("predict", "--model", run, "--conll", bio, "--scheme", "bioes")
	if err != nil || !strings.Contains(lastTags(out), "S-") {
		t.Errorf("predict --scheme bioes: %v", err)
	}

	// A tag column of O alone says nothing of a scheme: the model's stays.
	allO := filepath.Join(t.TempDir(), "placeholder.conll")
	var b strings.Builder
	for _, l := range srcLines {
		if f := strings.Fields(l); len(f) > 1 {
			l = f[0] + " O"
		}
		b.WriteString(l + "\n")
	}
	os.WriteFile(allO, []byte(b.String()), 0o644)
	if out, err := exec("predict", "--model", run, "--conll", allO); err != nil || !strings.Contains(lastTags(out), "S-") && !strings.Contains(lastTags(out), "E-") {
		t.Errorf("predict --conll on a file of O tags converted the model's BIOES: %v", err)
	}
	// eval --out may not write over the model it evaluates.
	if _, err := exec("eval", "--model", run, "--data", "data/sample/dev.conll", "--out", filepath.Join(run, "best-model", "model.json")); err == nil || !strings.Contains(err.Error(), "input") {
		t.Errorf("eval --out into the model: %v", err)
	}

	// A write error reaches the user (it was dropped).
	var errOut bytes.Buffer
	err = l.Exec(context.Background(), &Env{Stdin: strings.NewReader("Stedian Restous left .\n"), Stdout: failingWriter{}, Stderr: &errOut, Session: &Session{}},
		[]string{"predict", "--model", run, "--json"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("predict to a failing writer: %v", err)
	}

	// Mistakes are one-line usage errors.
	for _, args := range [][]string{{"train"}, {"eval", "--model", run}, {"predict"}, {"train", "data/configs/demo.yaml", "--set", "train.nope=1"}} {
		if _, err := exec(args...); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want a one-line error", args, err)
		}
	}
}

// failingWriter fails every write, as a full disk or a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestDamagedBestModelRefused: with best-model/model.json missing, eval
// and predict once used final-model silently.
func TestDamagedBestModelRefused(t *testing.T) {
	run := trainDemo(t)
	if err := os.Remove(filepath.Join(run, runs.BestModelDir, "model.json")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"eval", "--model", run, "--data", "data/sample/test.conll"}, {"predict", "--model", run, "--text", "Stedian Restous left ."}} {
		var out, errOut bytes.Buffer
		err := New().Exec(context.Background(), &Env{Stdout: &out, Stderr: &errOut, Session: &Session{}}, args)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(runs.BestModelDir, "model.json")) {
			t.Errorf("%s: %v, want a refusal naming best-model/model.json", args[0], err)
		}
	}
}

// TestTrainInterruptAndResume cancels training through the command layer
// (as Ctrl-C does) and resumes it.
func TestTrainInterruptAndResume(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	root, _ := filepath.Abs("../..")
	t.Chdir(root)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess := &Session{Events: func(e train.Event) {
		if e.Kind == train.EventCheckpoint && e.Epoch == 1 {
			cancel()
		}
	}}
	var out, errOut bytes.Buffer
	err := New().Exec(ctx, &Env{Stdout: &out, Stderr: &errOut, Session: sess},
		[]string{"train", "data/configs/demo.yaml", "--set", "train.max_epochs=2", "--out", run})
	if err == nil || !strings.Contains(err.Error(), "nerlab resume") {
		t.Fatalf("interrupted train: %v", err)
	}
	err = New().Exec(context.Background(), &Env{Stdout: &out, Stderr: &errOut, Session: &Session{}}, []string{"resume", run, "--checkpoint", "epoch-007"})
	if err == nil || !strings.Contains(err.Error(), "no such checkpoint") {
		t.Fatalf("resume --checkpoint of a missing checkpoint: %v", err)
	}
	// The interrupt wrote a checkpoint at the start of epoch 2 besides
	// epoch 1's; --checkpoint picks epoch 1's, and the start message says so.
	errOut.Reset()
	err = New().Exec(context.Background(), &Env{Stdout: &out, Stderr: &errOut, Session: &Session{}}, []string{"resume", run, "--checkpoint", "epoch-001"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "resuming "+run+" from epoch-001") {
		t.Errorf("resume --checkpoint epoch-001 does not say what it did:\n%s", errOut.String())
	}
	rows, _ := os.ReadFile(filepath.Join(run, "loss.tsv"))
	if n := strings.Count(string(rows), "\n"); n != 3 {
		t.Errorf("loss.tsv has %d lines after resume, want header + 2 epochs:\n%s", n, rows)
	}
}

// TestTrainSummaryOfTwoViewRun: a two-view run's summary names the view
// that picked the best epoch and scores test in both views; a one-view
// run's says neither.
func TestTrainSummaryOfTwoViewRun(t *testing.T) {
	eval := func(p, r, f float64) *train.Evaluation {
		return &train.Evaluation{Report: metrics.Report{Micro: metrics.Score{Precision: p, Recall: r, F1: f}}}
	}
	dir := t.TempDir() // not a run folder: the session keeps no run
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out, Session: &Session{}}
	res := &train.Result{RunDir: dir, Epochs: 3, Stopped: "reached max_epochs 3", BestEpoch: 2, BestDevF1: 0.5, SelectView: "context",
		Tests: []train.ViewEvaluation{{View: "plain", Evaluation: eval(0.4, 0.4, 0.4)}, {View: "context", Evaluation: eval(0.6, 0.5, 0.5454)}}}
	if err := reportRun(env, dir, res, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"best epoch  2 (dev F1 50.00, context view)\n", "test (plain view) P 40.00  R 40.00  F1 40.00\n",
		"test (context view) P 60.00  R 50.00  F1 54.54\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("two-view summary lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	res.SelectView, res.Tests = "", res.Tests[:1]
	if err := reportRun(env, dir, res, nil); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "best epoch  2 (dev F1 50.00)\n") || !strings.Contains(s, "test        P 40.00") || strings.Contains(s, "view") {
		t.Errorf("one-view summary:\n%s", s)
	}
	// A one-view run on context views, too (make demo's world-context).
	out.Reset()
	res.Tests[0].View = "context"
	if err := reportRun(env, dir, res, nil); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "test        P 40.00") || strings.Contains(s, "view") {
		t.Errorf("one-view context-view summary:\n%s", s)
	}
}

// TestReportRunWithoutDev: the best epoch of a run without dev data is
// not reported with a dev F1 (it was its negated training loss).
func TestReportRunWithoutDev(t *testing.T) {
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out, Session: &Session{}}
	res := &train.Result{RunDir: "r", Epochs: 2, BestEpoch: 2, BestDevF1: math.NaN(), Stopped: "reached max_epochs 2"}
	if err := reportRun(env, filepath.Join(t.TempDir(), "none"), res, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "dev F1") || !strings.Contains(out.String(), "lowest training loss") {
		t.Errorf("summary of a run without dev:\n%s", out.String())
	}
}
