package train_test

import (
	"context"
	"errors"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/runs"
	. "github.com/nerlab/nerlab/lib/train"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
)

// writeViews writes the context view of a CoNLL file: each sentence, then
// <EOS> and, as its "retrieved" context, its tokens in reverse order.
func writeViews(t testing.TB, plain string) string {
	t.Helper()
	c, err := corpus.ReadFile(plain, corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := c.TagColumn()
	var b strings.Builder
	for _, s := range c.Sentences {
		toks, tags := s.Columns[0], s.Columns[text]
		for i := range toks {
			b.WriteString(toks[i] + "\t" + tags[i] + "\n")
		}
		b.WriteString(corpus.EOS + "\tX\n")
		for i := len(toks) - 1; i >= 0; i-- {
			b.WriteString(toks[i] + "\tX\n")
		}
		b.WriteString("\n")
	}
	path := strings.TrimSuffix(plain, ".conll") + "-context.conll"
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// twoViewExperiment is tinyExperiment with context views of every split.
func twoViewExperiment(t testing.TB, epochs int) *config.Experiment {
	exp := tinyExperiment(t, epochs)
	d := exp.Data
	exp.Data.Context = &config.Data{Train: writeViews(t, d.Train), Dev: writeViews(t, d.Dev), Test: writeViews(t, d.Test),
		Columns: d.Columns, TagScheme: d.TagScheme}
	exp.Train.MultiViewTraining, exp.Train.CalculateL2Loss, exp.Train.DistillPosterior = true, true, true
	exp.Train.Temperature, exp.Train.MultiViewRate = 0.3, 0.5
	return exp
}

func TestTwoViewTraining(t *testing.T) {
	exp := twoViewExperiment(t, 2)
	exp.Train.MonitorTest = true
	dir := filepath.Join(t.TempDir(), "run")
	var batches int
	var views []string
	res, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir, Events: func(e Event) {
		if e.Kind == EventProgress {
			batches = e.Batches
		}
		if e.Kind == EventEval {
			views = append(views, e.Split+"/"+e.View)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	// 240 sentences in batches of 16, in each view.
	if batches != 30 {
		t.Errorf("%d batches per epoch, want 2 × 15", batches)
	}
	rows := readLossRows(t, dir)
	header := strings.Join(rows[0], " ")
	if !strings.HasSuffix(header, "TEST_ACCURACY DEV_CONTEXT_LOSS DEV_CONTEXT_PRECISION DEV_CONTEXT_RECALL DEV_CONTEXT_F1 DEV_CONTEXT_ACCURACY "+
		"TEST_CONTEXT_LOSS TEST_CONTEXT_PRECISION TEST_CONTEXT_RECALL TEST_CONTEXT_F1 TEST_CONTEXT_ACCURACY") {
		t.Errorf("loss.tsv header %s", header)
	}
	for _, r := range rows[1:] {
		if len(r) != len(rows[0]) || slices.Contains(r, "_") {
			t.Errorf("loss.tsv row %v", r)
		}
	}
	want := []string{"dev/plain", "test/plain", "dev/context", "test/context", "dev/plain", "test/plain", "dev/context", "test/context", "test/plain", "test/context"}
	if strings.Join(views, " ") != strings.Join(want, " ") {
		t.Errorf("evaluations %v", views)
	}
	// Context views that repeat the sentence make it no harder: both views
	// learn the easy sample.
	if res.Test() == nil || testOf(res, "context") == nil || res.Test().Report.Micro.F1 < 0.3 || testOf(res, "context").Report.Micro.F1 < 0.3 {
		t.Fatalf("test scores: %+v / %+v", res.Test(), testOf(res, "context"))
	}
	results, err := runs.ReadResults(dir)
	if err != nil || len(results.Views) != 2 || results.Views[0].View != "plain" || results.Views[1].View != "context" ||
		results.Views[1].Test.Micro.F1 != testOf(res, "context").Report.Micro.F1 ||
		results.Test == nil || results.Test.Micro.F1 != res.Test().Report.Micro.F1 {
		t.Errorf("results.json: %v %+v", err, results)
	}
	if _, err := os.Stat(filepath.Join(dir, runs.TestContextPredFile)); err != nil {
		t.Error(err)
	}
	metrics, _ := os.ReadFile(filepath.Join(dir, runs.MetricsFile))
	if n := strings.Count(string(metrics), `"view":"context"`); n != 2*2+1 {
		t.Errorf("metrics.jsonl has %d context-view evaluations, want 5", n)
	}
}

// TestTwoViewResumeContinuesSameCurve: the interleaving of the views'
// batches and the cooperative step are deterministic, so an interrupted
// two-view run resumes onto the uninterrupted curve.
func TestTwoViewResumeContinuesSameCurve(t *testing.T) {
	exp := twoViewExperiment(t, 2)
	exp.Train.Optimizer, exp.Train.LearningRate = "adamw", 0.01
	ref := filepath.Join(t.TempDir(), "ref")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: ref}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Train(ctx, exp, models.Recipe, Options{RunDir: dir, Events: func(e Event) {
		if e.Kind == EventProgress && e.Epoch == 2 && e.Batch < e.Batches {
			cancel()
		}
	}})
	cancel()
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("expected an interruption, got %v", err)
	}
	if _, err := Resume(context.Background(), dir, models.Recipe, Options{}); err != nil {
		t.Fatal(err)
	}
	got, want := readLossRows(t, dir), readLossRows(t, ref)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if j != 1 && got[i][j] != want[i][j] {
				t.Errorf("row %d %s = %s, uninterrupted %s", i, want[0][j], got[i][j], want[i][j])
			}
		}
	}
}

