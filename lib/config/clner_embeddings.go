package config

import (
	"os"
	"path/filepath"
	"strings"
)

// clnerUnsupportedEmbeddings are flair embedding classes nerlab cannot
// build yet, with the reason given in the warning.
var clnerUnsupportedEmbeddings = map[string]string{
	"XLNetEmbeddings":       "XLNet is not an architecture nerlab builds (BERT, RoBERTa and XLM-R are)",
	"FlairEmbeddings":       "contextual string embeddings are not supported",
	"PooledFlairEmbeddings": "contextual string embeddings are not supported",
	"ELMoEmbeddings":        "ELMo embeddings are not supported",
	"LemmaEmbeddings":       "lemma embeddings are not supported",
	"POSEmbeddings":         "POS-tag embeddings are not supported",
	"OneHotEmbeddings":      "one-hot embeddings are not supported",
}

// clnerEncoderKinds maps the flair (and ACE) embedding classes nerlab
// builds onto the encoder kinds of the native embeddings section (the
// kinds lib/embed registers).
var clnerEncoderKinds = map[string]string{
	"WordEmbeddings":          "word",
	"FastWordEmbeddings":      "word",
	"CharacterEmbeddings":     "char",
	"FastCharacterEmbeddings": "char",
	// flair's and ACE's transformer classes, read from a local folder.
	"TransformerWordEmbeddings": "transformer",
	"BertEmbeddings":            "transformer",
	"RoBERTaEmbeddings":         "transformer",
	"XLMRobertaEmbeddings":      "transformer",
}

// clnerEmbeddings reads embeddings: {Class-id: {...}}. The file's list is
// the whole stack: the default word and character encoders are replaced,
// not added to.
func (r *reader) clnerEmbeddings(p pair) error {
	ps, err := r.section(p, "embeddings")
	if err != nil {
		return err
	}
	emb := &r.exp.Embeddings
	emb.Word, emb.Char, emb.Transformer = nil, nil, nil
	for _, q := range ps {
		class, _, _ := strings.Cut(q.name(), "-")
		src := "embeddings." + q.name()
		switch clnerEncoderKinds[class] {
		case "word":
			if emb.Word != nil {
				r.warn(q.key, "ignored key %s: nerlab stacks one word table", src)
				continue
			}
			if err := r.clnerWord(q, src, class == "WordEmbeddings"); err != nil {
				return err
			}
		case "char":
			if emb.Char != nil {
				r.warn(q.key, "ignored key %s: nerlab stacks one character encoder", src)
				continue
			}
			if err := r.clnerChar(q, src); err != nil {
				return err
			}
		case "transformer":
			if emb.Transformer != nil {
				r.warn(q.key, "ignored key %s: nerlab stacks one transformer", src)
				continue
			}
			if err := r.clnerTransformer(q, src); err != nil {
				return err
			}
		default:
			if why := clnerUnsupportedEmbeddings[class]; why != "" {
				r.warn(q.key, "ignored key %s: %s", src, why)
			} else {
				r.warn(q.key, "ignored key %s: %s is not an embedding class nerlab knows", src, class)
			}
		}
	}
	return nil
}

// clnerWord reads WordEmbeddings (flair: static vectors, so frozen) or
// FastWordEmbeddings (ACE: trainable unless freeze).
func (r *reader) clnerWord(q pair, src string, static bool) error {
	w := *Default().Embeddings.Word
	w.Frozen = static
	r.exp.Embeddings.Word = &w
	r.set("embeddings.word", q.key)
	if static {
		r.set("embeddings.word.frozen", q.key)
	}
	args, err := r.section(q, src)
	if err != nil {
		return err
	}
	for _, a := range args {
		key := src + "." + a.name()
		switch a.name() {
		case "embeddings":
			if err := r.setNative("embeddings.word.vectors", a.val, key); err != nil {
				return err
			}
			if isDownloadName(w.Vectors) {
				r.warn(a.val, "%s: %q is a name flair downloads; nerlab cannot download vectors, expected a .vec file such as ../shared/vectors/wiki100k.vec.gz", key, w.Vectors)
			}
		case "freeze":
			if err := r.setNative("embeddings.word.frozen", a.val, key); err != nil {
				return err
			}
		default:
			r.warn(a.key, "ignored key %s: a flair word-embedding option nerlab does not use", key)
		}
	}
	return nil
}

