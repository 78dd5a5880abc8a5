package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSetScalars(t *testing.T) {
	e := mustParse(t, "train:\n  max_epochs: 5\n")
	for _, a := range []string{"train.max_epochs=3", "train.learning_rate=1e-3", "train.shuffle=false",
		"data.train= corpora/train.txt ", "train.seed=0x10", "model.use_crf=no"} {
		if err := e.Set(a); err != nil {
			t.Fatalf("Set(%q): %v", a, err)
		}
	}
	if e.Train.MaxEpochs != 3 || e.Train.LearningRate != 1e-3 || e.Train.Shuffle || e.Train.Seed != 16 || e.Model.UseCRF {
		t.Errorf("train = %+v, model.use_crf = %v", e.Train, e.Model.UseCRF)
	}
	if e.Data.Train != "corpora/train.txt" {
		t.Errorf("data.train = %q; want the value trimmed", e.Data.Train)
	}
	if _, ok := e.Lines["train.max_epochs"]; ok {
		t.Errorf("the file's line for train.max_epochs survived the override")
	}
}

func TestSetSections(t *testing.T) {
	e := Default()
	if err := e.Set("embeddings.char=none"); err != nil || e.Embeddings.Char != nil {
		t.Fatalf("Set(embeddings.char=none): %v, char = %+v", err, e.Embeddings.Char)
	}
	// A key inside a removed section brings it back with its defaults.
	if err := e.Set("embeddings.char.hidden=50"); err != nil {
		t.Fatal(err)
	}
	if want := (CharEmbeddings{Encoder: "lstm", Dim: 25, Hidden: 50, Kernel: 3}); e.Embeddings.Char == nil || *e.Embeddings.Char != want {
		t.Errorf("char = %+v; want %+v", e.Embeddings.Char, want)
	}
	// A new context view starts with the data's layout.
	e.Data.Columns, e.Data.TagScheme = "text pos chunk ner", "bio"
	if err := e.Set("data.context.train=ctx/train.txt"); err != nil {
		t.Fatal(err)
	}
	if want := (Data{Train: "ctx/train.txt", Columns: "text pos chunk ner", TagScheme: "bio"}); e.Data.Context == nil || *e.Data.Context != want {
		t.Errorf("context = %+v; want %+v", e.Data.Context, want)
	}
	if err := e.Set("data.context=None"); err != nil || e.Data.Context != nil {
		t.Errorf("Set(data.context=None): %v, context = %+v", err, e.Data.Context)
	}
}

func TestSetErrors(t *testing.T) {
	for _, tc := range []struct{ assign, want string }{
		{"train.max_epochs=ten", `--set: train.max_epochs: "ten" is not an integer; expected an integer`},
		{"train.max_epoch=3", "--set: train.max_epoch: unknown key; did you mean train.max_epochs?"},
		{"max_epochs=3", "--set: max_epochs: unknown key; did you mean train.max_epochs?"},
		{"zzz=1", "--set: zzz: unknown key; expected a key such as train.max_epochs (the set command lists them all)"},
		{"train.max_epochs", `--set: "train.max_epochs" is not KEY=VALUE; expected e.g. train.max_epochs=3`},
		{"=3", `--set: "=3" is not KEY=VALUE; expected e.g. train.max_epochs=3`},
		{"train.learning_rate=inf", `--set: train.learning_rate: "inf" is not a finite number; expected a finite number`},
		{"model.use_crf=maybe", `--set: model.use_crf: "maybe" is not true or false; expected true or false`},
		{"embeddings.word=glove", "--set: embeddings.word: is a section; expected none to remove it, or one of its keys, e.g. embeddings.word.dim=..."},
		{"train=3", "--set: train: is a group of keys; expected one of its keys, e.g. train.optimizer"},
	} {
		e := Default()
		err := e.Set(tc.assign)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Set(%q) = %v\nwant %s", tc.assign, err, tc.want)
		}
	}
}

