package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// CLNER's files are flair/ACE configs: the top level names the task
// (targets: ner), one section per task (ner: {Corpus: ...}), the tagger's
// constructor arguments (model: {FastSequenceTagger: {...}}), one entry per
// embedding class (embeddings: {WordEmbeddings-0: {...}}), the trainer class
// and its constructor arguments (trainer: ModelFinetuner, ModelFinetuner:
// {...}) and the arguments of its train() call (train: {...}).

// clnerIgnoredTop are top-level keys of CLNER/ACE files that nerlab reads
// past: other tasks, knowledge distillation, ACE's controller, MFVI.
var clnerIgnoredTop = map[string]string{
	"MFVI":              "second-order MFVI decoding is not used",
	"Controller":        "ACE's embedding controller is not used",
	"anneal_factor":     "CLNER's trainer reads train.anneal_factor",
	"interpolation":     "knowledge-distillation weight; distillation is not used",
	"is_teacher_list":   "knowledge distillation is not used",
	"teacher_annealing": "knowledge distillation is not used",
	"load_pretrained":   "pretrained taggers are not loaded from CLNER files",
	"pretrained_model":  "pretrained taggers are not loaded from CLNER files",
	"is_toy":            "a CLNER debugging switch",
	"extra_name":        "a CLNER naming option",
	"TRC":               "text-relation classification is not used",
}

// clnerOtherTasks are the task sections of targets nerlab does not train.
var clnerOtherTasks = map[string]bool{
	"ner": true, "upos": true, "chunk": true, "ast": true, "atis": true, "np": true, "cs": true,
	"dependency": true, "enhancedud": true, "srl": true, "ner_dp": true, "panx": true, "semeval": true,
	"mixedner": true, "low10ner": true, "lowner": true, "smallud": true, "dm": true, "pas": true, "psd": true,
}

// clnerTrainers are the trainer classes of CLNER and ACE, and the
// optimizer each uses when its section names none.
var clnerTrainers = map[string]string{
	"ModelFinetuner":       "adamw",
	"ModelDistiller":       "sgd",
	"ModelTrainer":         "sgd",
	"ReinforcementTrainer": "sgd",
	"SWAFTrainer":          "sgd",
}

// clnerNativeOnly are native top-level keys that mean the file mixes
// dialects when they appear beside CLNER's.
var clnerNativeOnly = map[string]bool{"name": true, "data": true}

// clnerFile is the CLNER-specific state gathered while reading.
type clnerFile struct {
	trainer      string // trainer class; "" when not given
	optimizer    string // from the trainer's section; "" when not given
	fineTuneMode *bool  // train.fine_tune_mode when given
	useWarmup    bool
	warmupEpochs float64
}

// readCLNER overlays a CLNER file on the experiment. marker is the key
// that made the file CLNER's, for messages about mixed dialects.
func (r *reader) readCLNER(top []pair, marker *yaml.Node) error {
	byName := map[string]pair{}
	for _, p := range top {
		byName[p.name()] = p
	}
	for _, p := range top {
		if clnerNativeOnly[p.name()] {
			return r.fail(p.key, p.name(), "is a native key, but %s at line %d makes this a CLNER-style file; expected one dialect per file (CLNER: model_name and ner: {Corpus: ...})", marker.Value, marker.Line)
		}
	}
	tp, ok := byName["targets"]
	if !ok {
		return r.fail(marker, "targets", "missing: %s makes this a CLNER-style file; expected targets: ner naming the task section", marker.Value)
	}
	targets, err := r.str(tp.val, "targets")
	if err != nil {
		return err
	}
	names := strings.Split(targets, ":")
	target := strings.TrimSpace(names[0])
	if target == "" {
		return r.fail(tp.val, "targets", "is empty; expected the task to train, e.g. targets: ner")
	}
	if len(names) > 1 {
		r.warn(tp.val, "targets: only the first task (%s) is trained; nerlab trains one task", target)
	}
	task, ok := byName[target]
	if !ok {
		return r.fail(tp.val, "targets", "names %s, but the file has no %s section; expected %s: {Corpus: ColumnCorpus-1, ColumnCorpus-1: {data_folder: ..., column_format: {0: text, 1: ner}}}", target, target, target)
	}
	st := &clnerFile{warmupEpochs: 1}
	if err := r.clnerTask(task, target); err != nil {
		return err
	}
	handled := map[string]bool{"targets": true, target: true}
	for _, step := range []struct {
		key  string
		read func(pair) error
	}{
		{"model_name", func(p pair) error { return r.clnerString(p, "name", &r.exp.Name) }},
		{"target_dir", func(p pair) error { return r.clnerString(p, "target_dir", &r.exp.TargetDir) }},
		{"embeddings", r.clnerEmbeddings},
		{"model", r.clnerModel},
		{"trainer", func(p pair) error { return r.clnerTrainerName(p, st) }},
	} {
		if p, ok := byName[step.key]; ok {
			handled[step.key] = true
			if err := step.read(p); err != nil {
				return err
			}
		}
	}
	if p, ok := byName[st.trainer]; ok && !handled[st.trainer] && st.trainer != "train" {
		handled[st.trainer] = true
		if err := r.clnerTrainerSection(p, st); err != nil {
			return err
		}
	}
	if p, ok := byName["train"]; ok {
		handled["train"] = true
		if err := r.clnerTrain(p, st); err != nil {
			return err
		}
	}
	r.clnerSchedule(st)
	for _, p := range top {
		if !handled[p.name()] {
			r.clnerTopWarning(p)
		}
	}
	return nil
}

