package crf

import (
	"math/rand/v2"
	"testing"

	"github.com/nerlab/nerlab/lib/torch"
)

// benchProblem is a CoNLL-03-sized batch: 32 sentences up to 40 tokens,
// 17 BIOES tags.
func benchProblem() *problem {
	rng := rand.New(rand.NewPCG(1, 1))
	lengths := make([]int, 32)
	for i := range lengths {
		lengths[i] = 5 + rng.IntN(36)
	}
	return randomProblem(rng, 17, 40, lengths, 2)
}

func BenchmarkNLLForwardBackward(b *testing.B) {
	p := benchProblem()
	c, e := p.model(&testing.T{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loss, err := c.NLL(e, p.gold)
		if err != nil {
			b.Fatal(err)
		}
		loss.MustBackward()
		loss.MustDrop()
	}
}

func BenchmarkDecode(b *testing.B) {
	p := benchProblem()
	c, e := p.model(&testing.T{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		torch.NoGrad(func() {
			if _, err := c.Decode(e, p.lengths); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func BenchmarkLogPotentialsForwardBackward(b *testing.B) {
	p := benchProblem()
	c, e := p.model(&testing.T{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pot, err := c.LogPotentials(e, p.lengths)
		if err != nil {
			b.Fatal(err)
		}
		s := pot.MustSum(pot.DType(), true)
		s.MustBackward()
		s.MustDrop()
	}
}
