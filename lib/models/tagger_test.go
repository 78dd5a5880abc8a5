package models

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/embed/berttest"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/torch"
)

func TestTaggerConfigTranslatesTheExperiment(t *testing.T) {
	exp := config.Default()
	exp.Data.TagScheme = "bio"
	exp.Model.Dropout, exp.Model.Reproject, exp.Model.RNNLayers, exp.Model.LinearInit = 0.25, true, 2, "torch"
	exp.Embeddings.Word.Frozen, exp.Embeddings.Word.MinCount = true, 3
	exp.Embeddings.Char.Encoder, exp.Embeddings.Char.Kernel = "cnn", 5
	cfg, err := TaggerConfig(&exp)
	if err != nil {
		t.Fatal(err)
	}
	wantLayers := tagger.Layers{UseRNN: true, HiddenSize: 256, RNNLayers: 2, UseCRF: true, Constraints: true,
		Dropout: 0.25, WordDropout: 0.05, LockedDropout: 0.5, Reproject: true, LinearInit: "torch"}
	if cfg.TagScheme != "bio" || cfg.Model != wantLayers {
		t.Errorf("scheme %q, layers %+v; want bio, %+v", cfg.TagScheme, cfg.Model, wantLayers)
	}
	want := []embed.Spec{
		{Config: &embed.WordConfig{Dim: 100, MinCount: 3, LowercaseFallback: true, Frozen: true}},
		{Config: &embed.CharConfig{Encoder: "cnn", Dim: 25, Hidden: 25, Kernel: 5}},
	}
	if !reflect.DeepEqual(cfg.Embeddings, want) {
		t.Errorf("embeddings %+v, %+v; want %+v, %+v", cfg.Embeddings[0].Config, cfg.Embeddings[1].Config, want[0].Config, want[1].Config)
	}

	exp.Embeddings.Word = nil
	if cfg, _ := TaggerConfig(&exp); len(cfg.Embeddings) != 1 || cfg.Embeddings[0].Kind() != embed.CharKind {
		t.Errorf("without a word table: %+v", cfg.Embeddings)
	}
}