func TestKeys(t *testing.T) {
	keys := Keys()
	for _, k := range []string{"name", "target_dir", "data.train", "data.context", "data.context.tag_scheme",
		"embeddings.word", "embeddings.word.vectors", "embeddings.char.kernel", "model.locked_dropout",
		"train.max_epochs", "train.multi_view_training", "train.calculate_l2_loss", "train.l2_loss_only",
		"train.distill_posterior", "train.temperature", "train.multi_view_rate", "train.select_view", "train.init_from"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys() lacks %s", k)
		}
	}
	// 2 top + 5 data + 1+5 context + 1+5 word + 1+4 char + 1+7 transformer
	// + 10 model + 32 train.
	if len(keys) != 74 {
		t.Errorf("len(Keys()) = %d; want 74", len(keys))
	}
	for _, k := range []string{"data", "model", "data.context.context", "Path", "lines"} {
		if slices.Contains(keys, k) {
			t.Errorf("Keys() has %s, which cannot be set", k)
		}
	}
	for _, k := range keys {
		if KeyHelp(k) == "" {
			t.Errorf("KeyHelp(%s) is empty", k)
		}
	}
	if got := KeyHelp("data.context.dev"); got != "context view: "+KeyHelp("data.dev") {
		t.Errorf("KeyHelp(data.context.dev) = %q", got)
	}
	if KeyHelp("nope") != "" || KeyHelp("train") != "" {
		t.Errorf("KeyHelp describes keys that are not settable")
	}
}

