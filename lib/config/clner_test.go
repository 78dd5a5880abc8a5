package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCLNERFile reads a file in the shape of CLNER's wnut17_doc_cl_kl.yaml
// whose plain view is the shared WNUT-17 folder and whose context view is
// a small folder in testdata.
func TestCLNERFile(t *testing.T) {
	e, ds := parseFromRoot(t, "lib/config/testdata/clner-wnut17.yaml")
	want := Data{
		Train:     filepath.Join(ds, "wnut17", "train.txt"),
		Dev:       filepath.Join(ds, "wnut17", "dev.txt"),
		Test:      filepath.Join(ds, "wnut17", "test.txt"),
		Columns:   "text ner",
		TagScheme: "bioes",
	}
	got := e.Data
	got.Context = nil
	if got != want {
		t.Errorf("data = %+v\nwant %+v", got, want)
	}
	ctx := "lib/config/testdata/wnut17_eos_doc_full"
	wantCtx := Data{Train: ctx + "/train.txt", Dev: ctx + "/dev.txt", Test: ctx + "/test.txt", Columns: "text ner", TagScheme: "bioes"}
	if e.Data.Context == nil || *e.Data.Context != wantCtx {
		t.Errorf("data.context = %+v\nwant %+v", e.Data.Context, wantCtx)
	}
	if e.Name != "wnut17_doc_cl_kl_nerlab" || e.TargetDir != "resources/taggers/" {
		t.Errorf("name, target_dir = %q, %q", e.Name, e.TargetDir)
	}
	wantWord := WordEmbeddings{Dim: 100, Vectors: "../shared/vectors/wiki100k.vec.gz", MinCount: 1, LowercaseFallback: true, Frozen: true}
	if e.Embeddings.Word == nil || *e.Embeddings.Word != wantWord {
		t.Errorf("embeddings.word = %+v; want %+v", e.Embeddings.Word, wantWord)
	}
	wantChar := CharEmbeddings{Encoder: "lstm", Dim: 30, Hidden: 50, Kernel: 3}
	if e.Embeddings.Char == nil || *e.Embeddings.Char != wantChar {
		t.Errorf("embeddings.char = %+v; want %+v", e.Embeddings.Char, wantChar)
	}
	wantTransformer := TransformerEmbeddings{Model: "xlm-roberta-large", Layers: "-1", Pooling: "first", FineTune: true}
	if e.Embeddings.Transformer == nil || *e.Embeddings.Transformer != wantTransformer {
		t.Errorf("embeddings.transformer = %+v; want %+v", e.Embeddings.Transformer, wantTransformer)
	}
	wantModel := Model{UseRNN: true, HiddenSize: 128, RNNLayers: 2, UseCRF: true, Constraints: true,
		Dropout: 0.1, WordDropout: 0.1, LockedDropout: 0.25, LinearInit: "normal"}
	if e.Model != wantModel {
		t.Errorf("model = %+v\nwant %+v", e.Model, wantModel)
	}
	wantTrain := Default().Train
	wantTrain.Optimizer = "adamw" // fine_tune_mode: true
	wantTrain.LearningRate = 5e-6
	wantTrain.MiniBatchSize = 1
	wantTrain.Accumulate = 4
	wantTrain.LRMultipliers = map[string]float64{"rnn": 10000, "crf": 10000}
	wantTrain.MaxEpochs = 10
	wantTrain.SaveFinalModel = false
	wantTrain.SortByLength = false
	wantTrain.WarmupFraction = 0 // use_warmup: false
	wantTrain.MultiViewTraining = true
	wantTrain.DistillPosterior = true
	wantTrain.Temperature = 0.3
	wantTrain.MultiViewRate = 0.7
	if !reflect.DeepEqual(e.Train, wantTrain) {
		t.Errorf("train = %+v\nwant %+v", e.Train, wantTrain)
	}
	path := "lib/config/testdata/clner-wnut17.yaml"
	for _, w := range []string{
		path + ":1: ignored key MFVI: second-order MFVI decoding is not used",
		path + ":9: ignored key anneal_factor: CLNER's trainer reads train.anneal_factor",
		path + `:20: embeddings.TransformerWordEmbeddings-0: "xlm-roberta-large" is not a local folder (a model name flair downloads?); nerlab cannot download models, expected a Hugging Face model folder`,
		path + ":35: ignored key model.FastSequenceTagger.remove_x: a CLNER tagger option nerlab does not use",
		path + ":60: ignored key ner.tag_dictionary: nerlab builds the tag dictionary from the training data",
		path + ":80: ignored key train.true_reshuffle: a CLNER training option nerlab does not use",
		path + ":83: ignored key upos: a section for another task than targets names",
	} {
		if !hasWarning(e, w) {
			t.Errorf("no warning %q in\n%s", w, strings.Join(e.Warnings, "\n"))
		}
	}
	for _, quiet := range []string{"multi_view", "temperature", "distill_posterior", "lr_rate", "fine_tune_mode", "unknown"} {
		if hasWarning(e, quiet) {
			t.Errorf("a warning mentions %s, which nerlab reads:\n%s", quiet, strings.Join(e.Warnings, "\n"))
		}
	}
	for key, line := range map[string]int{"data.train": 49, "data.columns": 47, "data.context.train": 55,
		"model.hidden_size": 32, "train.multi_view_training": 34, "train.lr_multipliers.crf": 72, "name": 43} {
		if e.Lines[key] != line {
			t.Errorf("Lines[%s] = %d; want %d", key, e.Lines[key], line)
		}
	}
	if err := e.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// clnerDir makes a corpus folder holding the named files.
func clnerDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("a\tO\n\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// clnerYAML is a minimal CLNER file over folder dir with extra lines
// appended at the top level.
func clnerYAML(dir, extra string) string {
	return fmt.Sprintf(`targets: ner
ner:
  Corpus: ColumnCorpus-1
  ColumnCorpus-1:
    data_folder: %s
    column_format: {0: text, 1: pos, 3: ner}
%s`, dir, extra)
}

func TestCLNERFindsSplitsLikeFlair(t *testing.T) {
	dir := clnerDir(t, "eng.train", "eng.testa", "eng.testb", "README", "eng.train.gz", ".eng.dev.swp")
	e := mustParse(t, clnerYAML(dir, ""))
	want := Data{Train: filepath.Join(dir, "eng.train"), Dev: filepath.Join(dir, "eng.testa"),
		Test: filepath.Join(dir, "eng.testb"), Columns: "text pos _ ner", TagScheme: "bio"}
	if e.Data != want {
		t.Errorf("data = %+v\nwant %+v", e.Data, want)
	}
	// Without testb any "test" file is the test split; without dev, a warning.
	dir = clnerDir(t, "train.tsv", "test.tsv")
	e = mustParse(t, clnerYAML(dir, ""))
	if e.Data.Test != filepath.Join(dir, "test.tsv") || e.Data.Dev != "" {
		t.Errorf("data = %+v", e.Data)
	}
	if !hasWarning(e, "exp.yaml:5:", "has no dev file") {
		t.Errorf("warnings = %q; want one about the missing dev file", e.Warnings)
	}
}

// TestDevSplitNames: a dev split named valid.txt (Twitter-2015 and many
// exports) was ignored, and training then picked epochs by training loss.
func TestDevSplitNames(t *testing.T) {
	for _, c := range []struct {
		names     []string
		dev, test string
	}{
		{[]string{"train.txt", "valid.txt", "test.txt"}, "valid.txt", "test.txt"},
		{[]string{"train.txt", "validation.txt", "test.txt"}, "validation.txt", "test.txt"},
		{[]string{"eng.train", "eng.testa", "eng.testb"}, "eng.testa", "eng.testb"},
		{[]string{"train.conll", "dev.conll", "test.conll"}, "dev.conll", "test.conll"},
	} {
		got := SplitsOfNames(c.names)
		if len(got[1]) != 1 || got[1][0] != c.dev || len(got[2]) != 1 || got[2][0] != c.test || len(got[0]) != 1 {
			t.Errorf("%v: splits %v, want dev %s and test %s", c.names, got, c.dev, c.test)
		}
	}
	dir := clnerDir(t, "train.txt", "valid.txt", "test.txt")
	e := mustParse(t, clnerYAML(dir, ""))
	if e.Data.Dev != filepath.Join(dir, "valid.txt") || hasWarning(e, "has no dev file") {
		t.Errorf("valid.txt: data %+v, warnings %q", e.Data, e.Warnings)
	}
}

func TestCLNERExplicitFiles(t *testing.T) {
	dir := clnerDir(t, "a.txt", "b.txt", "train.txt")
	y := fmt.Sprintf(`targets: ner
ner:
  Corpus: ColumnCorpus-1
  ColumnCorpus-1:
    data_folder: %s
    column_format: {0: text, 1: ner}
    train_file: a.txt
    dev_file: b.txt
`, dir)
	e := mustParse(t, y)
	if e.Data.Train != filepath.Join(dir, "a.txt") || e.Data.Dev != filepath.Join(dir, "b.txt") {
		t.Errorf("data = %+v; want train_file and dev_file", e.Data)
	}
	if e.Lines["data.train"] != 7 || e.Lines["data.dev"] != 8 {
		t.Errorf("lines = %v", e.Lines)
	}
}

func TestCLNERContextPair(t *testing.T) {
	plain := clnerDir(t, "train.txt", "dev.txt", "test.txt")
	doc := clnerDir(t, "train.txt", "dev.txt")
	// The corpus named *DOC* is the context view even when listed first, as
	// CLNER's trainer decides.
	y := fmt.Sprintf(`targets: ner
ner:
  Corpus: ColumnCorpus-WNUTDOC:ColumnCorpus-WNUT
  ColumnCorpus-WNUT: {data_folder: %s, column_format: {0: text, 1: ner}, tag_to_bioes: ner}
  ColumnCorpus-WNUTDOC: {data_folder: %s, column_format: {0: text, 1: ner}}
`, plain, doc)
	e := mustParse(t, y)
	if e.Data.Train != filepath.Join(plain, "train.txt") || e.Data.TagScheme != "bioes" {
		t.Errorf("data = %+v", e.Data)
	}
	if c := e.Data.Context; c == nil || c.Train != filepath.Join(doc, "train.txt") || c.Test != "" || c.TagScheme != "bio" {
		t.Errorf("data.context = %+v", c)
	}
	// Names that do not say which is the context view: the second is.
	if p, c := contextPair("ColumnCorpus-A", "ColumnCorpus-B"); p != "ColumnCorpus-A" || c != "ColumnCorpus-B" {
		t.Errorf("contextPair(A, B) = %s, %s; want A, B", p, c)
	}
}

func TestCLNERTrainerAndSchedule(t *testing.T) {
	dir := clnerDir(t, "train.txt")
	for _, tc := range []struct {
		extra     string
		optimizer string
		warmup    float64
	}{
		{"trainer: ModelFinetuner\n", "adamw", 0},
		{"trainer: ModelTrainer\n", "sgd", 0},
		{"trainer: ModelFinetuner\nModelFinetuner: {optimizer: SGD}\n", "sgd", 0},
		{"trainer: ReinforcementTrainer\ntrain: {fine_tune_mode: true}\n", "adamw", 0},
		{"trainer: ModelFinetuner\ntrain: {fine_tune_mode: false}\n", "sgd", 0},
		{"trainer: ModelFinetuner\ntrain: {use_warmup: true, max_epochs: 10}\n", "adamw", 0.1},
		{"trainer: ModelFinetuner\ntrain: {use_warmup: true, warmup_epochs: 2, max_epochs: 8}\n", "adamw", 0.25},
	} {
		e := mustParse(t, clnerYAML(dir, tc.extra))
		if e.Train.Optimizer != tc.optimizer || e.Train.WarmupFraction != tc.warmup {
			t.Errorf("%q: optimizer %s, warmup %g; want %s, %g", tc.extra, e.Train.Optimizer, e.Train.WarmupFraction, tc.optimizer, tc.warmup)
		}
	}
}

func TestCLNERMultiViewKeysGoToTrain(t *testing.T) {
	dir := clnerDir(t, "train.txt", "dev.txt", "test.txt")
	e := mustParse(t, clnerYAML(dir, `model:
  SequenceTagger:
    calculate_l2_loss: true
    l2_loss_only: true
    multi_view_training: true
    relearn_embeddings: true
train:
  multi_view_rate: 0.25
`))
	tr := e.Train
	if !tr.CalculateL2Loss || !tr.L2LossOnly || !tr.MultiViewTraining || tr.MultiViewRate != 0.25 || tr.DistillPosterior {
		t.Errorf("train = %+v", tr)
	}
	if !e.Model.Reproject {
		t.Errorf("relearn_embeddings did not set model.reproject")
	}
	if len(e.Warnings) != 0 {
		t.Errorf("warnings = %q; want none", e.Warnings)
	}
}

func TestCLNEREmbeddings(t *testing.T) {
	dir := clnerDir(t, "train.txt")
	e := mustParse(t, clnerYAML(dir, `embeddings:
  FastWordEmbeddings-0: {embeddings: glove, freeze: true}
  FastWordEmbeddings-1: {embeddings: en}
  FlairEmbeddings-0: {model: en-forward}
train:
  min_freq: 3
`))
	w := e.Embeddings.Word
	if w == nil || w.Vectors != "glove" || !w.Frozen || w.MinCount != 3 {
		t.Errorf("embeddings.word = %+v", w)
	}
	if e.Embeddings.Char != nil {
		t.Errorf("embeddings.char = %+v; the file's stack has no character encoder", e.Embeddings.Char)
	}
	for _, parts := range [][]string{
		{"exp.yaml:8:", `"glove" is a name flair downloads`},
		{"exp.yaml:9:", "FastWordEmbeddings-1: nerlab stacks one word table"},
		{"exp.yaml:10:", "FlairEmbeddings-0: contextual string embeddings are not supported"},
	} {
		if !hasWarning(e, parts...) {
			t.Errorf("no warning with %q in\n%s", parts, strings.Join(e.Warnings, "\n"))
		}
	}
	// A transformer alone, with ACE's defaults for what the file leaves
	// out; the older classes name the model with their own argument.
	model := t.TempDir()
	e = mustParse(t, clnerYAML(dir, "embeddings:\n  TransformerWordEmbeddings-0: {model: "+model+"}\n"))
	want := TransformerEmbeddings{Model: model, Layers: "-1,-2,-3,-4", Pooling: "first"}
	if e.Embeddings.Word != nil || e.Embeddings.Char != nil || e.Embeddings.Transformer == nil || *e.Embeddings.Transformer != want {
		t.Errorf("embeddings = %+v; want the transformer %+v alone", e.Embeddings, want)
	}
	if hasWarning(e, "TransformerWordEmbeddings") || e.Validate() != nil {
		t.Errorf("warnings %q, Validate %v; want none about the transformer", e.Warnings, e.Validate())
	}
	e = mustParse(t, clnerYAML(dir, "embeddings:\n  XLMRobertaEmbeddings-0:\n    pretrained_model_name_or_path: xlm-roberta-large\n    pooling_operation: mean\n    use_scalar_mix: true\n"))
	if tr := e.Embeddings.Transformer; tr == nil || tr.Model != "xlm-roberta-large" || tr.Pooling != "mean" {
		t.Errorf("embeddings.transformer = %+v", tr)
	}
	for _, parts := range [][]string{
		{"exp.yaml:8:", `"xlm-roberta-large" is not a local folder`},
		{"exp.yaml:11:", "use_scalar_mix: scalar mix is not built"},
	} {
		if !hasWarning(e, parts...) {
			t.Errorf("no warning with %q in\n%s", parts, strings.Join(e.Warnings, "\n"))
		}
	}
}

func TestCLNERErrors(t *testing.T) {
	dir := clnerDir(t, "train.txt", "dev.txt")
	two := clnerDir(t, "train.txt", "old.train.txt")
	missing := filepath.Join(t.TempDir(), "gone")
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"no targets", "model_name: x\n",
			"exp.yaml:1: targets: missing: model_name makes this a CLNER-style file; expected targets: ner naming the task section"},
		{"no task section", "targets: ner\n",
			"exp.yaml:1: targets: names ner, but the file has no ner section; expected ner: {Corpus: ColumnCorpus-1, ColumnCorpus-1: {data_folder: ..., column_format: {0: text, 1: ner}}}"},
		{"no Corpus", "targets: ner\nner:\n  tag_dictionary: x.pkl\n",
			"exp.yaml:2: ner: has no Corpus key; expected Corpus: ColumnCorpus-1 (or a pair ColumnCorpus-A:ColumnCorpus-B for CLNER's two views)"},
		{"flair dataset", "targets: ner\nner:\n  Corpus: CONLL_03\n",
			"exp.yaml:3: ner.Corpus: CONLL_03 is a flair dataset nerlab cannot download; expected ColumnCorpus-NAME with a ner.ColumnCorpus-NAME section giving data_folder and column_format"},
		{"no corpus section", "targets: ner\nner:\n  Corpus: ColumnCorpus-X\n",
			"exp.yaml:3: ner.Corpus: names ColumnCorpus-X, but ner has no ColumnCorpus-X section; expected ColumnCorpus-X: {data_folder: ..., column_format: {0: text, 1: ner}}"},
		{"three corpora", "targets: ner\nner:\n  Corpus: ColumnCorpus-A:ColumnCorpus-B:ColumnCorpus-C\n",
			"exp.yaml:3: ner.Corpus: names 3 corpora; expected one, or a pair whose second is the context view"},
		{"missing folder", "targets: ner\nner:\n  Corpus: ColumnCorpus-1\n  ColumnCorpus-1:\n    column_format: {0: text, 1: ner}\n    data_folder: " + missing + "\n",
			"exp.yaml:6: ner.ColumnCorpus-1.data_folder: cannot read the folder " + missing + "; expected a folder with train, dev and test files (relative paths are relative to the working directory)"},
		{"no data_folder", "targets: ner\nner:\n  Corpus: ColumnCorpus-1\n  ColumnCorpus-1:\n    column_format: {0: text, 1: ner}\n",
			"exp.yaml:4: ner.ColumnCorpus-1: has no data_folder; expected data_folder: the folder holding the train, dev and test files"},
		{"no column_format", "targets: ner\nner:\n  Corpus: ColumnCorpus-1\n  ColumnCorpus-1:\n    data_folder: " + dir + "\n",
			"exp.yaml:4: ner.ColumnCorpus-1: has no column_format; expected e.g. column_format: {0: text, 1: ner}"},
		{"bad column number", "targets: ner\nner:\n  Corpus: ColumnCorpus-1\n  ColumnCorpus-1:\n    data_folder: " + dir + "\n    column_format: {0: text, one: ner}\n",
			`exp.yaml:6: ner.ColumnCorpus-1.column_format: column "one" is not a column number; expected 0 to 63`},
		{"no train file", clnerYAML(clnerDir(t, "dev.txt"), ""),
			"has no file whose name contains \"train\"; expected a training file such as train.txt"},
		{"two train files", clnerYAML(two, ""),
			"exp.yaml:5: ner.ColumnCorpus-1.data_folder: " + two + " has 2 train files (old.train.txt, train.txt); expected one, or train_file naming it"},
		{"mixed dialects", clnerYAML(dir, "data:\n  train: x.txt\n"),
			"exp.yaml:7: data: is a native key, but targets at line 1 makes this a CLNER-style file; expected one dialect per file (CLNER: model_name and ner: {Corpus: ...})"},
		{"not a tagger", clnerYAML(dir, "model:\n  SemanticDependencyParser: {hidden_size: 400}\n"),
			"exp.yaml:8: model: SemanticDependencyParser is not a tagger nerlab trains; expected FastSequenceTagger or SequenceTagger"},
		{"bad optimizer", clnerYAML(dir, "trainer: ModelFinetuner\nModelFinetuner:\n  optimizer: Adagrad\n"),
			`exp.yaml:9: ModelFinetuner.optimizer: "Adagrad" is not an optimizer nerlab has; expected SGD or AdamW`},
		{"wrong type", clnerYAML(dir, "train:\n  max_epochs: ten\n"),
			`exp.yaml:8: train.max_epochs: "ten" is not an integer; expected an integer`},
		{"wrong type in the tagger", clnerYAML(dir, "model:\n  FastSequenceTagger:\n    hidden_size: big\n"),
			`exp.yaml:9: model.FastSequenceTagger.hidden_size: "big" is not an integer; expected an integer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseError(t, tc.yaml); !strings.Contains(got, tc.want) {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestCLNERUnknownKeys(t *testing.T) {
	dir := clnerDir(t, "train.txt")
	e := mustParse(t, clnerYAML(dir, "model:\n  FastSequenceTagger:\n    hiden_size: 3\ntrain:\n  max_epoch: 4\nfoo: 1\n"))
	for _, w := range []string{
		"exp.yaml:9: unknown key model.FastSequenceTagger.hiden_size (did you mean hidden_size?)",
		"exp.yaml:11: unknown key train.max_epoch (did you mean max_epochs?)",
		"exp.yaml:12: unknown key foo",
	} {
		if !hasWarning(e, w) {
			t.Errorf("no warning %q in %q", w, e.Warnings)
		}
	}
	if e.Model.HiddenSize != 256 || e.Train.MaxEpochs != 100 {
		t.Errorf("unknown keys changed settings: %+v %+v", e.Model, e.Train)
	}
}
