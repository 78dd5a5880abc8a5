// Package berttest writes tiny random-initialised transformer model
// folders in Hugging Face's layout (config.json, model.safetensors,
// vocab.txt) for tests of the code that loads and fine-tunes them: no
// pretrained weights can be had on nerlab's machines, and a test should
// not need Python to make one.
package berttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
)

// Vocab is a WordPiece vocabulary for tests: the specials, some words,
// continuations and single letters, so that words split into one to
// several pieces and every lower-case word can be spelled.
var Vocab = func() []string {
	v := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "of", "in", "paris", "london", "went", "to", "and", ".", ",",
		"john", "smith", "city", "river", "##s", "##ing", "##ed", "##er", "run", "walk", "talk"}
	for c := 'a'; c <= 'z'; c++ {
		v = append(v, string(c), "##"+string(c))
	}
	for c := '0'; c <= '9'; c++ {
		v = append(v, string(c), "##"+string(c))
	}
	return v
}()

// Config is the tiny model's shape: 3 layers of 16 with 4 heads, inputs
// of up to 64 pieces, dropout 0.1, Vocab's size plus three unused ids.
func Config(modelType string) embed.BertConfig {
	c := embed.BertConfig{ModelType: modelType, VocabSize: int64(len(Vocab)) + 3, HiddenSize: 16, NumHiddenLayers: 3,
		NumAttentionHeads: 4, IntermediateSize: 24, HiddenAct: "gelu", HiddenDropoutProb: 0.1, AttentionDropoutProb: 0.1,
		MaxPositionEmbeddings: 64, TypeVocabSize: 2, LayerNormEps: 1e-12}
	if modelType != "bert" {
		c.PadTokenID, c.MaxPositionEmbeddings, c.TypeVocabSize = 0, 66, 1
	}
	return c
}

// Write makes dir a model folder of Config(modelType) whose weights are
// drawn from N(0, 0.5²) after torch.Seed(seed), with Vocab as vocab.txt.
func Write(dir, modelType string, seed int64) (embed.BertConfig, error) {
	c := Config(modelType)
	torch.Seed(seed)
	b := embed.NewBert(c, gotch.CPU)
	tensors := map[string]*ts.Tensor{}
	torch.NoGrad(func() {
		for name, v := range b.Variables() {
			r := ts.MustRandn(v.MustSize(), gotch.Float, gotch.CPU).MustMulScalar(ts.FloatScalar(0.5), true)
			v.Copy_(r)
			r.MustDrop()
			tensors[name] = v
		}
	})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, err
	}
	if err := torch.WriteSafetensors(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
		return c, err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return c, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		return c, err
	}
	return c, os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(Vocab, "\n")+"\n"), 0o644)
}