// clnerTopWarning explains why a top-level key is not used.
func (r *reader) clnerTopWarning(p pair) {
	name := p.name()
	switch {
	case clnerIgnoredTop[name] != "":
		r.warn(p.key, "ignored key %s: %s", name, clnerIgnoredTop[name])
	case clnerOtherTasks[name]:
		r.warn(p.key, "ignored key %s: a section for another task than targets names", name)
	case clnerTrainers[name] != "":
		r.warn(p.key, "ignored key %s: the section of a trainer the file does not use", name)
	default:
		known := []string{"targets", "model_name", "target_dir", "embeddings", "model", "trainer", "train"}
		r.warn(p.key, "unknown key %s%s", name, didYouMean(name, known))
	}
}

// clnerString reads a top-level string into a native field.
func (r *reader) clnerString(p pair, key string, dst *string) error {
	s, err := r.str(p.val, p.name())
	if err != nil {
		return err
	}
	*dst = s
	r.set(key, p.val)
	return nil
}

func (r *reader) clnerTrainerName(p pair, st *clnerFile) error {
	s, err := r.str(p.val, "trainer")
	if err != nil {
		return err
	}
	st.trainer = s
	if _, known := clnerTrainers[s]; !known {
		r.warn(p.val, "trainer %s is not a CLNER trainer nerlab knows; nerlab trains with its own trainer", s)
	}
	return nil
}

// clnerTrainerSection reads the trainer's constructor arguments; only the
// optimizer matters to nerlab.
func (r *reader) clnerTrainerSection(p pair, st *clnerFile) error {
	ps, err := r.section(p, p.name())
	if err != nil {
		return err
	}
	for _, q := range ps {
		key := p.name() + "." + q.name()
		if q.name() != "optimizer" {
			r.warn(q.key, "ignored key %s: a CLNER trainer option nerlab does not use", key)
			continue
		}
		s, err := r.str(q.val, key)
		if err != nil {
			return err
		}
		switch strings.ToLower(s) {
		case "sgd":
			st.optimizer = "sgd"
		case "adamw", "adam":
			st.optimizer = "adamw"
			if strings.ToLower(s) == "adam" {
				r.warn(q.val, "%s: Adam is read as adamw (decoupled weight decay)", key)
			}
		default:
			return r.fail(q.val, key, "%q is not an optimizer nerlab has; expected SGD or AdamW", s)
		}
		r.set("train.optimizer", q.val)
	}
	return nil
}

// section returns the entries of a CLNER mapping; an empty value is an
// empty section.
func (r *reader) section(p pair, key string) ([]pair, error) {
	d := deref(p.val)
	if isNull(d) {
		return nil, nil
	}
	if d.Kind != yaml.MappingNode {
		return nil, r.fail(p.val, key, "%s is not a section; expected a mapping", describe(d))
	}
	return r.pairs(d, key)
}

// clnerSchedule settles what depends on several sections: CLNER's
// fine-tuning mode selects the linear warmup/decay schedule (nerlab's
// adamw), its trainer class the default optimizer, and its warmup is off
// unless use_warmup asks for warmup_epochs of it.
func (r *reader) clnerSchedule(st *clnerFile) {
	t := &r.exp.Train
	switch {
	case st.optimizer != "":
		t.Optimizer = st.optimizer
	case st.fineTuneMode != nil && *st.fineTuneMode:
		t.Optimizer = "adamw"
	case st.fineTuneMode != nil:
		t.Optimizer = "sgd"
	case clnerTrainers[st.trainer] != "":
		t.Optimizer = clnerTrainers[st.trainer]
	}
	t.WarmupFraction = 0
	if st.useWarmup && t.MaxEpochs > 0 {
		// Validate rejects a warmup as long as training.
		t.WarmupFraction = min(st.warmupEpochs/float64(t.MaxEpochs), 1)
	}
}
