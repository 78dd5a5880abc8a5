package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
)

// Validate checks that the experiment can be trained: required files named,
// sizes positive, names known, rates in range. It reports every problem, one
// line each, naming the key and, for keys the file set, its line. It does
// not open files; CheckFiles does.
func (e *Experiment) Validate() error {
	v := &validator{e: e}
	v.top()
	v.data("data", &e.Data)
	if e.Data.Context != nil {
		v.data("data.context", e.Data.Context)
	}
	v.embeddings()
	v.model()
	v.train()
	return errors.Join(v.errs...)
}

type validator struct {
	e    *Experiment
	errs []error
}

func (v *validator) fail(key, format string, args ...any) {
	v.errs = append(v.errs, v.e.errAt(key, format, args...))
}

// relation is fail for a rule between keys (multi_view_training needs
// data.context): Set does not refuse it, since the other key may be set
// next; Validate, before training, does.
func (v *validator) relation(key, format string, args ...any) {
	err := v.e.errAt(key, format, args...)
	err.related = true
	v.errs = append(v.errs, err)
}

func (v *validator) positive(key string, n int) {
	if n < 1 {
		v.fail(key, "%d is not positive; expected 1 or more", n)
	}
}

func (v *validator) nonNegative(key string, x float64) {
	if x < 0 {
		v.fail(key, "%g is negative; expected 0 or more", x)
	}
}

// fraction checks 0 <= x < 1 (or <= 1 when closed).
func (v *validator) fraction(key string, x float64, closed bool) {
	switch {
	case closed && (x < 0 || x > 1):
		v.fail(key, "%g is not between 0 and 1; expected a value in [0, 1]", x)
	case !closed && (x < 0 || x >= 1):
		v.fail(key, "%g is not in [0, 1); expected 0 or more and less than 1", x)
	}
}

