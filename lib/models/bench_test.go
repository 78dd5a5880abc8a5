package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
)

// benchViews writes WNUT-17's training sentences and a context view of
// them whose context is 64 tokens (the words of the sentences that follow,
// standing in for retrieved text of the length the WNUT-17 runs use).
func benchViews(b *testing.B) (plain, view string) {
	src := shareddata.Path(b, "datasets", "wnut17", "train.txt")
	c, err := corpus.ReadFile(src, corpus.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	tagCol, _ := c.TagColumn()
	var pb, vb strings.Builder
	for i, s := range c.Sentences {
		for k, tok := range s.Columns[0] {
			line := tok + "\t" + s.Columns[tagCol][k] + "\n"
			pb.WriteString(line)
			vb.WriteString(line)
		}
		vb.WriteString(corpus.EOS + "\tX\n")
		for n, j := 0, i+1; n < 64; j++ {
			for _, tok := range c.Sentences[j%len(c.Sentences)].Columns[0] {
				if n == 64 {
					break
				}
				vb.WriteString(tok + "\tX\n")
				n++
			}
		}
		pb.WriteString("\n")
		vb.WriteString("\n")
	}
	dir := b.TempDir()
	plain, view = filepath.Join(dir, "train.txt"), filepath.Join(dir, "train-context.txt")
	os.WriteFile(plain, []byte(pb.String()), 0o644)
	os.WriteFile(view, []byte(vb.String()), 0o644)
	return plain, view
}

// BenchmarkTrainStep is one training step (forward, loss, backward, clip,
// SGD update) of flair's WNUT-17 BiLSTM-CRF (without pre-trained vectors)
// on batches of 32 sentences: of the plain view, of the context view with
// its NLL alone, and of the context view with cooperative learning, which
// also runs the plain view of the same sentences. It goes through the
// trainer's seams: the recipe's model and objective, train.Batch.
func BenchmarkTrainStep(b *testing.B) {
	plain, view := benchViews(b)
	for _, c := range []struct {
		name            string
		context, l2, kl bool
	}{{"plain", false, false, false}, {"context", true, false, false}, {"cl-l2", true, true, false},
		{"cl-kl", true, false, true}, {"cl-l2+kl", true, true, true}} {
		b.Run(c.name, func(b *testing.B) {
			exp := config.Default()
			exp.Data.Train = plain
			exp.Data.Context = &config.Data{Train: view, Columns: exp.Data.Columns, TagScheme: exp.Data.TagScheme}
			exp.Train.MultiViewTraining, exp.Train.CalculateL2Loss, exp.Train.DistillPosterior = c.l2 || c.kl, c.l2, c.kl
			exp.Train.Temperature = 0.3
			recipe, err := Recipe(&exp)
			if err != nil {
				b.Fatal(err)
			}
			objective := recipe.Objective
			if objective == nil {
				objective = train.NLL{}
			}
			read := func(path string) *corpus.Corpus {
				c, err := corpus.ReadFile(path, corpus.ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				return c
			}
			plainCorpus, viewCorpus := read(plain), read(view)
			torch.Seed(1)
			model, _, err := recipe.Model.New(&exp, []*corpus.Corpus{plainCorpus, viewCorpus}, nil, gotch.CPU)
			if err != nil {
				b.Fatal(err)
			}
			plainExamples, err := model.Examples(plainCorpus)
			if err != nil {
				b.Fatal(err)
			}
			viewExamples, err := model.Examples(viewCorpus)
			if err != nil {
				b.Fatal(err)
			}
			named := model.Parameters()
			var params []optim.Param
			for name, t := range named {
				params = append(params, optim.Param{Name: name, Tensor: t})
			}
			opt := optim.NewSGD([]optim.Group{{Name: "model", LRScale: 1, Params: params}}, 0, false)
			n := len(plainExamples)
			step := func(i int) {
				start := (i * 32) % (n - 32)
				batch := train.Batch{Views: []string{"plain", "context"},
					Sets: [][]train.Example{plainExamples[start : start+32], viewExamples[start : start+32]}}
				if c.context {
					batch.View = 1
				}
				loss, err := objective.Loss(model, batch)
				if err != nil {
					b.Fatal(err)
				}
				loss.MustBackward()
				loss.MustDrop()
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
		})
	}
}