// TestEveryKeySettable sets each key to a value of its kind and reads it
// back through the field Set reached.
func TestEveryKeySettable(t *testing.T) {
	for _, k := range Keys() {
		e := Default()
		f := fieldByKey[k]
		if f.kind == reflect.Map {
			continue // a table: TestTableKey
		}
		value := map[reflect.Kind]string{reflect.String: "x", reflect.Bool: "true", reflect.Int: "7",
			reflect.Int64: "7", reflect.Float64: "0.5", reflect.Pointer: "none"}[f.kind]
		if err := e.set(k+"="+value, false); err != nil {
			t.Errorf("Set(%s=%s): %v", k, value, err)
			continue
		}
		v, ok := locate(&e, k, false)
		if f.section {
			if ok && !v.IsNil() {
				t.Errorf("Set(%s=none) left the section", k)
			}
			continue
		}
		if got := fmt.Sprint(v.Interface()); got != value {
			t.Errorf("after Set(%s=%s) the field is %s", k, value, got)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	e := mustParse(t, "data:\n  train: a\n  context: {train: b}\n")
	c := e.Clone()
	if err := c.Set("embeddings.word.dim=3"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("data.context.train=z"); err != nil {
		t.Fatal(err)
	}
	c.Lines["x"] = 1
	if e.Embeddings.Word.Dim != 100 || e.Data.Context.Train != "b" || e.Lines["x"] != 0 {
		t.Errorf("changing the clone changed the original: %+v %+v", e.Embeddings.Word, e.Data.Context)
	}
}

func TestGetReadsBackSet(t *testing.T) {
	e := Default()
	for _, assign := range []string{"train.max_epochs=7", "train.learning_rate=0.05", "data.columns=text ner", "model.use_crf=false"} {
		if err := e.Set(assign); err != nil {
			t.Fatal(err)
		}
		key, want, _ := strings.Cut(assign, "=")
		got, err := e.Get(key)
		if err != nil || got != want {
			t.Errorf("Get(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
	if err := e.Set("embeddings.char=none"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Get("embeddings.char"); got != "none" {
		t.Errorf("removed section reads %q", got)
	}
	if got, _ := e.Get("embeddings.char.hidden"); got != "none" {
		t.Errorf("key in removed section reads %q", got)
	}
	if _, err := e.Get("train.max_epoch"); err == nil || !strings.Contains(err.Error(), "max_epochs") {
		t.Errorf("unknown key: %v", err)
	}
}

// TestSetRefusesInvalidValuesNow: set train.max_epochs=0 was accepted and
// failed only when train ran. A value no experiment can train with is
// refused by Set, and the experiment keeps its value; a rule between keys
// (multi_view_training needs data.context) waits for Validate.
func TestSetRefusesInvalidValuesNow(t *testing.T) {
	e := Default()
	for assign, want := range map[string]string{
		"train.max_epochs=0":        "--set: train.max_epochs: 0 is not positive",
		"train.mini_batch_size=-1":  "--set: train.mini_batch_size: -1 is not positive",
		"train.optimizer=adam":      `"adam" is not an optimizer`,
		"model.dropout=1.5":         "1.5 is not in [0, 1)",
		"data.tag_scheme=bilou-ish": "is not a tag scheme",
	} {
		err := e.Set(assign)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Set(%s) = %v, want %q", assign, err, want)
		}
	}
	if e.Train.MaxEpochs != Default().Train.MaxEpochs || e.Model.Dropout != Default().Model.Dropout {
		t.Errorf("a refused Set changed the experiment: %+v %+v", e.Train, e.Model)
	}
	if err := e.Set("train.multi_view_training=true"); err != nil {
		t.Errorf("a rule between keys refused by Set: %v", err)
	}
}

// TestTableKey: train.lr_multipliers reads from YAML, takes one entry at a
// time from --set, refuses what the trainer cannot use, and survives the
// run folder's copy.
func TestTableKey(t *testing.T) {
	e := mustParse(t, "train:\n  lr_multipliers: {word: 0.1, rnn: 2}\n")
	if got := e.Train.GroupLRMultipliers(); got["word"] != 0.1 || got["rnn"] != 2 || got["crf"] != 1 {
		t.Errorf("multipliers %v", got)
	}
	if err := e.Set("train.lr_multipliers.crf=50"); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Get("train.lr_multipliers"); got != "{crf: 50, rnn: 2, word: 0.1}" {
		t.Errorf("Get = %q", got)
	}
	data, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data, "copy.yaml")
	if err != nil || !reflect.DeepEqual(back.Train.LRMultipliers, e.Train.LRMultipliers) {
		t.Errorf("round trip: %v, %v\n%s", back.Train.LRMultipliers, err, data)
	}
	for _, c := range []struct{ assign, want string }{
		{"train.lr_multipliers.word=0", "train.lr_multipliers: word: 0 is not a positive number; expected 1 for no change"},
		{"train.lr_multipliers.word=x", `"x" is not a number`},
		{"train.lr_multipliers=3", "is a table; expected train.lr_multipliers.NAME=VALUE"},
	} {
		if err := e.Clone().Set(c.assign); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%s): %v; want %q", c.assign, err, c.want)
		}
	}
	// Two multipliers for crf: a relation, refused when the experiment is
	// validated as a whole.
	both := e.Clone()
	if err := both.Set("train.crf_lr_multiplier=10"); err != nil {
		t.Fatal(err)
	}
	if err := both.Validate(); err == nil || !strings.Contains(err.Error(), "train.lr_multipliers: names crf, and train.crf_lr_multiplier is 10; expected one of them") {
		t.Errorf("both crf multipliers: %v", err)
	}
	if err := e.Set("train.lr_multipliers=none"); err != nil || e.Train.LRMultipliers != nil {
		t.Errorf("none left %v (%v)", e.Train.LRMultipliers, err)
	}
	_, err = Parse([]byte("train:\n  lr_multipliers:\n    word: fast\n"), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "x.yaml:3") || !strings.Contains(err.Error(), "train.lr_multipliers.word") {
		t.Errorf("bad entry: %v", err)
	}
	_, err = Parse([]byte("train:\n  lr_multipliers: 5\n"), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "is not a table") {
		t.Errorf("scalar table: %v", err)
	}
}
