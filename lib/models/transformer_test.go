package models

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/embed/berttest"
	"github.com/nerlab/nerlab/lib/runs"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/train"
)

// transformerExperiment is a tagger of a tiny transformer alone (no word
// table, characters or BiLSTM) with CLNER's recipe shape: AdamW, a
// higher rate for the output layer and the CRF, warmup and clipping.
func transformerExperiment(t *testing.T, model string) *config.Experiment {
	t.Helper()
	exp := config.Default()
	exp.Data.Train, exp.Data.Dev, exp.Data.Test = "../../data/sample/train.conll", "../../data/sample/dev.conll", "../../data/sample/test.conll"
	exp.Embeddings.Word, exp.Embeddings.Char = nil, nil
	exp.Embeddings.Transformer = config.DefaultTransformer()
	exp.Embeddings.Transformer.Model = model
	exp.Model.UseRNN, exp.Model.Dropout, exp.Model.WordDropout, exp.Model.LockedDropout = false, 0, 0, 0
	tr := &exp.Train
	tr.Optimizer, tr.LearningRate, tr.WarmupFraction, tr.ClipNorm = "adamw", 1e-3, 0.1, 1
	tr.LRMultipliers = map[string]float64{"out": 10, "crf": 10}
	tr.MaxEpochs, tr.MiniBatchSize, tr.Seed = 2, 16, 1
	if err := exp.Validate(); err != nil {
		t.Fatal(err)
	}
	return &exp
}

// TestTransformerTaggerTrainsSavesAndLoads trains a transformer tagger
// through the trainer, then loads its best model after the model folder
// it started from is gone (the run's model keeps the tokenizer and
// config.json beside its weights) and tags the test set exactly as the
// trainer did.
func TestTransformerTaggerTrainsSavesAndLoads(t *testing.T) {
	model := filepath.Join(t.TempDir(), "tiny-bert")
	if _, err := berttest.Write(model, "bert", 5); err != nil {
		t.Fatal(err)
	}
	exp := transformerExperiment(t, model)
	run := filepath.Join(t.TempDir(), "run")
	res, err := Train(context.Background(), exp, train.Options{RunDir: run})
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 2 {
		t.Errorf("%d epochs; want 2", res.Epochs)
	}
	if err := os.RemoveAll(model); err != nil {
		t.Fatal(err)
	}
	best := filepath.Join(run, runs.BestModelDir)
	for _, f := range []string{"transformer/config.json", "transformer/vocab.txt"} {
		if _, err := os.Stat(filepath.Join(best, f)); err != nil {
			t.Errorf("the saved model lacks %s: %v", f, err)
		}
	}
	tg, err := tagger.Load(best, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := tg.Config.Embeddings[0].Config.(*embed.TransformerConfig)
	if len(tg.Config.Embeddings) != 1 || !ok || spec.Model != model || !spec.FineTune || spec.Pooling != "first" {
		t.Fatalf("embeddings %+v", tg.Config.Embeddings)
	}
	test, err := corpus.ReadFile(exp.Data.Test, corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := Tagger(tg)
	examples, err := m.Examples(test)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := train.Evaluate(m, examples, 32, nil)
	if err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "test.conll")
	if err := train.WritePredictions(again, examples, ev.Predictions, false); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(run, runs.TestPredFile))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(again)
	if string(got) != string(want) {
		t.Errorf("the loaded model tags the test set differently from the trainer's best model")
	}
}

// withContext writes a copy of a CoNLL file whose sentences each end in
// <EOS> and a short context tagged X, the layout of a retrieved view.
func withContext(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ctx := "<EOS> O\nthe X\nriver X\nof X\nparis X\n"
	for _, block := range strings.Split(strings.TrimSpace(string(data)), "\n\n") {
		out = append(out, block+"\n"+ctx)
	}
	if err := os.WriteFile(dst, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTransformerCooperativeLearning: CL-L2 (over the transformer's word
// vectors, the representations the output layer reads) and CL-KL train a
// transformer tagger on a plain and a context view, and each view is
// evaluated.
func TestTransformerCooperativeLearning(t *testing.T) {
	model := filepath.Join(t.TempDir(), "tiny-bert")
	if _, err := berttest.Write(model, "bert", 5); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, objective := range []string{"cl-l2", "cl-kl"} {
		t.Run(objective, func(t *testing.T) {
			exp := transformerExperiment(t, model)
			ctx := config.Data{Columns: exp.Data.Columns, TagScheme: exp.Data.TagScheme}
			for _, split := range []struct{ src, dst *string }{{&exp.Data.Train, &ctx.Train}, {&exp.Data.Dev, &ctx.Dev}, {&exp.Data.Test, &ctx.Test}} {
				*split.dst = filepath.Join(dir, filepath.Base(*split.src))
				withContext(t, *split.src, *split.dst)
			}
			exp.Data.Context = &ctx
			exp.Train.MaxEpochs, exp.Train.MultiViewTraining = 1, true
			exp.Train.CalculateL2Loss = objective == "cl-l2"
			exp.Train.DistillPosterior = objective == "cl-kl"
			if err := exp.Validate(); err != nil {
				t.Fatal(err)
			}
			res, err := Train(context.Background(), exp, train.Options{RunDir: filepath.Join(t.TempDir(), "run")})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Tests) != 2 || res.Tests[0].View != runs.Plain || res.Tests[1].View != runs.Context {
				t.Fatalf("test evaluations %+v; want the plain and the context view", res.Tests)
			}
			for _, v := range res.Tests {
				if v.Report.Micro.Support == 0 {
					t.Errorf("%s view: no gold entities scored", v.View)
				}
			}
		})
	}
}
