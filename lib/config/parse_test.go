package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadNative(t *testing.T) {
	e, err := Load("testdata/native.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e.Path != "testdata/native.yaml" || e.Dir != "testdata" {
		t.Errorf("Path, Dir = %q, %q; want the file and its folder", e.Path, e.Dir)
	}
	if e.Name != "wnut17-cl" || e.TargetDir != "runs/wnut17" {
		t.Errorf("name, target_dir = %q, %q", e.Name, e.TargetDir)
	}
	// Paths stay as written: relative to the working directory, not to Dir.
	want := Data{Train: "data/wnut17/train.txt", Dev: "data/wnut17/dev.txt", Test: "data/wnut17/test.txt",
		Columns: "text ner", TagScheme: "bio"}
	got := e.Data
	got.Context = nil
	if got != want {
		t.Errorf("data = %+v; want %+v", got, want)
	}
	// The context view takes the data's layout, which the file set after it.
	wantCtx := Data{Train: "data/wnut17_ctx/train.txt", Dev: "data/wnut17_ctx/dev.txt", Columns: "text ner", TagScheme: "bio"}
	if e.Data.Context == nil || *e.Data.Context != wantCtx {
		t.Errorf("data.context = %+v; want %+v", e.Data.Context, wantCtx)
	}
	// Overlay: keys the file leaves out keep Default's values.
	wantWord := WordEmbeddings{Dim: 100, Vectors: "../shared/vectors/wiki100k.vec.gz", MinCount: 1, LowercaseFallback: true, Frozen: true}
	if e.Embeddings.Word == nil || *e.Embeddings.Word != wantWord {
		t.Errorf("embeddings.word = %+v; want %+v", e.Embeddings.Word, wantWord)
	}
	if e.Embeddings.Char != nil {
		t.Errorf("embeddings.char = %+v; want none", e.Embeddings.Char)
	}
	m := e.Model
	if m.HiddenSize != 200 || !m.UseCRF || m.Dropout != 0.25 || m.RNNLayers != 1 || m.LockedDropout != 0.5 {
		t.Errorf("model = %+v", m)
	}
	tr := e.Train
	if tr.Optimizer != "adamw" || tr.LearningRate != 5e-5 || tr.MaxEpochs != 20 || tr.Seed != 42 ||
		tr.Device != "cuda:0" || !tr.MultiViewTraining || !tr.DistillPosterior || tr.Temperature != 2 ||
		tr.MultiViewRate != 0.5 || tr.MiniBatchSize != 32 {
		t.Errorf("train = %+v", tr)
	}
	if len(e.Warnings) != 0 {
		t.Errorf("warnings = %q", e.Warnings)
	}
	for key, line := range map[string]int{"name": 2, "data.train": 6, "data.context": 11, "data.context.dev": 13,
		"embeddings.char": 19, "train.max_epochs": 30, "train.temperature": 35} {
		if e.Lines[key] != line {
			t.Errorf("Lines[%s] = %d; want %d", key, e.Lines[key], line)
		}
	}
	if got := e.Where("train.seed"); got != "testdata/native.yaml:31" {
		t.Errorf("Where(train.seed) = %q", got)
	}
	if got := e.Where("train.patience"); got != "testdata/native.yaml" {
		t.Errorf("Where(train.patience), a key the file leaves out, = %q", got)
	}
	if err := e.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseStartsFromDefault(t *testing.T) {
	e := mustParse(t, "train:\n  max_epochs: 7\n")
	want := Default()
	want.Train.MaxEpochs = 7
	if !sameSettings(e, &want) {
		t.Errorf("got %+v; want Default with max_epochs 7", e)
	}
	if len(e.Warnings) != 0 {
		t.Errorf("warnings = %q", e.Warnings)
	}
}

func TestParseValueForms(t *testing.T) {
	e := mustParse(t, `
train:
  learning_rate: 1      # an integer is a number
  shuffle: off          # YAML 1.1 spelling, as PyYAML and flair read it
  monitor_test: TRUE
  max_epochs: 1_000
model:
  dropout: 5e-1
  # every key below is commented out: an empty section changes nothing
embeddings:
  word:
  char: ~
data:
  train: 2024           # a number is text where text is expected
  dev:
x-base: &common {hidden_size: 64}
`)
	if e.Train.LearningRate != 1 || e.Train.Shuffle || !e.Train.MonitorTest || e.Train.MaxEpochs != 1000 {
		t.Errorf("train = %+v", e.Train)
	}
	if e.Model.Dropout != 0.5 {
		t.Errorf("model.dropout = %g", e.Model.Dropout)
	}
	if e.Embeddings.Word == nil || e.Embeddings.Char == nil {
		t.Errorf("empty sections removed an encoder: %+v", e.Embeddings)
	}
	if e.Data.Train != "2024" || e.Data.Dev != "" {
		t.Errorf("data = %+v", e.Data)
	}
	if len(e.Warnings) != 0 {
		t.Errorf("warnings = %q", e.Warnings)
	}
}

func TestParseMergeKeys(t *testing.T) {
	e := mustParse(t, `
x-defaults: &small
  hidden_size: 64
  rnn_layers: 2
model:
  <<: *small
  rnn_layers: 3
`)
	if e.Model.HiddenSize != 64 || e.Model.RNNLayers != 3 {
		t.Errorf("model = %+v; want hidden_size from the merge and rnn_layers from the explicit key", e.Model)
	}
}

// TestParseErrors checks every mistake a user can make in a file: the
// message names the file, the line, the key, what is wrong and what was
// expected.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"not an integer", "train:\n  max_epochs: ten\n",
			`exp.yaml:2: train.max_epochs: "ten" is not an integer; expected an integer`},
		{"float for integer", "train:\n  max_epochs: 3.5\n",
			`exp.yaml:2: train.max_epochs: "3.5" is not an integer; expected an integer`},
		{"quoted integer", "train:\n  patience: \"3\"\n",
			`exp.yaml:2: train.patience: "3" is not an integer; expected an integer`},
		{"integer overflow", "train:\n  threads: 99999999999999999999\n",
			`exp.yaml:2: train.threads: "99999999999999999999" is not an integer; expected an integer`},
		{"not a number", "model:\n  dropout: high\n",
			`exp.yaml:2: model.dropout: "high" is not a number; expected a number`},
		{"not finite", "train:\n  learning_rate: .nan\n",
			`exp.yaml:2: train.learning_rate: ".nan" is not a finite number; expected a finite number`},
		{"not a bool", "model:\n  use_crf: maybe\n",
			`exp.yaml:2: model.use_crf: "maybe" is not true or false; expected true or false`},
		{"empty bool", "model:\n  use_crf:\n",
			`exp.yaml:2: model.use_crf: the value is empty; expected true or false`},
		{"mapping for scalar", "train:\n  seed: {a: 1}\n",
			`exp.yaml:2: train.seed: a mapping is not an integer; expected an integer`},
		{"list for text", "data:\n  train: [a, b]\n",
			`exp.yaml:2: data.train: a list is not a string; expected a string`},
		{"scalar for section", "model: 3\n",
			`exp.yaml:1: model: "3" is not a section; expected a mapping of the keys of model`},
		{"scalar for optional section", "embeddings:\n  word: 300\n",
			`exp.yaml:2: embeddings.word: "300" is not a section; expected a mapping of the keys of embeddings.word`},
		{"duplicate key", "train:\n  max_epochs: 3\n  patience: 2\n  max_epochs: 4\n",
			`exp.yaml:4: duplicate key train.max_epochs (first at line 2); expected each key once`},
		{"duplicate in an unknown section", "extra:\n  a: 1\n  a: 2\n",
			`exp.yaml:3: duplicate key extra.a (first at line 2); expected each key once`},
		{"empty file", "",
			`exp.yaml: the file is empty; expected a YAML mapping such as "train: {max_epochs: 10}"`},
		{"comments only", "# nothing yet\n\n",
			`exp.yaml: the file is empty; expected a YAML mapping such as "train: {max_epochs: 10}"`},
		{"empty document", "---\n",
			`exp.yaml:1: the document is empty; expected a mapping of keys such as train: and model:`},
		{"two documents", "train: {max_epochs: 3}\n---\nmodel: {use_crf: false}\n",
			`exp.yaml:3: a second YAML document starts here; expected one document per experiment file`},
		{"list document", "- train\n- model\n",
			`exp.yaml:1: the document is a list; expected a mapping of keys such as train: and model:`},
		{"scalar document", "hello\n",
			`exp.yaml:1: the document is "hello"; expected a mapping of keys such as train: and model:`},
		{"syntax with line", "train: [1, 2\nmodel: {}\n",
			`exp.yaml:1: did not find expected ',' or ']'; expected valid YAML`},
		{"syntax without a yaml line", "train:\n  max_epochs: 3\nmodel: use_crf: true\n",
			`exp.yaml:3: mapping values are not allowed in this context; expected valid YAML`},
		{"merge of itself", "model: &m\n  hidden_size: 3\n  <<: *m\n",
			`exp.yaml:3: model: the merge key << brings in the mapping that holds it; expected a mapping defined elsewhere`},
		{"merge of a scalar", "model:\n  <<: 3\n",
			`exp.yaml:2: model: the merge key << holds "3"; expected a mapping or a list of mappings`},
		{"complex key", "? [a, b]\n: 1\n",
			`exp.yaml:1: a key is a list; expected a plain name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseError(t, tc.yaml)
			if got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load of a missing file: %v; want an error wrapping os.ErrNotExist that names the file", err)
	}
}

func TestParseWithoutPath(t *testing.T) {
	_, err := Parse([]byte("train:\n  max_epochs: x\n"), "")
	if err == nil || !strings.HasPrefix(err.Error(), "experiment:2: train.max_epochs:") {
		t.Errorf("error = %v; want it placed in \"experiment\"", err)
	}
}

// TestNativeTyposAreErrors: as warnings, `trian:` silently left the train
// section at its defaults and `max_epoch: 1` started a 100-epoch run.
func TestNativeTyposAreErrors(t *testing.T) {
	for yaml, want := range map[string]string{
		"name: x\ntrian:\n  max_epochs: 1\n":           "exp.yaml:2: trian: unknown key trian (did you mean train?)",
		"name: x\ntrain:\n  max_epoch: 1\n":            "exp.yaml:3: train.max_epoch: unknown key train.max_epoch (did you mean max_epochs?)",
		"name: x\nmodel:\n  hiden_size: 3\n":           "exp.yaml:3: model.hiden_size: unknown key model.hiden_size (did you mean hidden_size?)",
		"name: x\nembeddings:\n  word:\n    dimm: 3\n": "did you mean dim?",
	} {
		if got := parseError(t, yaml); !strings.Contains(got, want) {
			t.Errorf("%q: error %q, want %q", yaml, got, want)
		}
	}
	// Top-level x- keys are the file's own, e.g. for anchors.
	if e := mustParse(t, "x-sizes: &s {hidden_size: 8}\nmodel:\n  <<: *s\n"); e.Model.HiddenSize != 8 {
		t.Errorf("x- anchor: hidden_size %d", e.Model.HiddenSize)
	}
}
