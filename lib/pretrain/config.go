// Package pretrain makes transformer encoders from nerlab's knowledge
// corpora: masked-language-model pretraining (BERT's, with dynamic and
// optionally whole-word masking) of an embed.Bert with BertForMaskedLM's
// head, from scratch (with a WordPiece vocabulary trained on the corpus)
// or continued from a Hugging Face folder (domain-adaptive pretraining).
// Documents are tokenised and packed into sequences of a fixed length; a
// run folder keeps the config, the metrics, checkpoints from which a
// stopped run resumes exactly, and the encoder in Hugging Face layout.
package pretrain

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/nerlab/nerlab/lib/wiki"
)

// Config is a pretraining run. Start from Defaults: a YAML file is read
// over them, so a key it lacks keeps its default.
type Config struct {
	// Corpus lists the knowledge corpus files, read in this order.
	Corpus []string `yaml:"corpus"`
	// Format is the corpus format (wiki.Formats); "" or auto detects it.
	Format string `yaml:"format,omitempty"`
	// Out is the run folder.
	Out string `yaml:"out,omitempty"`
	// From is a Hugging Face BERT folder to continue pretraining
	// (domain-adaptive pretraining): its config, weights, tokenizer and
	// masked-LM head (initialised when it has none). Model and Tokenizer
	// are then not used.
	From      string          `yaml:"from,omitempty"`
	Tokenizer TokenizerConfig `yaml:"tokenizer"`
	Model     ModelConfig     `yaml:"model"`
	Train     TrainConfig     `yaml:"train"`
}

// TokenizerConfig is the vocabulary of a model trained from scratch.
type TokenizerConfig struct {
	// Dir is a tokenizer folder to use (vocab.txt, tokenizer.json, …);
	// empty trains a WordPiece vocabulary on the training documents.
	Dir          string `yaml:"dir,omitempty"`
	VocabSize    int    `yaml:"vocab_size"`
	Lowercase    bool   `yaml:"lowercase"`
	MinFrequency int    `yaml:"min_frequency"`
}

// ModelConfig is the shape of a model trained from scratch.
type ModelConfig struct {
	Layers       int     `yaml:"layers"`
	Hidden       int     `yaml:"hidden"`
	Heads        int     `yaml:"heads"`
	Intermediate int     `yaml:"intermediate"`
	MaxLen       int     `yaml:"max_len"` // position embeddings
	Dropout      float64 `yaml:"dropout"`
	Activation   string  `yaml:"activation"`
}

// TrainConfig is the training recipe.
type TrainConfig struct {
	SeqLen      int     `yaml:"seq_len"` // packed sequence length, [CLS] and [SEP] included
	Batch       int     `yaml:"batch"`   // sequences per step
	Steps       int     `yaml:"steps"`
	LR          float64 `yaml:"lr"`     // peak learning rate
	Warmup      int     `yaml:"warmup"` // steps of linear warmup, then linear decay to 0 at Steps
	WeightDecay float64 `yaml:"weight_decay"`
	Clip        float64 `yaml:"clip"` // gradient norm clipping; 0 turns it off
	Seed        int64   `yaml:"seed"`
	MaskProb    float64 `yaml:"mask_prob"`
	WholeWord   bool    `yaml:"whole_word"`
	// HeldOutEvery sends every n-th document to the held-out set (0: none).
	HeldOutEvery int `yaml:"held_out_every"`
	// EvalSequences caps the held-out sequences evaluated (0: all).
	EvalSequences   int    `yaml:"eval_sequences"`
	EvalEvery       int    `yaml:"eval_every"`       // steps between held-out evaluations
	CheckpointEvery int    `yaml:"checkpoint_every"` // steps between checkpoints
	LogEvery        int    `yaml:"log_every"`        // steps between metrics.jsonl lines
	Threads         int    `yaml:"threads"`          // libtorch threads (0: libtorch's choice)
	Device          string `yaml:"device,omitempty"`
}

// Defaults is the configuration a zero field takes: a small BERT
// (2 layers, hidden 128) with a cased 8,000-piece vocabulary, sequences of
// 128, batches of 32, 2,000 steps of AdamW at 5e-4 with 10% warmup.
func Defaults() Config {
	return Config{
		Tokenizer: TokenizerConfig{VocabSize: 8000, MinFrequency: 2},
		Model:     ModelConfig{Layers: 2, Hidden: 128, Heads: 2, Intermediate: 512, MaxLen: 128, Dropout: 0.1, Activation: "gelu"},
		Train: TrainConfig{SeqLen: 128, Batch: 32, Steps: 2000, LR: 5e-4, Warmup: 200, WeightDecay: 0.01, Clip: 1,
			Seed: 1, MaskProb: 0.15, HeldOutEvery: 100, EvalSequences: 256, EvalEvery: 200, CheckpointEvery: 200,
			LogEvery: 10, Device: "cpu"},
	}
}

