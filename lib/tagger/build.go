package tagger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
)

// BuildInfo describes what Build derived from the data.
type BuildInfo struct {
	Tags     int      // real tags
	Encoders []string // what each encoder fitted to the data made ("5000 words"), in stack order
	Notes    []string // remarks on it (the word vectors' coverage)
}

func (b BuildInfo) String() string {
	parts := append([]string{fmt.Sprintf("%d tags", b.Tags)}, b.Encoders...)
	s := strings.Join(parts, ", ")
	for _, n := range b.Notes {
		s += "; " + n
	}
	return s
}

// Build creates an untrained tagger of structure cfg for training data:
// the tag dictionary in cfg.TagScheme from the training (and dev)
// corpora, and the vocabulary of every encoder that has one of its own
// (an embed.Fitter: word table, alphabet) from the training words. The
// encoders' Configs are fitted in place; cfg.Format and cfg.Tags are set
// here.
func Build(cfg Config, train, dev []*corpus.Corpus, device gotch.Device) (*Tagger, BuildInfo, error) {
	var info BuildInfo
	scheme, err := corpus.ParseScheme(cfg.TagScheme)
	if err != nil || (scheme != corpus.BIO && scheme != corpus.BIOES) {
		return nil, info, fmt.Errorf("tag scheme %q; expected bio or bioes", cfg.TagScheme)
	}
	all := append(append([]*corpus.Corpus(nil), train...), dev...)
	tags, err := corpus.TagDictionary(scheme, cfg.Model.UseCRF, all...)
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
	cfg.Format, cfg.TagScheme, cfg.Tags = FormatVersion, strings.ToLower(scheme.String()), tags
	for _, spec := range cfg.Embeddings {
		f, ok := spec.Config.(embed.Fitter)
		if !ok {
			continue
		}
		summary, note, err := f.Fit(counts)
		if err != nil {
			return nil, info, err
		}
		info.Encoders = append(info.Encoders, summary)
		if note != "" {
			info.Notes = append(info.Notes, note)
		}
	}
	t, err := New(cfg, device)
	if err != nil {
		return nil, info, err
	}
	info.Tags = t.numTags
	return t, info, nil
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}