func TestTwoViewRefusesMisalignedViews(t *testing.T) {
	exp := twoViewExperiment(t, 1)
	data, _ := os.ReadFile(exp.Data.Context.Dev)
	// Change the second sentence's first token in the context view.
	blocks := strings.SplitN(string(data), "\n\n", 3)
	blocks[1] = "Changed" + blocks[1][strings.IndexByte(blocks[1], '\t'):]
	os.WriteFile(exp.Data.Context.Dev, []byte(strings.Join(blocks, "\n\n")), 0o644)
	_, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: filepath.Join(t.TempDir(), "run")})
	if err == nil || !strings.Contains(err.Error(), "data.context.dev is not the context view of data.dev") || !strings.Contains(err.Error(), `token "Changed"`) {
		t.Errorf("misaligned dev views: %v", err)
	}
}

// TestOneViewRunOnContextViews: a run whose data are context views (no
// second view) labels its evaluations with the context view.
func TestOneViewRunOnContextViews(t *testing.T) {
	exp := tinyExperiment(t, 1)
	exp.Data.Train, exp.Data.Dev, exp.Data.Test = writeViews(t, exp.Data.Train), writeViews(t, exp.Data.Dev), writeViews(t, exp.Data.Test)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir}); err != nil {
		t.Fatal(err)
	}
	metrics, _ := os.ReadFile(filepath.Join(dir, runs.MetricsFile))
	if strings.Count(string(metrics), `"view":"context"`) != 2 || strings.Contains(string(metrics), `"view":"plain"`) {
		t.Errorf("metrics.jsonl:\n%s", metrics)
	}
	if rows := readLossRows(t, dir); strings.Contains(strings.Join(rows[0], " "), "CONTEXT") {
		t.Errorf("one-view loss.tsv has context columns: %v", rows[0])
	}
}

// TestSelectView: select_view picks the best epoch by that view's dev F1,
// as loss.tsv records it, and results.json says which view it was.
func TestSelectView(t *testing.T) {
	for _, view := range []string{"plain", "context"} {
		exp := twoViewExperiment(t, 3)
		exp.Train.SelectView = view
		exp.Train.Patience = 10 // no annealing: the curve is the same in both runs
		dir := filepath.Join(t.TempDir(), "run")
		res, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		rows := readLossRows(t, dir)
		col := slices.Index(rows[0], "DEV_F1")
		if view == "context" {
			col = slices.Index(rows[0], "DEV_CONTEXT_F1")
		}
		best, bestEpoch := -1.0, 0
		for i, r := range rows[1:] {
			if f := parseFloat(t, r[col]); f > best {
				best, bestEpoch = f, i+1
			}
		}
		if res.BestEpoch != bestEpoch || math.Abs(res.BestDevF1-best) > 1e-4 || res.SelectView != view {
			t.Errorf("select_view %s: best epoch %d (dev F1 %.4f, view %q); loss.tsv's best is epoch %d (%.4f)",
				view, res.BestEpoch, res.BestDevF1, res.SelectView, bestEpoch, best)
		}
		if r, err := runs.ReadResults(dir); err != nil || r.SelectView != view {
			t.Errorf("results.json: %v %+v", err, r)
		}
	}
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestInitFrom: a run started from a saved tagger begins where that tagger
// was (with a negligible learning rate its first dev F1 is the source's
// best), keeps the tagger's architecture over the experiment's, and a
// missing source is an error that names the key.
func TestInitFrom(t *testing.T) {
	src := tinyExperiment(t, 2)
	srcDir := filepath.Join(t.TempDir(), "src")
	srcRes, err := Train(context.Background(), src, models.Recipe, Options{RunDir: srcDir})
	if err != nil {
		t.Fatal(err)
	}
	exp := tinyExperiment(t, 1)
	exp.Train.InitFrom = srcDir
	exp.Train.LearningRate, exp.Train.WeightDecay = 1e-12, 0
	exp.Model.HiddenSize = 99 // ignored: the saved tagger keeps its own
	dir := filepath.Join(t.TempDir(), "run")
	res, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.BestDevF1-srcRes.BestDevF1) > 1e-9 || res.BestDevF1 < 0.3 {
		t.Errorf("first dev F1 from the saved tagger %.4f; its best was %.4f", res.BestDevF1, srcRes.BestDevF1)
	}
	exp.Train.InitFrom = filepath.Join(t.TempDir(), "nothing")
	if _, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: filepath.Join(t.TempDir(), "x")}); err == nil || !strings.Contains(err.Error(), "train.init_from") {
		t.Errorf("missing source: %v", err)
	}
}

// testOf is a run's test evaluation of the named view, nil without one.
func testOf(res *Result, view string) *Evaluation {
	for _, t := range res.Tests {
		if t.View == view {
			return t.Evaluation
		}
	}
	return nil
}
