package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateDefault(t *testing.T) {
	e := Default()
	err := e.Validate()
	if err == nil || err.Error() != "data.train: is empty; expected the training file, e.g. ../shared/datasets/wnut17/train.txt" {
		t.Errorf("Validate(Default()) = %v; want only the missing training file", err)
	}
	e.Data.Train = "train.txt"
	if err := e.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestValidateRules breaks one rule at a time through an override and
// expects exactly that key's message.
func TestValidateRules(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{"name=a/b", `name: "a/b" is not a folder name; expected a name without / (the run folder is target_dir/name)`},
		{"name= ", "name: is empty; expected a run name such as wnut17-bilstm-crf"},
		{"target_dir=", "target_dir: is empty; expected the folder that holds run folders, e.g. runs"},
		{"data.columns=text pos", `data.columns: "text pos" has no ner column; expected the tag column named ner, e.g. "text ner"`},
		{"data.columns=pos ner", `data.columns: column map "pos,ner": no "text" column; expected one column named text`},
		{"data.tag_scheme=bilou2", `data.tag_scheme: "bilou2" is not a tag scheme; expected bioes or bio`},
		{"data.context.dev=x", "data.context.train: is empty; expected the context view's training file, or data.context: none"},
		{"embeddings.word.dim=0", "embeddings.word.dim: 0 is not positive; expected 1 or more"},
		{"embeddings.word.min_count=-1", "embeddings.word.min_count: -1 is negative; expected 0 or more"},
		{"embeddings.char.encoder=gru", `embeddings.char.encoder: "gru" is not a character encoder; expected lstm or cnn`},
		{"embeddings.char.hidden=0", "embeddings.char.hidden: 0 is not positive; expected 1 or more"},
		{"model.hidden_size=0", "model.hidden_size: 0 is not positive; expected 1 or more"},
		{"model.rnn_layers=0", "model.rnn_layers: 0 is not positive; expected 1 or more"},
		{"model.dropout=1", "model.dropout: 1 is not in [0, 1); expected 0 or more and less than 1"},
		{"model.word_dropout=-0.1", "model.word_dropout: -0.1 is not in [0, 1); expected 0 or more and less than 1"},
		{"model.locked_dropout=1.5", "model.locked_dropout: 1.5 is not in [0, 1); expected 0 or more and less than 1"},
		{"train.optimizer=adam", `train.optimizer: "adam" is not an optimizer; expected sgd or adamw`},
		{"train.learning_rate=0", "train.learning_rate: 0 is not positive; expected e.g. 0.1 for sgd or 5e-5 for adamw"},
		{"train.mini_batch_size=0", "train.mini_batch_size: 0 is not positive; expected 1 or more"},
		{"train.eval_batch_size=-2", "train.eval_batch_size: -2 is not positive; expected 1 or more"},
		{"train.max_epochs=0", "train.max_epochs: 0 is not positive; expected 1 or more"},
		{"train.accumulate=0", "train.accumulate: 0 is not positive; expected 1 or more"},
		{"train.patience=-1", "train.patience: -1 is negative; expected 0 or more epochs"},
		{"train.anneal_factor=2", "train.anneal_factor: 2 is not in (0, 1]; expected the factor the learning rate is multiplied by, e.g. 0.5"},
		{"train.min_learning_rate=-1", "train.min_learning_rate: -1 is negative; expected 0 or more"},
		{"train.warmup_fraction=1", "train.warmup_fraction: 1 is not in [0, 1); expected 0 or more and less than 1"},
		{"train.weight_decay=-0.01", "train.weight_decay: -0.01 is negative; expected 0 or more"},
		{"train.momentum=1", "train.momentum: 1 is not in [0, 1); expected 0 or more and less than 1"},
		{"train.clip_norm=-5", "train.clip_norm: -5 is negative; expected 0 or more"},
		{"train.crf_lr_multiplier=0", "train.crf_lr_multiplier: 0 is not positive; expected 1 for no change"},
		{"train.threads=-1", "train.threads: -1 is negative; expected 0 (libtorch's default) or more"},
		{"train.keep_checkpoints=-1", "train.keep_checkpoints: -1 is negative; expected 0 (keep all) or more"},
		{"train.device=tpu", `train.device: "tpu" is not a device; expected cpu, cuda, cuda:N or auto`},
		{"train.device=cuda:x", `train.device: "cuda:x" is not a device; expected cpu, cuda, cuda:N or auto`},
		{"train.temperature=0", "train.temperature: 0 is not positive; expected e.g. 1"},
		{"train.multi_view_rate=1.5", "train.multi_view_rate: 1.5 is not between 0 and 1; expected a value in [0, 1]"},
		{"train.multi_view_training=true", "train.multi_view_training: is on but there is no second view; expected data.context (CLNER: Corpus: ColumnCorpus-A:ColumnCorpus-B)\n" +
			"train.multi_view_training: is on but asks for no cooperative loss; expected train.calculate_l2_loss (CL-L2) or train.distill_posterior (CL-KL)"},
		{"train.l2_loss_only=true", "train.l2_loss_only: is on but train.calculate_l2_loss is off; expected both for CL-L2"},
		{"train.select_view=context", "train.select_view: is context but there is no second view; expected data.context, or select_view plain"},
		{"train.select_view=both", `train.select_view: "both" is not a view; expected plain or context`},
	} {
		e := Default()
		e.Data.Train = "train.txt"
		if err := e.set(tc.set, false); err != nil {
			t.Fatalf("Set(%q): %v", tc.set, err)
		}
		err := e.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("after %s: Validate = %v\nwant %s", tc.set, err, tc.want)
		}
	}
}