func (v *validator) top() {
	name := v.e.Name
	switch {
	case strings.TrimSpace(name) == "":
		v.fail("name", "is empty; expected a run name such as wnut17-bilstm-crf")
	case name == "." || name == ".." || strings.ContainsAny(name, `/\`):
		v.fail("name", "%q is not a folder name; expected a name without / (the run folder is target_dir/name)", name)
	}
	if strings.TrimSpace(v.e.TargetDir) == "" {
		v.fail("target_dir", "is empty; expected the folder that holds run folders, e.g. runs")
	}
}

func (v *validator) data(prefix string, d *Data) {
	if strings.TrimSpace(d.Train) == "" {
		if prefix == "data" {
			v.fail(prefix+".train", "is empty; expected the training file, e.g. ../shared/datasets/wnut17/train.txt")
		} else {
			v.fail(prefix+".train", "is empty; expected the context view's training file, or data.context: none")
		}
	}
	cols, err := d.ColumnMap()
	switch {
	case err != nil:
		v.fail(prefix+".columns", "%v", err)
	case cols.Index(corpus.NERColumn) < 0:
		v.fail(prefix+".columns", "%q has no %s column; expected the tag column named %s, e.g. \"text ner\"", d.Columns, corpus.NERColumn, corpus.NERColumn)
	}
	if _, err := corpus.ParseScheme(d.TagScheme); err != nil {
		v.fail(prefix+".tag_scheme", "%q is not a tag scheme; expected bioes or bio", d.TagScheme)
	}
}

func (v *validator) embeddings() {
	emb := v.e.Embeddings
	if emb.Word == nil && emb.Char == nil && emb.Transformer == nil {
		v.fail("embeddings", "none are configured; expected embeddings.word, embeddings.char, embeddings.transformer or several")
	}
	if tr := emb.Transformer; tr != nil {
		if tr.Model == "" {
			v.fail("embeddings.transformer.model", "missing; expected a local Hugging Face model folder (nerlab cannot download models)")
		}
		if _, err := ParseLayers(tr.Layers); err != nil {
			v.fail("embeddings.transformer.layers", "%v", err)
		}
		if !slices.Contains(embedPoolings, tr.Pooling) {
			v.fail("embeddings.transformer.pooling", "%q; expected one of %s", tr.Pooling, strings.Join(embedPoolings, ", "))
		}
		if tr.MaxLength < 0 || tr.MaxLength > 0 && tr.MaxLength < 3 {
			v.fail("embeddings.transformer.max_length", "%d; expected 0 (the model's limit) or at least 3", tr.MaxLength)
		}
		if tr.Stride < 0 {
			v.fail("embeddings.transformer.stride", "%d is negative; expected 0 (half a window) or more", tr.Stride)
		}
	}
	if w := emb.Word; w != nil {
		if w.Vectors == "" {
			v.positive("embeddings.word.dim", w.Dim)
		} else if w.Dim < 0 {
			v.fail("embeddings.word.dim", "%d is negative; expected 0 or more (the vectors file sets the size)", w.Dim)
		}
		if w.MinCount < 0 {
			v.fail("embeddings.word.min_count", "%d is negative; expected 0 or more", w.MinCount)
		}
	}
	if c := emb.Char; c != nil {
		switch c.Encoder {
		case "lstm":
		case "cnn":
			v.positive("embeddings.char.kernel", c.Kernel)
		default:
			v.fail("embeddings.char.encoder", "%q is not a character encoder; expected lstm or cnn", c.Encoder)
		}
		v.positive("embeddings.char.dim", c.Dim)
		v.positive("embeddings.char.hidden", c.Hidden)
	}
}

func (v *validator) model() {
	m := v.e.Model
	if m.UseRNN {
		v.positive("model.hidden_size", m.HiddenSize)
		v.positive("model.rnn_layers", m.RNNLayers)
	}
	v.fraction("model.dropout", m.Dropout, false)
	v.fraction("model.word_dropout", m.WordDropout, false)
	v.fraction("model.locked_dropout", m.LockedDropout, false)
	if !slices.Contains(LinearInits, m.LinearInit) {
		v.fail("model.linear_init", "%q; expected one of %s", m.LinearInit, strings.Join(LinearInits, ", "))
	}
}

func (v *validator) train() {
	t := v.e.Train
	switch t.Optimizer {
	case "sgd":
		if t.AnnealFactor <= 0 || t.AnnealFactor > 1 {
			v.fail("train.anneal_factor", "%g is not in (0, 1]; expected the factor the learning rate is multiplied by, e.g. 0.5", t.AnnealFactor)
		}
	case "adamw":
	default:
		v.fail("train.optimizer", "%q is not an optimizer; expected sgd or adamw", t.Optimizer)
	}
	if t.LearningRate <= 0 {
		v.fail("train.learning_rate", "%g is not positive; expected e.g. 0.1 for sgd or 5e-5 for adamw", t.LearningRate)
	}
	v.positive("train.mini_batch_size", t.MiniBatchSize)
	v.positive("train.eval_batch_size", t.EvalBatchSize)
	v.positive("train.max_epochs", t.MaxEpochs)
	v.positive("train.accumulate", t.Accumulate)
	if t.Patience < 0 {
		v.fail("train.patience", "%d is negative; expected 0 or more epochs", t.Patience)
	}
	v.nonNegative("train.min_learning_rate", t.MinLearningRate)
	v.fraction("train.warmup_fraction", t.WarmupFraction, false)
	v.nonNegative("train.weight_decay", t.WeightDecay)
	v.fraction("train.momentum", t.Momentum, false)
	v.nonNegative("train.clip_norm", t.ClipNorm)
	if t.CRFLRMultiplier <= 0 {
		v.fail("train.crf_lr_multiplier", "%g is not positive; expected 1 for no change", t.CRFLRMultiplier)
	}
	for _, group := range slices.Sorted(maps.Keys(t.LRMultipliers)) {
		x := t.LRMultipliers[group]
		switch {
		case !validGroupName(group):
			v.fail("train.lr_multipliers", "%q is not a parameter group; expected the first segment of parameter names, such as word, char, rnn, out or crf", group)
		case x <= 0 || math.IsNaN(x) || math.IsInf(x, 0):
			v.fail("train.lr_multipliers", "%s: %g is not a positive number; expected 1 for no change", group, x)
		}
	}
	if _, both := t.LRMultipliers["crf"]; both && t.CRFLRMultiplier != 1 {
		v.relation("train.lr_multipliers", "names crf, and train.crf_lr_multiplier is %g; expected one of them (crf_lr_multiplier is lr_multipliers.crf)", t.CRFLRMultiplier)
	}
	if t.Threads < 0 {
		v.fail("train.threads", "%d is negative; expected 0 (libtorch's default) or more", t.Threads)
	}
	if t.KeepCheckpoints < 0 {
		v.fail("train.keep_checkpoints", "%d is negative; expected 0 (keep all) or more", t.KeepCheckpoints)
	}
	if !validDevice(t.Device) {
		v.fail("train.device", "%q is not a device; expected cpu, cuda, cuda:N or auto", t.Device)
	}
	if t.Temperature <= 0 {
		v.fail("train.temperature", "%g is not positive; expected e.g. 1", t.Temperature)
	}
	v.fraction("train.multi_view_rate", t.MultiViewRate, true)
	if t.MultiViewTraining && v.e.Data.Context == nil {
		v.relation("train.multi_view_training", "is on but there is no second view; expected data.context (CLNER: Corpus: ColumnCorpus-A:ColumnCorpus-B)")
	}
	if t.MultiViewTraining && !t.CalculateL2Loss && !t.DistillPosterior {
		v.relation("train.multi_view_training", "is on but asks for no cooperative loss; expected train.calculate_l2_loss (CL-L2) or train.distill_posterior (CL-KL)")
	}
	switch t.SelectView {
	case "", "plain":
	case "context":
		if v.e.Data.Context == nil {
			v.relation("train.select_view", "is context but there is no second view; expected data.context, or select_view plain")
		}
	default:
		v.fail("train.select_view", "%q is not a view; expected plain or context", t.SelectView)
	}
	if t.L2LossOnly && !t.CalculateL2Loss {
		v.relation("train.l2_loss_only", "is on but train.calculate_l2_loss is off; expected both for CL-L2")
	}
}

// validDevice accepts the names lib/torch.Device reads.
func validDevice(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	switch {
	case n == "" || n == "auto" || n == "cpu" || n == "cuda" || n == "gpu":
		return true
	case strings.HasPrefix(n, "cuda:"):
		i, err := strconv.Atoi(n[len("cuda:"):])
		return err == nil && i >= 0
	}
	return false
}

// CheckFiles reports data and vector files, and transformer folders, that
// cannot be opened, relative to the working directory, each at the line
// that names it.
func (e *Experiment) CheckFiles() error {
	var errs []error
	check := func(key, path string) {
		if path == "" {
			return
		}
		st, err := os.Stat(path)
		switch {
		case err != nil:
			errs = append(errs, &Error{Path: e.Path, Line: e.Lines[key], Key: key,
				Msg: fmt.Sprintf("cannot open %s; expected an existing file (relative paths are relative to the working directory)", path), Err: err})
		case st.IsDir():
			errs = append(errs, e.errAt(key, "%s is a folder; expected a file", path))
		}
	}
	for _, d := range []struct {
		prefix string
		data   *Data
	}{{"data", &e.Data}, {"data.context", e.Data.Context}} {
		if d.data != nil {
			check(d.prefix+".train", d.data.Train)
			check(d.prefix+".dev", d.data.Dev)
			check(d.prefix+".test", d.data.Test)
		}
	}
	if w := e.Embeddings.Word; w != nil {
		check("embeddings.word.vectors", w.Vectors)
	}
	if tr := e.Embeddings.Transformer; tr != nil && tr.Model != "" {
		key := "embeddings.transformer.model"
		if st, err := os.Stat(tr.Model); err != nil || !st.IsDir() {
			errs = append(errs, &Error{Path: e.Path, Line: e.Lines[key], Key: key,
				Msg: fmt.Sprintf("cannot open the folder %s; expected a Hugging Face model folder (relative paths are relative to the working directory)", tr.Model), Err: err})
		} else if _, err := os.Stat(filepath.Join(tr.Model, "config.json")); err != nil {
			errs = append(errs, e.errAt(key, "%s has no config.json; expected a Hugging Face model folder", tr.Model))
		}
	}
	return errors.Join(errs...)
}

// Inputs lists the paths a run reads: the data files of both views, the
// word vectors, the transformer's model folder and the model
// train.init_from starts from. A run folder may
// not be, hold or lie inside any of them.
func (e *Experiment) Inputs() []string {
	var paths []string
	for _, d := range []*Data{&e.Data, e.Data.Context} {
		if d != nil {
			paths = append(paths, d.Train, d.Dev, d.Test)
		}
	}
	if w := e.Embeddings.Word; w != nil {
		paths = append(paths, w.Vectors)
	}
	if tr := e.Embeddings.Transformer; tr != nil {
		paths = append(paths, tr.Model)
	}
	paths = append(paths, e.Train.InitFrom, e.Path)
	return slices.DeleteFunc(paths, func(p string) bool { return p == "" })
}

// validGroupName reports whether name can be the first segment of a
// parameter name: letters, digits and underscores.
func validGroupName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// embedPoolings are lib/embed's Poolings (lib/config does not import the
// libtorch packages).
var embedPoolings = []string{"first", "last", "mean", "first_last"}

// LinearInits are the values model.linear_init takes: lib/tagger's
// LinearInits, which lib/models checks they equal (lib/config does not
// import the libtorch packages).
var LinearInits = []string{"normal", "torch"}

// ParseLayers reads a transformer's layers in flair's form, "-1" or
// "-1,-2,-3,-4" (spaces allowed): hidden-state numbers, negative from the
// top. Whether they exist depends on the model, checked when it is read.
func ParseLayers(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%q; expected layer numbers separated by commas, such as -1 or -1,-2,-3,-4", s)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("%q names layer %d twice", s, n)
		}
		out = append(out, n)
	}
	return out, nil
}
