package tagger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// BuildInfo describes what Build derived from the data.
type BuildInfo struct {
	Tags        int              // real tags
	WordVocab   int              // 0 without word embeddings
	Alphabet    int              // 0 without character embeddings
	Coverage    wordvec.Coverage // of the training words by the pre-trained vectors
	HasVectors  bool
	VectorsPath string
}

func (b BuildInfo) String() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%d tags", b.Tags))
	if b.WordVocab > 0 {
		parts = append(parts, fmt.Sprintf("%d words", b.WordVocab))
	}
	if b.Alphabet > 0 {
		parts = append(parts, fmt.Sprintf("%d characters", b.Alphabet))
	}
	s := strings.Join(parts, ", ")
	if b.HasVectors {
		s += "; vectors " + b.VectorsPath + ": " + b.Coverage.String()
	}
	return s
}

// Build creates an untrained tagger for an experiment: the tag dictionary
// from the training (and dev) corpora, the word vocabulary and alphabet
// from the training corpora, the word table initialised from the
// experiment's vectors file if any.
func Build(exp *config.Experiment, train, dev []*corpus.Corpus, device gotch.Device) (*Tagger, BuildInfo, error) {
	var info BuildInfo
	scheme, err := corpus.ParseScheme(exp.Data.TagScheme)
	if err != nil || (scheme != corpus.BIO && scheme != corpus.BIOES) {
		return nil, info, fmt.Errorf("data.tag_scheme %q; expected bio or bioes", exp.Data.TagScheme)
	}
	all := append(append([]*corpus.Corpus(nil), train...), dev...)
	tags, err := corpus.TagDictionary(scheme, exp.Model.UseCRF, all...)
	if err != nil {
		return nil, info, err
	}
	counts := map[string]int{}
	for _, c := range train {
		col := c.Column(corpus.TextColumn)
		if col < 0 {
			return nil, info, fmt.Errorf("%s: no text column", c.Path)
		}
		for i := range c.Sentences {
			for _, w := range c.Sentences[i].Columns[col] {
				counts[w]++
			}
		}
	}
	cfg := Config{Format: FormatVersion, TagScheme: strings.ToLower(scheme.String()), Tags: tags, Model: exp.Model}
	var vecs *wordvec.Vectors
	if w := exp.Embeddings.Word; w != nil {
		dim := w.Dim
		if w.Vectors != "" {
			if vecs, err = wordvec.ReadVectors(w.Vectors, 0); err != nil {
				return nil, info, err
			}
			dim = vecs.Dim
			info.HasVectors, info.VectorsPath = true, w.Vectors
		}
		vocab := embed.BuildWordVocab(counts, w.MinCount, vecs)
		cfg.Word = &WordConfig{Dim: dim, LowercaseFallback: w.LowercaseFallback, Frozen: w.Frozen, Vocab: vocab}
		info.WordVocab = vocab.Len()
	}
	if c := exp.Embeddings.Char; c != nil {
		alphabet := embed.BuildCharVocab(counts)
		cfg.Char = &CharConfig{Encoder: c.Encoder, Dim: c.Dim, Hidden: c.Hidden, Kernel: c.Kernel, Alphabet: alphabet}
		info.Alphabet = alphabet.Len()
	}
	t, cov, err := New(cfg, vecs, counts, device)
	if err != nil {
		return nil, info, err
	}
	info.Tags, info.Coverage = t.numTags, cov
	return t, info, nil
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
