package tokenize

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// naiveWordPiece is the merge procedure written as plainly as possible:
// every round recounts every pair of every word. TrainWordPiece's
// incremental counts must give the same vocabulary.
func naiveWordPiece(counts map[string]int, size, minFreq int) []string {
	type word struct {
		syms []string
		n    int
	}
	var alphabet []string
	seen := map[string]bool{}
	var words []word
	for w, n := range counts {
		var syms []string
		for i, r := range w {
			c := string(r)
			if !seen[c] {
				seen[c] = true
				alphabet = append(alphabet, c)
			}
			if i > 0 {
				c = "##" + c
			}
			syms = append(syms, c)
		}
		words = append(words, word{syms, n})
	}
	slices.Sort(alphabet)
	vocab := slices.Clone(wordPieceSpecials)
	vocab = append(vocab, alphabet...)
	var inner []string
	for w := range counts {
		for i, r := range w {
			if c := "##" + string(r); i > 0 && !slices.Contains(inner, c) {
				inner = append(inner, c)
			}
		}
	}
	slices.Sort(inner)
	vocab = append(vocab, inner...)
	for len(vocab) < size {
		pairs := map[[2]string]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				pairs[[2]string{w.syms[i], w.syms[i+1]}] += w.n
			}
		}
		var best [2]string
		bestN := 0
		for p, n := range pairs {
			if n > bestN || n == bestN && p[0]+"\x00"+p[1] < best[0]+"\x00"+best[1] {
				best, bestN = p, n
			}
		}
		if bestN < minFreq {
			break
		}
		merged := best[0] + strings.TrimPrefix(best[1], "##")
		if !slices.Contains(vocab, merged) {
			vocab = append(vocab, merged)
		}
		for wi := range words {
			var out []string
			s := words[wi].syms
			for i := 0; i < len(s); i++ {
				if i+1 < len(s) && s[i] == best[0] && s[i+1] == best[1] {
					out = append(out, merged)
					i++
					continue
				}
				out = append(out, s[i])
			}
			words[wi].syms = out
		}
	}
	return vocab
}

// TestWordPieceMatchesNaiveMerging: on random corpora over a small
// alphabet (many ties, repeated letters such as "aaaa", pairs that spell
// the same symbol), the trainer's vocabulary equals the naive procedure's,
// entry for entry.
func TestWordPieceMatchesNaiveMerging(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 40; trial++ {
		var text strings.Builder
		for w := 0; w < 200; w++ {
			n := 1 + rng.IntN(7)
			for i := 0; i < n; i++ {
				text.WriteByte("aabbcd"[rng.IntN(6)])
			}
			text.WriteByte(' ')
		}
		tr := NewWordPieceTrainer(WordPieceTrainerOptions{VocabSize: 60 + rng.IntN(60)})
		tr.Add(text.String())
		got, err := tr.Vocab()
		if err != nil {
			t.Fatal(err)
		}
		want := naiveWordPiece(tr.counts, tr.opt.VocabSize, 2)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: vocabulary\n%q\nnaive merging gives\n%q", trial, got, want)
		}
	}
}

// TestWordPieceVocab: specials first, BERT's pre-tokenization (punctuation
// and CJK split off, control characters dropped), frequent words whole,
// the size honoured, and the order of texts irrelevant.
func TestWordPieceVocab(t *testing.T) {
	texts := []string{
		"The river flows. The river floods, the rivers flow!",
		"Rivers and streams: the flow of water\u0007 東京 river",
		"A stream, a river; the flood.",
	}
	train := func(texts []string, size int, lower bool) []string {
		tr := NewWordPieceTrainer(WordPieceTrainerOptions{VocabSize: size, Lowercase: lower})
		for _, s := range texts {
			tr.Add(s)
		}
		v, err := tr.Vocab()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := train(texts, 80, false)
	if !slices.Equal(v[:5], []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
		t.Errorf("first entries %q", v[:5])
	}
	if len(v) > 80 {
		t.Errorf("%d entries; asked for 80", len(v))
	}
	for _, want := range []string{"river", "the", "東", "京", ",", "T"} {
		if !slices.Contains(v, want) {
			t.Errorf("no %q in %q", want, v)
		}
	}
	for _, bad := range []string{"\u0007", "river.", "##.", "東京", "##京"} {
		if slices.Contains(v, bad) {
			t.Errorf("%q in the vocabulary", bad)
		}
	}
	rev := slices.Clone(texts)
	slices.Reverse(rev)
	if w := train(rev, 80, false); !slices.Equal(v, w) {
		t.Errorf("the order of the texts changed the vocabulary:\n%q\n%q", v, w)
	}
	lower := train([]string{"Café CAFÉ café"}, 40, true)
	if !slices.Contains(lower, "cafe") || slices.Contains(lower, "C") || slices.Contains(lower, "##é") {
		t.Errorf("uncased vocabulary %q; want cafe, no capitals, no accents", lower)
	}
	tr := NewWordPieceTrainer(WordPieceTrainerOptions{VocabSize: 8})
	tr.Add("abcdef")
	if _, err := tr.Vocab(); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("a vocabulary too small for the alphabet: %v", err)
	}
}

func TestWriteWordPiece(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tok")
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##b"}
	if err := WriteWordPiece(dir, vocab, true, 128); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"); !slices.Equal(got, vocab) {
		t.Errorf("vocab.txt %q", got)
	}
	var cfg map[string]any
	data, _ = os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["do_lower_case"] != true || cfg["tokenizer_class"] != "BertTokenizer" || cfg["model_max_length"] != 128.0 {
		t.Errorf("tokenizer_config.json %v", cfg)
	}
	w, err := ReadWordPiece(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sp := w.Specials(); sp != (Specials{CLS: 2, SEP: 3, PAD: 0, UNK: 1, MASK: 4}) {
		t.Errorf("specials read back: %+v", sp)
	}
	if toks := w.Encode("AB"); len(toks) != 2 || toks[0].Piece != "a" || toks[1].Piece != "##b" {
		t.Errorf("AB read back as %+v; want a ##b (uncased)", toks)
	}
	if err := WriteWordPiece(dir, []string{"a\nb"}, false, 8); err == nil {
		t.Error("an entry with a newline was written")
	}
}