// Check reports the first setting that cannot work.
func (c Config) Check() error {
	t, m := c.Train, c.Model
	bad := func(format string, args ...any) error { return fmt.Errorf("pretrain config: "+format, args...) }
	switch {
	case len(c.Corpus) == 0:
		return bad("no corpus (corpus: [FILE, …])")
	case t.Steps < 1 || t.Batch < 1:
		return bad("train.steps %d, train.batch %d; expected at least 1", t.Steps, t.Batch)
	case t.SeqLen < 8:
		return bad("train.seq_len %d; expected at least 8", t.SeqLen)
	case c.From == "" && t.SeqLen > m.MaxLen:
		return bad("train.seq_len %d exceeds model.max_len %d (the position embeddings)", t.SeqLen, m.MaxLen)
	case !(t.LR > 0) || t.Warmup < 0 || t.Warmup > t.Steps:
		return bad("train.lr %g, train.warmup %d; expected lr > 0 and 0 ≤ warmup ≤ steps", t.LR, t.Warmup)
	case !(t.MaskProb > 0 && t.MaskProb < 1):
		return bad("train.mask_prob %g; expected 0 < p < 1", t.MaskProb)
	case t.WeightDecay < 0 || t.Clip < 0 || t.HeldOutEvery < 0 || t.EvalSequences < 0:
		return bad("negative weight_decay, clip, held_out_every or eval_sequences")
	case t.EvalEvery < 1 || t.CheckpointEvery < 1 || t.LogEvery < 1:
		return bad("eval_every %d, checkpoint_every %d, log_every %d; expected at least 1", t.EvalEvery, t.CheckpointEvery, t.LogEvery)
	case t.HeldOutEvery == 1:
		return bad("train.held_out_every 1 holds every document out; use 0 for none or ≥ 2")
	}
	if c.From == "" {
		switch {
		case m.Layers < 1 || m.Hidden < 1 || m.Heads < 1 || m.Intermediate < 1:
			return bad("model.layers %d, hidden %d, heads %d, intermediate %d; expected positive sizes", m.Layers, m.Hidden, m.Heads, m.Intermediate)
		case m.Hidden%m.Heads != 0:
			return bad("model.hidden %d is not a multiple of model.heads %d", m.Hidden, m.Heads)
		case m.Dropout < 0 || m.Dropout >= 1:
			return bad("model.dropout %g; expected 0 ≤ p < 1", m.Dropout)
		case m.Activation != "gelu" && m.Activation != "gelu_new" && m.Activation != "relu":
			return bad("model.activation %q; expected gelu, gelu_new or relu", m.Activation)
		case c.Tokenizer.Dir == "" && c.Tokenizer.VocabSize < 100:
			return bad("tokenizer.vocab_size %d; expected at least 100", c.Tokenizer.VocabSize)
		}
	}
	return nil
}

// ReadConfig reads a pretraining config YAML. Unknown keys are errors
// naming the line; missing ones take the defaults.
func ReadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(data, path)
}

// ParseConfig is ReadConfig on bytes; name labels errors.
func ParseConfig(data []byte, name string) (Config, error) {
	c := Defaults()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err != io.EOF {
		return c, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return c, nil
}

// Set overrides one key, as `--set train.steps=500` gives it: a dotted
// path of the YAML keys and a YAML value.
func (c *Config) Set(assignment string) error {
	key, value, ok := strings.Cut(assignment, "=")
	if !ok || key == "" {
		return fmt.Errorf("--set %s: expected KEY=VALUE, such as train.steps=500", assignment)
	}
	v := reflect.ValueOf(c).Elem()
	for _, part := range strings.Split(key, ".") {
		if v.Kind() != reflect.Struct {
			return fmt.Errorf("--set %s: %s has no key %s", assignment, key, part)
		}
		found := false
		for i := 0; i < v.NumField(); i++ {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			if tag == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return fmt.Errorf("--set %s: no key %s in a pretrain config (see the keys of data/configs/pretrain-world.yaml)", assignment, key)
		}
	}
	var err error
	switch v.Kind() {
	case reflect.String:
		v.SetString(value)
	case reflect.Bool:
		var b bool
		if b, err = strconv.ParseBool(value); err == nil {
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int64:
		var n int64
		if n, err = strconv.ParseInt(value, 10, 64); err == nil {
			v.SetInt(n)
		}
	case reflect.Float64:
		var f float64
		if f, err = strconv.ParseFloat(value, 64); err == nil {
			v.SetFloat(f)
		}
	case reflect.Slice:
		var list []string
		if err = yaml.Unmarshal([]byte(value), &list); err != nil || list == nil {
			list = strings.Split(value, ",")
			err = nil
		}
		v.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("--set %s: %s is a section, not a value", assignment, key)
	}
	if err != nil {
		return fmt.Errorf("--set %s: %v", assignment, err)
	}
	return nil
}

// yamlText is c as YAML (the run folder's pretrain.yaml). "auto" and ""
// both detect the format, so they are written alike: a run started with
// one resumes with the other.
func (c Config) yamlText() ([]byte, error) {
	if c.Format == wiki.FormatAuto {
		c.Format = ""
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// Keys lists the keys a config has, dotted as Set takes them
// (train.steps), for completion and help.
func Keys() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if t.Field(i).Type.Kind() == reflect.Struct {
				walk(t.Field(i).Type, prefix+tag+".")
			} else {
				out = append(out, prefix+tag)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}