func TestValidateAllowed(t *testing.T) {
	e := Default()
	e.Data.Train = "t.txt"
	for _, a := range []string{"train.device=cuda:1", "train.device=auto", "data.tag_scheme=iob2",
		"data.columns=0:text,3:ner", "data.columns=text _ _ ner", "embeddings.word=none",
		"embeddings.char.encoder=cnn", "train.optimizer=adamw", "train.anneal_factor=5", "model.use_rnn=false",
		"model.hidden_size=0", "train.multi_view_rate=1"} {
		if err := e.Set(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestValidateNamesLines checks that problems in a loaded file point at
// the line that set the key, all problems at once.
func TestValidateNamesLines(t *testing.T) {
	e := mustParse(t, "data:\n  train: t.txt\ntrain:\n  mini_batch_size: 0\n  optimizer: rmsprop\n")
	err := e.Validate()
	want := "exp.yaml:5: train.optimizer: \"rmsprop\" is not an optimizer; expected sgd or adamw\n" +
		"exp.yaml:4: train.mini_batch_size: 0 is not positive; expected 1 or more"
	if err == nil || err.Error() != want {
		t.Errorf("Validate =\n%v\nwant\n%s", err, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 5 || ce.Key != "train.optimizer" {
		t.Errorf("errors.As gives %+v; want the first problem with its line", ce)
	}
}

func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.txt")
	if err := os.WriteFile(train, []byte("a O\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	y := "data:\n  train: " + train + "\n  dev: " + filepath.Join(dir, "dev.txt") + "\n  test: " + dir +
		"\nembeddings:\n  word: {vectors: " + filepath.Join(dir, "v.vec") + "}\n"
	e := mustParse(t, y)
	err := e.CheckFiles()
	if err == nil {
		t.Fatal("CheckFiles found nothing missing")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "exp.yaml:3: data.dev: cannot open "+filepath.Join(dir, "dev.txt")) ||
		lines[1] != "exp.yaml:4: data.test: "+dir+" is a folder; expected a file" ||
		!strings.HasPrefix(lines[2], "exp.yaml:6: embeddings.word.vectors: cannot open") {
		t.Errorf("CheckFiles =\n%v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckFiles error does not wrap os.ErrNotExist")
	}
	e.Data.Dev, e.Data.Test, e.Embeddings.Word.Vectors = "", "", ""
	if err := e.CheckFiles(); err != nil {
		t.Errorf("CheckFiles: %v", err)
	}
}
