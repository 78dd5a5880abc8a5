package pretrain

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/tokenize"
)

// testTokenizer is a WordPiece vocabulary for hand-written texts.
func testTokenizer(t *testing.T) tokenize.Tokenizer {
	t.Helper()
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "river", "flow", "##s", "##ing", "a", "stream", ".", "sea"}
	dir := t.TempDir()
	if err := tokenize.WriteWordPiece(dir, vocab, true, 64); err != nil {
		t.Fatal(err)
	}
	tok, err := LoadTokenizer(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestReadCorpus: documents in order, each followed by [SEP], every n-th
// held out, ## pieces marked as continuations; packed sequences are
// [CLS] pieces [SEP], the last one padded.
func TestReadCorpus(t *testing.T) {
	tok := testTokenizer(t)
	path := filepath.Join(t.TempDir(), "k.txt")
	// Plain text: one document a line.
	os.WriteFile(path, []byte("the river flows.\na stream\nthe sea\nflowing rivers\n"), 0o644)
	c, err := ReadCorpus(context.Background(), []string{path}, "", tok, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := func(p string) int32 { i, _ := tok.ID(p); return int32(i) }
	want := []int32{id("the"), id("river"), id("flow"), id("##s"), id("."), 3, id("a"), id("stream"), 3, id("flow"), id("##ing"), id("river"), id("##s"), 3}
	if !slices.Equal(c.Train.IDs, want) || c.Documents != 3 || c.Held != 1 || c.Articles != 4 {
		t.Errorf("train %v (%d docs, %d held out of %d); want %v", c.Train.IDs, c.Documents, c.Held, c.Articles, want)
	}
	if !slices.Equal(c.HeldOut.IDs, []int32{id("the"), id("sea"), 3}) {
		t.Errorf("held out %v", c.HeldOut.IDs)
	}
	if got := c.Train.Cont[:5]; !slices.Equal(got, []bool{false, false, false, true, false}) {
		t.Errorf("continuations %v; want flow ##s marked", got)
	}
	// 14 pieces in sequences of 8 (6 pieces each): 3 sequences.
	if n := c.Train.Sequences(8); n != 3 {
		t.Errorf("%d sequences", n)
	}
	m := Masking{Prob: 0.01, Specials: tok.Specials(), Vocab: tok.VocabSize()}
	b := m.batch(&c.Train, []int{2, 0}, 8, rand.New(rand.NewPCG(1, 1)))
	if b.Input[0] != 2 || b.Input[1] != int64(id("##s")) && b.Input[1] != 4 || b.Input[2] != 3 || b.Input[3] != 3 || b.Input[4] != 0 {
		t.Errorf("last sequence %v; want [CLS] ##s [SEP] [SEP] and padding", b.Input[:8])
	}
	if !slices.Equal(b.Attention[:8], []int64{1, 1, 1, 1, 0, 0, 0, 0}) || b.Tokens != 4+8 {
		t.Errorf("attention %v, %d tokens", b.Attention[:8], b.Tokens)
	}
	if len(b.Positions) == 0 {
		t.Error("a batch with nothing to predict")
	}
	if _, err := ReadCorpus(context.Background(), []string{filepath.Join(t.TempDir(), "none.txt")}, "", tok, 0, nil); err == nil {
		t.Error("a missing corpus file was read")
	}
}

// TestMasking: 15% of the ordinary pieces are chosen, of them 80% become
// [MASK], 10% another piece, 10% stay; special tokens are never chosen;
// with whole-word masking a word's pieces are chosen together; the same
// random stream gives the same batch.
func TestMasking(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var s Stream
	for i := 0; i < 200000; i++ {
		cont := i%3 != 0 // words of three pieces
		s.IDs = append(s.IDs, int32(5+rng.IntN(95)))
		s.Cont = append(s.Cont, cont)
		if i%50 == 49 {
			s.IDs = append(s.IDs, 3)
			s.Cont = append(s.Cont, false)
		}
	}
	sp := tokenize.Specials{PAD: 0, UNK: 1, CLS: 2, SEP: 3, MASK: 4}
	for _, whole := range []bool{false, true} {
		m := Masking{Prob: 0.15, WholeWord: whole, Specials: sp, Vocab: 100}
		seqs := make([]int, s.Sequences(128))
		for i := range seqs {
			seqs[i] = i
		}
		orig := m.batch(&s, seqs, 128, rand.New(rand.NewPCG(9, 9)))
		b := m.batch(&s, seqs, 128, rand.New(rand.NewPCG(9, 9)))
		if !reflect.DeepEqual(orig, b) {
			t.Fatal("the same random stream gave another batch")
		}
		ordinary, masked, random, kept := 0, 0, 0, 0
		for p, id := range b.Input {
			if b.Attention[p] == 1 && id != 2 && id != 3 {
				ordinary++
			}
		}
		for i, p := range b.Positions {
			switch in := b.Input[p]; {
			case in == 4:
				masked++
			case in == b.Targets[i]:
				kept++
			default:
				random++
			}
			if b.Targets[i] < 5 {
				t.Fatalf("special token %d chosen at %d", b.Targets[i], p)
			}
		}
		n := float64(len(b.Positions))
		if f := n / float64(ordinary); math.Abs(f-0.15) > 0.005 {
			t.Errorf("whole word %v: %.4f of the pieces chosen; want 0.15", whole, f)
		}
		// A random piece may be the original one (1 in 95): counted as kept.
		if fm, fr, fk := float64(masked)/n, float64(random)/n, float64(kept)/n; math.Abs(fm-0.8) > 0.01 || math.Abs(fr-0.1) > 0.01 || math.Abs(fk-0.1) > 0.01 {
			t.Errorf("whole word %v: [MASK] %.3f, random %.3f, kept %.3f; want 0.8, 0.1, 0.1", whole, fm, fr, fk)
		}
		if whole {
			// Rebuild the pieces' continuation marks from the stream, then
			// check that a chosen word is chosen whole.
			chosen := map[int64]bool{}
			for _, p := range b.Positions {
				chosen[p] = true
			}
			broken := 0
			for r := 0; r < b.B; r++ {
				ids, cont := s.sequence(r, 128)
				for t, c := range cont {
					p := int64(r*b.T + 1 + t)
					if c && t > 0 && ids[t-1] != 3 && chosen[p] != chosen[p-1] {
						broken++
					}
				}
			}
			if broken > 0 {
				t.Errorf("%d words partly chosen", broken)
			}
		}
	}
}

func TestConfig(t *testing.T) {
	c, err := ParseConfig([]byte("corpus: [a.jsonl]\nmodel:\n  layers: 3\ntrain:\n  clip: 0\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Layers != 3 || c.Model.Hidden != Defaults().Model.Hidden || c.Train.Clip != 0 || c.Corpus[0] != "a.jsonl" {
		t.Errorf("parsed %+v", c)
	}
	if _, err := ParseConfig([]byte("corpus: [a]\ntrain:\n  stepz: 3\n"), "p.yaml"); err == nil || !strings.Contains(err.Error(), "p.yaml") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("an unknown key: %v", err)
	}
	for _, set := range []string{"train.steps=50", "train.warmup=10", "train.whole_word=true", "train.lr=0.001", "corpus=x.txt,y.txt", "model.activation=relu"} {
		if err := c.Set(set); err != nil {
			t.Error(err)
		}
	}
	if c.Train.Steps != 50 || !c.Train.WholeWord || c.Train.LR != 0.001 || !slices.Equal(c.Corpus, []string{"x.txt", "y.txt"}) || c.Model.Activation != "relu" {
		t.Errorf("after --set: %+v", c)
	}
	for _, bad := range []string{"train.nope=1", "train=3", "train.steps=many", "steps"} {
		if err := c.Set(bad); err == nil {
			t.Errorf("--set %s was accepted", bad)
		}
	}
	c.Model.Heads = 5
	if c.Train.Steps != 50 {
		t.Errorf("a refused --set changed train.steps to %d", c.Train.Steps)
	}
	if err := c.Check(); err == nil || !strings.Contains(err.Error(), "multiple") {
		t.Errorf("hidden 128 with 5 heads: %v", err)
	}
}
