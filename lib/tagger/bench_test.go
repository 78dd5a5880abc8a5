package tagger

import (
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"
)

// conll03 reads a CoNLL-03 split from the shared datasets, or skips.
func conll03(b *testing.B, split string) *corpus.Corpus {
	path := shareddata.Path(b, "datasets", "conll03", split+".txt")
	cols, _ := corpus.ParseColumns("text,pos,chunk,ner")
	c, err := corpus.ReadFile(path, corpus.ReadOptions{Columns: cols})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// flairModel is the benchmark model: flair's BiLSTM-CRF recipe.
func flairModel(b *testing.B, train *corpus.Corpus) *Tagger {
	torch.Seed(1)
	tg, _, err := Build(flairRecipe(), []*corpus.Corpus{train}, nil, gotch.CPU)
	if err != nil {
		b.Fatal(err)
	}
	return tg
}

// BenchmarkTrainStep is one SGD step (forward, CRF loss, backward, clip,
// update) on consecutive batches of 32 CoNLL-03 training sentences.
func BenchmarkTrainStep(b *testing.B) {
	train := conll03(b, "train")
	tg := flairModel(b, train)
	examples, err := tg.Examples(train)
	if err != nil {
		b.Fatal(err)
	}
	named := tg.Params()
	var params []optim.Param
	for n, p := range named {
		params = append(params, optim.Param{Name: n, Tensor: p})
	}
	opt := optim.NewSGD([]optim.Group{{Name: "all", Params: params, LRScale: 1}}, 0, false)
	step := func(i int) {
		batch := examples[(i*32)%(len(examples)-32):][:32]
		out, err := tg.Forward(batch, true)
		if err != nil {
			b.Fatal(err)
		}
		loss, err := tg.Loss(out, batch)
		if err != nil {
			b.Fatal(err)
		}
		loss.MustBackward()
		loss.MustDrop()
		out.Drop()
		optim.ClipGradNorm(params, 5)
		if err := opt.Step(0.1); err != nil {
			b.Fatal(err)
		}
		opt.ZeroGrad()
	}
	for i := 0; i < 3; i++ {
		step(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i + 3)
	}
}

// BenchmarkTagTest tags the CoNLL-03 test set (batches of 64 sorted by
// length) and reports words per second.
func BenchmarkTagTest(b *testing.B) {
	train := conll03(b, "train")
	test := conll03(b, "test")
	tg := flairModel(b, train)
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
