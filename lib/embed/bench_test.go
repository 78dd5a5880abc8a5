package embed

import (
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/corpus"
)

// benchLengths are 32 sentence lengths between 6 and 40 (the longest 40),
// spread like a CoNLL-03 batch; testdata/bench_reference.py uses the same.
func benchLengths() []int {
	lengths := make([]int, 32)
	for i := range lengths {
		lengths[i] = 6 + (i*37)%35
	}
	lengths[0] = 40
	return lengths
}

func tokensIn(lengths []int) int {
	n := 0
	for _, l := range lengths {
		n += l
	}
	return n
}

// BenchmarkBiLSTMForwardBackward: one training step of the tagger's BiLSTM
// on [32, 40, 150] with 256 hidden units per direction (forward, sum,
// backward), the shape FACTS.md's PyTorch comparison uses.
func BenchmarkBiLSTMForwardBackward(b *testing.B) {
	vs := newStore(1)
	l := NewBiLSTM(vs.Root(), 150, 256, 1)
	lengths := benchLengths()
	x := randn(32, 40, 150)
	defer x.MustDrop()
	b.ResetTimer()
	for range b.N {
		out, final := l.Forward(x, lengths, true)
		loss := out.MustSum(gotch.Float, true)
		loss.MustBackward()
		loss.MustDrop()
		final.MustDrop()
		// Gradients accumulate across iterations, which costs what
		// resetting them would; gotch's ZeroGrad leaks a handle per call.
	}
	b.ReportMetric(float64(tokensIn(lengths)*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// conll03Batch returns the first 32 sentences of CoNLL-03 train and the
// word counts of the whole file.
func conll03Batch(b testing.TB) ([][]string, map[string]int) {
	b.Helper()
	c, err := corpus.ReadFile(filepath.Join(sharedDir(b, "datasets"), "conll03", "train.txt"), corpus.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	counts := map[string]int{}
	var batch [][]string
	for _, s := range c.Sentences {
		words := s.Columns[0]
		for _, w := range words {
			counts[w]++
		}
		if len(batch) < 32 {
			batch = append(batch, words)
		}
	}
	return batch, counts
}

func benchmarkChar(b *testing.B, encoder string, charDim, hidden, kernel int) {
	batch, counts := conll03Batch(b)
	vs := newStore(1)
	c, err := NewChar(vs.Root(), BuildCharVocab(counts), encoder, charDim, hidden, kernel)
	if err != nil {
		b.Fatal(err)
	}
	tokens := 0
	for _, s := range batch {
		tokens += len(s)
	}
	b.ResetTimer()
	for range b.N {
		out := c.Forward(batch, true)
		loss := out.MustSum(gotch.Float, true)
		loss.MustBackward()
		loss.MustDrop()
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkCharLSTM: flair's char encoder (25-d characters, 25 hidden per
// direction) on the first 32 sentences of CoNLL-03 train, forward and
// backward.
func BenchmarkCharLSTM(b *testing.B) { benchmarkChar(b, CharLSTM, 25, 25, 0) }

// BenchmarkCharCNN: Ma & Hovy's char CNN (30-d characters, 30 filters of
// width 3) on the same batch.
func BenchmarkCharCNN(b *testing.B) { benchmarkChar(b, CharCNN, 30, 30, 3) }

// BenchmarkWordForward: looking up the CoNLL-03 batch in a 100-d table.
func BenchmarkWordForward(b *testing.B) {
	batch, counts := conll03Batch(b)
	vs := newStore(1)
	w, _, err := NewWord(vs.Root(), BuildWordVocab(counts, 1, nil), 100, nil, counts, true, false)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		out := w.Forward(batch, true)
		out.MustDrop()
	}
}