// isDownloadName reports whether a word-embeddings value is one of flair's
// names (glove, en, crawl, ...) rather than a file path.
func isDownloadName(s string) bool {
	return s != "" && !strings.ContainsAny(s, `/\`) && filepath.Ext(s) == ""
}

// isFolder reports whether path is an existing folder.
func isFolder(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// clnerChar reads CharacterEmbeddings: flair's character BiLSTM.
func (r *reader) clnerChar(q pair, src string) error {
	c := *Default().Embeddings.Char
	r.exp.Embeddings.Char = &c
	r.set("embeddings.char", q.key)
	args, err := r.section(q, src)
	if err != nil {
		return err
	}
	for _, a := range args {
		key := src + "." + a.name()
		var err error
		switch a.name() {
		case "char_embedding_dim":
			err = r.setNative("embeddings.char.dim", a.val, key)
		case "hidden_size_char":
			err = r.setNative("embeddings.char.hidden", a.val, key)
		default:
			r.warn(a.key, "ignored key %s: a flair character-embedding option nerlab does not use", key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// clnerTransformerKeys map the arguments of flair's and ACE's transformer
// classes onto embeddings.transformer: TransformerWordEmbeddings' model,
// the older classes' model-name arguments, and the options they share.
var clnerTransformerKeys = map[string]string{
	"model":                         "embeddings.transformer.model",
	"bert_model_or_path":            "embeddings.transformer.model",
	"pretrained_model_name_or_path": "embeddings.transformer.model",
	"layers":                        "embeddings.transformer.layers",
	"pooling_operation":             "embeddings.transformer.pooling",
	"fine_tune":                     "embeddings.transformer.fine_tune",
	"layer_mean":                    "embeddings.transformer.layer_mean",
	"max_sequence_length":           "embeddings.transformer.max_length",
}

// clnerTransformerIgnored are transformer options nerlab does not need,
// with the reason.
var clnerTransformerIgnored = map[string]string{
	"batch_size":           "nerlab encodes a training batch at once",
	"allow_long_sentences": "nerlab always reads long inputs in overlapping windows",
	"use_scalar_mix":       "scalar mix is not built; layer_mean averages the layers",
	"embedding_name":       "a flair naming option",
}

// clnerTransformer reads a transformer class: ACE's defaults (the four top
// layers concatenated, first-piece pooling, frozen) unless the file says
// otherwise. flair's model names (xlm-roberta-large) are downloads nerlab
// cannot make; the file must name a local folder.
func (r *reader) clnerTransformer(q pair, src string) error {
	r.exp.Embeddings.Transformer = &TransformerEmbeddings{Layers: "-1,-2,-3,-4", Pooling: "first"}
	r.set("embeddings.transformer", q.key)
	args, err := r.section(q, src)
	if err != nil {
		return err
	}
	for _, a := range args {
		key := src + "." + a.name()
		native, ok := clnerTransformerKeys[a.name()]
		if !ok {
			if why := clnerTransformerIgnored[a.name()]; why != "" {
				r.warn(a.key, "ignored key %s: %s", key, why)
			} else {
				r.warn(a.key, "ignored key %s: a flair transformer option nerlab does not use", key)
			}
			continue
		}
		if err := r.setNative(native, a.val, key); err != nil {
			return err
		}
	}
	// A bare name that is not a folder here is a hub name (xlm-roberta-large);
	// a missing path is CheckFiles' to report.
	if m := r.exp.Embeddings.Transformer.Model; isDownloadName(m) && !isFolder(m) {
		r.warn(q.key, "%s: %q is not a local folder (a model name flair downloads?); nerlab cannot download models, expected a Hugging Face model folder", src, m)
	}
	return nil
}
