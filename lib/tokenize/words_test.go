package tokenize

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// pbAppend helpers write protocol buffer fields, for the hand-made
// SentencePiece models of the tests.
func pbVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func pbBytes(b []byte, num int, data []byte) []byte {
	b = pbVarint(b, uint64(num)<<3|2)
	b = pbVarint(b, uint64(len(data)))
	return append(b, data...)
}

func pbUint(b []byte, num int, v uint64) []byte {
	return pbVarint(pbVarint(b, uint64(num)<<3), v)
}

func pbFloat(b []byte, num int, f float32) []byte {
	b = pbVarint(b, uint64(num)<<3|5)
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
}

// tinySPModel writes a SentencePiece model of the given pieces (type
// NORMAL unless named <unk>, <s>, </s> or <0x..>), with no normalisation
// rules (identity) and SentencePiece's whitespace handling.
func tinySPModel(modelType int, byteFallback bool, pieces ...string) []byte {
	var m []byte
	for i, p := range pieces {
		typ := spNormal
		switch {
		case p == "<unk>":
			typ = spUnknown
		case p == "<s>" || p == "</s>":
			typ = spControl
		case strings.HasPrefix(p, "<0x"):
			typ = spByte
		}
		var sp []byte
		sp = pbBytes(sp, 1, []byte(p))
		sp = pbFloat(sp, 2, -float32(i))
		sp = pbUint(sp, 3, uint64(typ))
		m = pbBytes(m, 1, sp)
	}
	var ts []byte
	ts = pbUint(ts, 3, uint64(modelType))
	if byteFallback {
		ts = pbUint(ts, 35, 1)
	}
	m = pbBytes(m, 2, ts)
	var ns []byte
	ns = pbBytes(ns, 1, []byte("identity"))
	m = pbBytes(m, 3, ns)
	return m
}

// checkWords checks what Words promises: wordOf non-decreasing, every
// word with a piece, every piece within its word's bytes or the space
// before it.
func checkWords(t *testing.T, words []string, toks []Token, wordOf []int) {
	t.Helper()
	starts := make([]int, len(words))
	at := 0
	for i, w := range words {
		starts[i] = at
		at += len(w) + 1
	}
	seen := make([]bool, len(words))
	for i, tk := range toks {
		w := wordOf[i]
		if i > 0 && w < wordOf[i-1] {
			t.Errorf("wordOf decreases at %d: %v", i, wordOf)
		}
		seen[w] = true
		lo, hi := starts[w], starts[w]+len(words[w])
		if w > 0 {
			lo-- // the space before the word
		}
		if tk.Start < lo || tk.End > hi {
			t.Errorf("piece %d %q [%d,%d] is outside word %d %q [%d,%d]", i, tk.Piece, tk.Start, tk.End, w, words[w], lo, hi)
		}
	}
	for w, ok := range seen {
		if !ok {
			t.Errorf("word %d %q has no piece", w, words[w])
		}
	}
}

func TestWords(t *testing.T) {
	wp := NewWordPiece([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "東", "京", "##s", ","}, true)
	words := []string{"Hello", "\u200b", "worlds", "東京", ",", "\u00ad", "hello"}
	toks, wordOf := Words(wp, words)
	checkWords(t, words, toks, wordOf)
	want := []struct {
		piece string
		word  int
	}{{"hello", 0}, {"[UNK]", 1}, {"world", 2}, {"##s", 2}, {"東", 3}, {"京", 3}, {",", 4}, {"[UNK]", 5}, {"hello", 6}}
	if len(toks) != len(want) {
		t.Fatalf("Words(%q) = %v %v", words, toks, wordOf)
	}
	for i, w := range want {
		if toks[i].Piece != w.piece || wordOf[i] != w.word {
			t.Errorf("piece %d: %q of word %d, want %q of word %d", i, toks[i].Piece, wordOf[i], w.piece, w.word)
		}
	}
	// A word the normaliser removes gets the unknown token over its own
	// bytes.
	if u := toks[1]; u.Start != 6 || u.End != 9 {
		t.Errorf("the removed word's [UNK] covers [%d,%d], want [6,9]", u.Start, u.End)
	}

	// SentencePiece: "▁" alone (the space before a word whose first
	// piece has none) belongs to the word after it.
	sp, err := NewSentencePiece(tinySPModel(spUnigram, false, "<unk>", "<s>", "</s>", "▁", "a", "b", "▁a"), false)
	if err != nil {
		t.Fatal(err)
	}
	words = []string{"a", "b", "ab"}
	toks, wordOf = Words(sp, words)
	checkWords(t, words, toks, wordOf)
	var got []string
	for i, tk := range toks {
		got = append(got, tk.Piece+"/"+string(rune('0'+wordOf[i])))
	}
	if strings.Join(got, " ") != "▁a/0 ▁/1 b/1 ▁a/2 b/2" {
		t.Errorf("SentencePiece Words = %v", got)
	}
}

func TestWordsEmpty(t *testing.T) {
	wp := NewWordPiece([]string{"[UNK]", "a"}, true)
	if toks, wordOf := Words(wp, nil); len(toks) != 0 || len(wordOf) != 0 {
		t.Errorf("no words: %v %v", toks, wordOf)
	}
}

// TestWordsOnCorpus: Words keeps its promises on real sentences (their
// words as the datasets split them) with a tokenizer of each kind.
func TestWordsOnCorpus(t *testing.T) {
	texts := agreementCorpus(t)
	for _, tok := range fuzzTokenizers(t) {
		for _, text := range texts[:len(texts):len(texts)] {
			words := strings.Fields(text)
			toks, wordOf := Words(tok, words)
			checkWords(t, words, toks, wordOf)
			checkEncoding(t, tok, strings.Join(words, " "), toks)
			if t.Failed() {
				t.Fatalf("%s on %q", Describe(tok), text)
			}
		}
	}
}
