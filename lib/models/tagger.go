package models

import (
	"errors"
	"fmt"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// BuildTagger creates the untrained tagger of exp for its data: the
// structure of TaggerConfig, fitted to the training (and dev) corpora by
// tagger.Build.
func BuildTagger(exp *config.Experiment, train, dev []*corpus.Corpus, device gotch.Device) (*tagger.Tagger, tagger.BuildInfo, error) {
	cfg, err := TaggerConfig(exp)
	if err != nil {
		return nil, tagger.BuildInfo{}, err
	}
	return tagger.Build(cfg, train, dev, device)
}

// TaggerConfig translates exp's data.tag_scheme, embeddings and model
// sections into a tagger's structure. The encoders are stacked word
// table first, then characters, then the transformer, in the order their
// parameters are initialised. A word table's vectors file, and a
// transformer's config.json and tokenizer, are read here; the
// transformer's weights when the tagger is built.
func TaggerConfig(exp *config.Experiment) (tagger.Config, error) {
	m := exp.Model
	cfg := tagger.Config{
		TagScheme: exp.Data.TagScheme,
		Model: tagger.Layers{UseRNN: m.UseRNN, HiddenSize: m.HiddenSize, RNNLayers: m.RNNLayers, UseCRF: m.UseCRF,
			Constraints: m.Constraints, Dropout: m.Dropout, WordDropout: m.WordDropout, LockedDropout: m.LockedDropout,
			Reproject: m.Reproject, LinearInit: m.LinearInit},
	}
	if w := exp.Embeddings.Word; w != nil {
		word := &embed.WordConfig{Dim: w.Dim, MinCount: w.MinCount, LowercaseFallback: w.LowercaseFallback, Frozen: w.Frozen}
		if w.Vectors != "" {
			vecs, err := wordvec.ReadVectors(w.Vectors, 0)
			if err != nil {
				if at := exp.Where("embeddings.word.vectors"); at != "" {
					return cfg, fmt.Errorf("%s: embeddings.word.vectors: %w", at, err)
				}
				return cfg, err
			}
			word.Vectors, word.VectorsPath = vecs, w.Vectors
		}
		cfg.Embeddings = append(cfg.Embeddings, embed.Spec{Config: word})
	}
	if c := exp.Embeddings.Char; c != nil {
		cfg.Embeddings = append(cfg.Embeddings, embed.Spec{Config: &embed.CharConfig{Encoder: c.Encoder, Dim: c.Dim, Hidden: c.Hidden, Kernel: c.Kernel}})
	}
	if tr := exp.Embeddings.Transformer; tr != nil {
		layers, err := config.ParseLayers(tr.Layers)
		if err != nil {
			return cfg, err // Validate reports it first
		}
		t := &embed.TransformerConfig{Layers: layers, LayerMean: tr.LayerMean, Pooling: tr.Pooling, FineTune: tr.FineTune,
			MaxLength: tr.MaxLength, Stride: tr.Stride}
		if err := t.From(tr.Model); err != nil {
			// An option that does not fit the model (a layer it lacks, a
			// stride too long for its windows) is reported at its own line;
			// anything else (no config.json, no tokenizer), and an option
			// the file does not set (a default, or --set), at the model's.
			// The message names the option either way.
			key := "embeddings.transformer.model"
			if opt := (*embed.OptionError)(nil); errors.As(err, &opt) && exp.Lines["embeddings.transformer."+opt.Option] > 0 {
				key = "embeddings.transformer." + opt.Option
			}
			if at := exp.Where(key); at != "" {
				return cfg, fmt.Errorf("%s: %s: %w", at, key, err)
			}
			return cfg, err
		}
		cfg.Embeddings = append(cfg.Embeddings, embed.Spec{Config: t})
	}
	return cfg, nil
}
