package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/shareddata"
	"github.com/nerlab/nerlab/lib/torch"
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
// also runs the plain view of the same sentences.
func BenchmarkTrainStep(b *testing.B) {
	plain, view := benchViews(b)
	for _, c := range []struct {
		name            string
		context, l2, kl bool
	}{{"plain", false, false, false}, {"context", true, false, false}, {"cl-l2", true, true, false},
		{"cl-kl", true, false, true}, {"cl-l2+kl", true, true, true}} {
		b.Run(c.name, func(b *testing.B) {
			exp := tinyExperiment(b, 1)
			exp.Embeddings.Word.Dim, exp.Embeddings.Char.Dim, exp.Embeddings.Char.Hidden = 100, 25, 25
			exp.Model.HiddenSize = 256
			exp.Data.Train, exp.Data.Dev, exp.Data.Test = plain, "", ""
			exp.Data.Context = &config.Data{Train: view, Columns: exp.Data.Columns, TagScheme: exp.Data.TagScheme}
			exp.Train.MultiViewTraining, exp.Train.CalculateL2Loss, exp.Train.DistillPosterior = c.l2 || c.kl, c.l2, c.kl
			exp.Train.Temperature, exp.Train.Threads = 0.3, 0
			tr, data, device, err := newTrainer(exp, Options{}, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer tr.log.Close()
			torch.Seed(1)
			tg, _, err := models.BuildTagger(exp, append(data.train, data.trainCtx...), nil, device)
			if err != nil {
				b.Fatal(err)
			}
			tr.tg = tg
			if err := tr.prepare(data); err != nil {
				b.Fatal(err)
			}
			n := len(tr.data.train)
			step := func(i int) {
				start := (i * 32) % (n - 32)
				ids := make([]int, 32)
				for k := range ids {
					ids[k] = start + k
					if c.context {
						ids[k] += n
					}
				}
				if _, err := tr.backward(ids, 1); err != nil {
					b.Fatal(err)
				}
				optim.ClipGradNorm(tr.params, 5)
				if err := tr.opt.Step(0.1); err != nil {
					b.Fatal(err)
				}
				tr.opt.ZeroGrad()
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
