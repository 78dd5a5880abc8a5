package pretrain

import (
	"math/rand/v2"

	"github.com/nerlab/nerlab/lib/tokenize"
)

// Batch is a batch of packed sequences with its masking, ready for the
// model: Input [B·T] (row-major), the attention mask, the positions
// (b·T + t) whose original tokens are to be predicted, and those tokens.
type Batch struct {
	B, T      int
	Input     []int64
	Attention []int64
	Positions []int64
	Targets   []int64
	Tokens    int // non-padding tokens
}

// Masking is BERT's dynamic masking (Devlin et al. 2019, §3.1; RoBERTa's
// dynamic variant: drawn anew each time a sequence is seen): each piece
// (with WholeWord, each word: all its pieces together, as BERT's
// whole-word-masking models) is chosen with probability Prob; a chosen
// piece becomes [MASK] 80% of the time, a random piece 10%, and stays as
// it is 10%. Special tokens are never chosen.
type Masking struct {
	Prob      float64
	WholeWord bool
	Specials  tokenize.Specials
	Vocab     int
}

// special reports whether id is one of the tokenizer's special tokens.
func (m Masking) special(id int64) bool {
	s := m.Specials
	for _, x := range []int{s.CLS, s.SEP, s.PAD, s.UNK, s.MASK} {
		if x >= 0 && int64(x) == id {
			return true
		}
	}
	return false
}

// batch packs the given sequences of s (numbers in order) into a batch
// of width seqLen and masks it with rng.
func (m Masking) batch(s *Stream, seqs []int, seqLen int, rng *rand.Rand) *Batch {
	b := &Batch{B: len(seqs), T: seqLen}
	b.Input = make([]int64, b.B*b.T)
	b.Attention = make([]int64, b.B*b.T)
	cont := make([]bool, b.B*b.T)
	for r, i := range seqs {
		ids, c := s.sequence(i, seqLen)
		row := b.Input[r*b.T : (r+1)*b.T]
		for t := range row {
			row[t] = int64(m.Specials.PAD)
		}
		row[0] = int64(m.Specials.CLS)
		for t, id := range ids {
			row[1+t] = int64(id)
			cont[r*b.T+1+t] = c[t]
		}
		row[1+len(ids)] = int64(m.Specials.SEP)
		n := len(ids) + 2
		for t := 0; t < n; t++ {
			b.Attention[r*b.T+t] = 1
		}
		b.Tokens += n
	}
	m.mask(b, cont, rng)
	return b
}

// mask chooses the positions to predict and replaces their input.
func (m Masking) mask(b *Batch, cont []bool, rng *rand.Rand) {
	chosen := false
	for p, id := range b.Input {
		if m.special(id) || b.Attention[p] == 0 {
			continue
		}
		// A word's later pieces follow its first piece's lot; a word cut
		// by the start of a sequence or by a special token draws anew.
		// (The piece before may be chosen and now [MASK].)
		n := len(b.Positions)
		prevChosen := n > 0 && b.Positions[n-1] == int64(p-1)
		if !m.WholeWord || !cont[p] || !prevChosen && m.special(b.Input[p-1]) {
			chosen = rng.Float64() < m.Prob
		}
		if chosen {
			m.replace(b, p, rng)
		}
	}
	if len(b.Positions) == 0 {
		// A batch with nothing to predict has no loss; predict its first
		// ordinary piece (there is one: every sequence holds text).
		for p, id := range b.Input {
			if !m.special(id) && b.Attention[p] == 1 {
				m.replace(b, p, rng)
				break
			}
		}
	}
}

// replace makes position p one to predict: 80% [MASK], 10% a random
// ordinary piece, 10% unchanged.
func (m Masking) replace(b *Batch, p int, rng *rand.Rand) {
	id := b.Input[p]
	b.Positions = append(b.Positions, int64(p))
	b.Targets = append(b.Targets, id)
	switch u := rng.Float64(); {
	case u < 0.8:
		b.Input[p] = int64(m.Specials.MASK)
	case u < 0.9:
		for {
			r := int64(rng.IntN(m.Vocab))
			if !m.special(r) {
				b.Input[p] = r
				break
			}
		}
	}
}

// streamRNG is a random stream for one purpose (a step's masking, an
// epoch's order) derived from the run's seed, so that any step can be
// redrawn without replaying the ones before it: this is what makes a
// resumed run exact.
func streamRNG(seed int64, purpose uint64, n int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^purpose*0x9E3779B97F4A7C15, uint64(n)))
}

// The purposes of the random streams.
const (
	purposeOrder uint64 = 1 + iota
	purposeMask
	purposeHeldOut
	purposeDropout
)

// stepSeed is the libtorch seed of step n (dropout masks).
func stepSeed(seed int64, n int) int64 {
	return int64(streamRNG(seed, purposeDropout, n).Uint64() >> 1)
}

// order is the order in which epoch e visits the n training sequences.
func order(seed int64, e, n int) []int {
	return streamRNG(seed, purposeOrder, e).Perm(n)
}
