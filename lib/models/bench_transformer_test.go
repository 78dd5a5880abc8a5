package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/tokenize"
	"github.com/nerlab/nerlab/lib/torch"
)

// benchEncoder writes a random-initialised BERT of the small shape
// (4 layers of 256, 4 heads, feed-forward 1024) with a cased 8,000-piece
// WordPiece vocabulary trained on the training sentences, as
// `nerlab pretrain` would start one.
func benchEncoder(b *testing.B, train *corpus.Corpus) string {
	dir := filepath.Join(b.TempDir(), "encoder")
	trainer := tokenize.NewWordPieceTrainer(tokenize.WordPieceTrainerOptions{VocabSize: 8000})
	for _, s := range train.Sentences {
		trainer.Add(strings.Join(s.Columns[0], " "))
	}
	vocab, err := trainer.Vocab()
	if err != nil {
		b.Fatal(err)
	}
	if err := tokenize.WriteWordPiece(dir, vocab, false, 0); err != nil {
		b.Fatal(err)
	}
	c := embed.BertConfig{ModelType: "bert", VocabSize: int64(len(vocab)), HiddenSize: 256, NumHiddenLayers: 4,
		NumAttentionHeads: 4, IntermediateSize: 1024, HiddenAct: "gelu", HiddenDropoutProb: 0.1, AttentionDropoutProb: 0.1,
		MaxPositionEmbeddings: 512, TypeVocabSize: 2, LayerNormEps: 1e-12}
	torch.Seed(1)
	enc := embed.NewBert(c, gotch.CPU)
	tensors := map[string]*ts.Tensor{}
	torch.NoGrad(func() {
		for name, v := range enc.Variables() {
			if strings.HasPrefix(name, "embeddings.") && strings.HasSuffix(name, "_embeddings.weight") {
				r := ts.MustRandn(v.MustSize(), gotch.Float, gotch.CPU).MustMulScalar(ts.FloatScalar(0.02), true)
				v.Copy_(r)
				r.MustDrop()
			}
			tensors[name] = v
		}
	})
	if err := torch.WriteSafetensors(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
		b.Fatal(err)
	}
	data, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkTagTransformer tags the CoNLL-03 test set with a tagger of a
// 4-layer/256 transformer (linear + CRF over the last layer, first-piece
// pooling), batches of 64 sorted by length, and reports words per second:
// the figure to set beside lib/tagger's BenchmarkTagTest (the BiLSTM-CRF),
// run in the same command:
//
//	go test -run '^$' -bench 'Tag(Test|Transformer)' ./lib/tagger ./lib/models
func BenchmarkTagTransformer(b *testing.B) {
	cols, _ := corpus.ParseColumns("text,pos,chunk,ner")
	read := func(split string) *corpus.Corpus {
		c, err := corpus.ReadFile(shareddata.Path(b, "datasets", "conll03", split+".txt"), corpus.ReadOptions{Columns: cols})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	train, test := read("train"), read("test")
	exp := config.Default()
	exp.Embeddings.Word, exp.Embeddings.Char = nil, nil
	exp.Embeddings.Transformer = config.DefaultTransformer()
	exp.Embeddings.Transformer.Model = benchEncoder(b, train)
	exp.Model.UseRNN = false
	torch.Seed(1)
	tg, _, err := BuildTagger(&exp, []*corpus.Corpus{train}, nil, gotch.CPU)
	if err != nil {
		b.Fatal(err)
	}
	examples, err := tg.Examples(test)
	if err != nil {
		b.Fatal(err)
	}
	words := 0
	for _, e := range examples {
		words += len(e.Tokens)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tg.Predict(examples, 64, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(words*b.N)/b.Elapsed().Seconds(), "words/s")
}
