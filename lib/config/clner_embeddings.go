package config

import (
	"path/filepath"
	"strings"
)

// clnerUnsupportedEmbeddings are flair embedding classes nerlab cannot
// build yet, with the reason given in the warning.
var clnerUnsupportedEmbeddings = map[string]string{
	"TransformerWordEmbeddings": "transformer embeddings are not supported yet",
	"BertEmbeddings":            "transformer embeddings are not supported yet",
	"XLMRobertaEmbeddings":      "transformer embeddings are not supported yet",
	"RoBERTaEmbeddings":         "transformer embeddings are not supported yet",
	"XLNetEmbeddings":           "transformer embeddings are not supported yet",
	"FlairEmbeddings":           "contextual string embeddings are not supported",
	"PooledFlairEmbeddings":     "contextual string embeddings are not supported",
	"ELMoEmbeddings":            "ELMo embeddings are not supported",
	"LemmaEmbeddings":           "lemma embeddings are not supported",
	"POSEmbeddings":             "POS-tag embeddings are not supported",
	"OneHotEmbeddings":          "one-hot embeddings are not supported",
}

// clnerEncoderKinds maps the flair (and ACE) embedding classes nerlab
// builds onto the encoder kinds of the native embeddings section (the
// kinds lib/embed registers).
var clnerEncoderKinds = map[string]string{
	"WordEmbeddings":          "word",
	"FastWordEmbeddings":      "word",
	"CharacterEmbeddings":     "char",
	"FastCharacterEmbeddings": "char",
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
	emb.Word, emb.Char = nil, nil
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
