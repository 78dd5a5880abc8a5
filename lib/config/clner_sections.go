package config

import (
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// clnerModelKeys maps the tagger arguments of CLNER's SequenceTagger to
// native keys. The cooperative-learning switches are tagger arguments in
// CLNER and training options in nerlab.
var clnerModelKeys = map[string]string{
	"hidden_size":          "model.hidden_size",
	"use_crf":              "model.use_crf",
	"use_rnn":              "model.use_rnn",
	"rnn_layers":           "model.rnn_layers",
	"dropout":              "model.dropout",
	"word_dropout":         "model.word_dropout",
	"locked_dropout":       "model.locked_dropout",
	"relearn_embeddings":   "model.reproject",
	"reproject_embeddings": "model.reproject",
	"multi_view_training":  "train.multi_view_training",
	"calculate_l2_loss":    "train.calculate_l2_loss",
	"l2_loss_only":         "train.l2_loss_only",
	"distill_posterior":    "train.distill_posterior",
	"temperature":          "train.temperature",
}

// clnerModelIgnored are SequenceTagger arguments nerlab has no use for:
// distillation, ACE, MFVI, language attention and CLNER debugging options.
var clnerModelIgnored = words(`use_mfvi use_cnn train_initial_hidden_state pickle_module
	interpolation sentence_loss distill_crf crf_attention biaf_attention use_language_attention
	token_level_attention distill_with_gold exp_score distill_prob distill_emission distill_exact
	posterior_constraint predict_posterior use_language_vector enhanced_crf use_language_id
	use_transition_attention teacher_hidden num_teachers target_languages gold_const
	posterior_interpolation word_map char_map use_decoder_timer debug unlabel_entropy_loss
	entropy_loss_rate map_embeddings no_encoder relearn_size embedding_selector new_drop use_rl
	use_embedding_masks use_gumbel embedding_attention testing remove_x`)

// clnerTrainKeys maps the arguments of CLNER's train() call to native keys.
var clnerTrainKeys = map[string]string{
	"learning_rate":               "train.learning_rate",
	"mini_batch_size":             "train.mini_batch_size",
	"eval_mini_batch_size":        "train.eval_batch_size",
	"max_epochs":                  "train.max_epochs",
	"patience":                    "train.patience",
	"anneal_factor":               "train.anneal_factor",
	"min_learning_rate":           "train.min_learning_rate",
	"monitor_test":                "train.monitor_test",
	"train_with_dev":              "train.train_with_dev",
	"sort_data":                   "train.sort_by_length",
	"shuffle":                     "train.shuffle",
	"save_final_model":            "train.save_final_model",
	"gradient_accumulation_steps": "train.accumulate",
	"weight_decay":                "train.weight_decay",
	"momentum":                    "train.momentum",
	"multi_view_rate":             "train.multi_view_rate",
}

// clnerTrainIgnored are train() arguments of CLNER and ACE that nerlab does
// not use.
var clnerTrainIgnored = words(`true_reshuffle use_amp embeddings_storage_mode num_workers
	macro_avg monitor_train checkpoint anneal_with_restarts param_selection_mode sampler
	use_autocast amp_opt_level language_attention_warmup_and_fix language_attention_warmup
	language_attention_entropy train_language_attention_by_dev calc_teachers_target_loss
	entropy_loss_rate professor_interpolation best_k max_epochs_without_improvement gold_reward
	warmup_steps decay decay_steps use_unlabeled_data debug min_lemma_freq min_pos_freq
	unlabeled_data_for_zeroshot rootschedule freezing save_finetuned_embedding
	controller_momentum discount max_episodes random_search sqrt_reward`)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// setNative stores a CLNER value under its native key; src is the key as
// the file spells it, for messages.
func (r *reader) setNative(key string, n *yaml.Node, src string) error {
	v, ok := locate(r.exp, key, true)
	if !ok {
		return r.fail(n, src, "has no native key %s", key) // a mapping table out of step with the types
	}
	if msg := setFromNode(v, n); msg != "" {
		return r.fail(n, src, "%s", msg)
	}
	r.set(key, n)
	return nil
}

// clnerModel reads model: {FastSequenceTagger: {...}}; CLNER builds the
// first class the section names.
func (r *reader) clnerModel(p pair) error {
	ps, err := r.section(p, "model")
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	class := ps[0]
	for _, extra := range ps[1:] {
		r.warn(extra.key, "ignored key model.%s: CLNER builds only the first model class (%s)", extra.name(), class.name())
	}
	if class.name() != "FastSequenceTagger" && class.name() != "SequenceTagger" {
		return r.fail(class.key, "model", "%s is not a tagger nerlab trains; expected FastSequenceTagger or SequenceTagger", class.name())
	}
	prefix := "model." + class.name()
	args, err := r.section(class, prefix)
	if err != nil {
		return err
	}
	for _, a := range args {
		src := prefix + "." + a.name()
		switch native := clnerModelKeys[a.name()]; {
		case native != "":
			if err := r.setNative(native, a.val, src); err != nil {
				return err
			}
		case clnerModelIgnored[a.name()]:
			r.warn(a.key, "ignored key %s: a CLNER tagger option nerlab does not use", src)
		default:
			r.warn(a.key, "unknown key %s%s", src, didYouMean(a.name(), keysOf(clnerModelKeys)))
		}
	}
	return nil
}

// clnerTrain reads the arguments of CLNER's train() call.
func (r *reader) clnerTrain(p pair, st *clnerFile) error {
	ps, err := r.section(p, "train")
	if err != nil {
		return err
	}
	for _, a := range ps {
		src := "train." + a.name()
		var err error
		switch name := a.name(); {
		case clnerTrainKeys[name] != "":
			err = r.setNative(clnerTrainKeys[name], a.val, src)
		case name == "fine_tune_mode":
			var b bool
			err = r.clnerValue(a, src, &b)
			st.fineTuneMode = &b
			r.set("train.optimizer", a.val)
		case name == "use_warmup":
			err = r.clnerValue(a, src, &st.useWarmup)
			r.set("train.warmup_fraction", a.val)
		case name == "warmup_epochs":
			err = r.clnerValue(a, src, &st.warmupEpochs)
		case name == "min_freq":
			err = r.clnerMinFreq(a, src)
		case name == "lr_rate":
			err = r.clnerLRRate(a, src)
		case clnerTrainIgnored[name]:
			r.warn(a.key, "ignored key %s: a CLNER training option nerlab does not use", src)
		default:
			known := append(keysOf(clnerTrainKeys), "fine_tune_mode", "use_warmup", "warmup_epochs", "min_freq", "lr_rate")
			r.warn(a.key, "unknown key %s%s", src, didYouMean(name, known))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// clnerLRRateGroups are the parameter groups ACE's ModelFinetuner (which
// CLNER's training uses) trains at learning_rate × lr_rate: every
// parameter whose name has no "embedding" in it except the output layer
// (linear.weight, linear.bias), which stays at learning_rate with the
// embeddings; in nerlab's names, the BiLSTM and the CRF.
var clnerLRRateGroups = []string{"rnn", "crf"}

// clnerLRRate reads lr_rate (see clnerLRRateGroups): with a transformer
// fine-tuned at 5e-6 and lr_rate 10000, the BiLSTM and the CRF learn at
// 5e-2. A rate of 1 changes nothing.
func (r *reader) clnerLRRate(a pair, src string) error {
	var rate float64
	if err := r.clnerValue(a, src, &rate); err != nil {
		return err
	}
	if rate == 1 {
		return nil
	}
	if r.exp.Train.LRMultipliers == nil {
		r.exp.Train.LRMultipliers = map[string]float64{}
	}
	for _, g := range clnerLRRateGroups {
		r.exp.Train.LRMultipliers[g] = rate
		r.set("train.lr_multipliers."+g, a.val)
	}
	r.set("train.lr_multipliers", a.val)
	return nil
}

// clnerValue reads a scalar of dst's type.
func (r *reader) clnerValue(a pair, src string, dst any) error {
	if msg := setFromNode(reflect.ValueOf(dst).Elem(), a.val); msg != "" {
		return r.fail(a.val, src, "%s", msg)
	}
	return nil
}

// clnerMinFreq maps CLNER's vocabulary threshold (-1: keep every word) to
// the word table's min_count.
func (r *reader) clnerMinFreq(a pair, src string) error {
	var n int
	if err := r.clnerValue(a, src, &n); err != nil {
		return err
	}
	if r.exp.Embeddings.Word == nil {
		r.warn(a.key, "ignored key %s: the file has no word embeddings", src)
		return nil
	}
	r.exp.Embeddings.Word.MinCount = max(n, 1)
	r.set("embeddings.word.min_count", a.val)
	return nil
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out) // ties in didYouMean resolve the same way every run
	return out
}