// TestBuildTaggerFromCLNERFile builds the tagger a CLNER file describes:
// its WordEmbeddings (static, so frozen, with vectors) and
// CharacterEmbeddings classes become the word and char encoders.
func TestBuildTaggerFromCLNERFile(t *testing.T) {
	dir := t.TempDir()
	vec := filepath.Join(dir, "tiny.vec")
	os.WriteFile(vec, []byte("2 4\nthe 0.1 0.2 0.3 0.4\nGuild 1 2 3 4\n"), 0o644)
	yaml := `targets: ner
ner:
  Corpus: ColumnCorpus-SAMPLE
  ColumnCorpus-SAMPLE:
    column_format:
      0: text
      1: ner
    data_folder: ../../data/sample
    tag_to_bioes: ner
embeddings:
  WordEmbeddings-0:
    embeddings: ` + vec + `
  CharacterEmbeddings:
    char_embedding_dim: 6
    hidden_size_char: 7
model:
  FastSequenceTagger:
    hidden_size: 8
    use_crf: true
train:
  learning_rate: 0.1
`
	exp, err := config.Parse([]byte(yaml), filepath.Join(dir, "clner.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.ReadFile("../../data/sample/sample.conll", corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	torch.Seed(1)
	tg, info, err := BuildTagger(exp, []*corpus.Corpus{c}, nil, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	specs := tg.Config.Embeddings
	if len(specs) != 2 {
		t.Fatalf("%d encoders; want word and char", len(specs))
	}
	word, ok1 := specs[0].Config.(*embed.WordConfig)
	char, ok2 := specs[1].Config.(*embed.CharConfig)
	if !ok1 || !ok2 || !word.Frozen || word.Dim != 4 || char.Dim != 6 || char.Hidden != 7 || tg.Config.Model.HiddenSize != 8 {
		t.Errorf("encoders %+v %+v, layers %+v", specs[0].Config, specs[1].Config, tg.Config.Model)
	}
	s := info.String()
	if !strings.Contains(s, " words, ") || !strings.Contains(s, " characters; vectors "+vec+": ") {
		t.Errorf("build info %q", s)
	}
}

// TestVectorsErrorNamesTheLine: a vectors file that cannot be read is
// reported at the line of the experiment that names it.
func TestVectorsErrorNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exp.yaml")
	yaml := "data: {train: x.conll}\nembeddings:\n  word:\n    vectors: " + filepath.Join(dir, "missing.vec") + "\n"
	exp, err := config.Parse([]byte(yaml), path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = TaggerConfig(exp)
	if err == nil || !strings.HasPrefix(err.Error(), path+":4: embeddings.word.vectors: ") || !strings.Contains(err.Error(), "missing.vec") {
		t.Errorf("error %v; expected it to start with %s:4: embeddings.word.vectors", err, path)
	}
}

// TestTransformerOptionErrorsNameTheirLine: an option that does not fit the
// model is reported at its own line; a folder that is not a model, or a
// model that its default options do not fit, at the line naming it.
func TestTransformerOptionErrorsNameTheirLine(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny")
	if _, err := berttest.Write(model, "bert", 5); err != nil {
		t.Fatal(err)
	}
	// A model that reads 2 pieces at once: the default max_length (the
	// model's limit) cannot hold [CLS] and [SEP] around a piece.
	short := filepath.Join(dir, "short")
	if err := os.CopyFS(short, os.DirFS(model)); err != nil {
		t.Fatal(err)
	}
	configJSON, err := os.ReadFile(filepath.Join(model, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	configJSON = []byte(strings.Replace(string(configJSON), `"max_position_embeddings": 64`, `"max_position_embeddings": 2`, 1))
	if err := os.WriteFile(filepath.Join(short, "config.json"), configJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "exp.yaml")
	for _, tc := range []struct {
		model, option, want string
		line                int
	}{
		{model, "layers: \"-1,7\"", "embeddings.transformer.layers: " + model + ": layer 7;", 5},
		{model, "pooling: first\n    max_length: 1000", "embeddings.transformer.max_length: " + model + ": max_length 1000;", 6},
		{model, "max_length: 20\n    stride: 12", "embeddings.transformer.stride: " + model + ": stride 12;", 6},
		{filepath.Join(dir, "none"), "stride: 12", "embeddings.transformer.model: ", 4},
		{short, "pooling: first", "embeddings.transformer.model: " + short + ": max_length 2; the model reads at most 2 pieces", 4},
	} {
		yaml := "data: {train: x.conll}\nembeddings:\n  transformer:\n    model: " + tc.model + "\n    " + tc.option + "\n"
		exp, err := config.Parse([]byte(yaml), path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = TaggerConfig(exp)
		prefix := fmt.Sprintf("%s:%d: %s", path, tc.line, tc.want)
		if err == nil || !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%q: error %v; expected it to start with %s", tc.option, err, prefix)
		}
	}
}

// TestLinearInitsAgree: the experiment accepts exactly the ways the tagger
// can start its linear layers and passes them on, and refuses others at
// the key.
func TestLinearInitsAgree(t *testing.T) {
	if !slices.Equal(config.LinearInits, tagger.LinearInits) {
		t.Errorf("config takes linear_init %v; the tagger %v", config.LinearInits, tagger.LinearInits)
	}
	for _, init := range tagger.LinearInits {
		exp := config.Default()
		exp.Data.Train = "x.conll"
		exp.Model.LinearInit = init
		if err := exp.Validate(); err != nil {
			t.Errorf("linear_init %s: %v", init, err)
		}
		cfg, err := TaggerConfig(&exp)
		if err != nil || cfg.Model.LinearInit != init {
			t.Errorf("linear_init %s reaches the tagger as %q (%v)", init, cfg.Model.LinearInit, err)
		}
	}
	exp := config.Default()
	exp.Data.Train = "x.conll"
	exp.Model.LinearInit = "xavier"
	if err := exp.Validate(); err == nil || !strings.Contains(err.Error(), "model.linear_init") {
		t.Errorf("linear_init xavier: %v", err)
	}
}
