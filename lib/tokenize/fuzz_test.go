package tokenize

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// checkEncoding fails unless toks are pieces of text as the interface
// promises: ids in the vocabulary and spelled as it spells them, offsets
// within the text on character boundaries, the pieces that cover
// something in order (a piece may share
// one character with the piece before it, or all of it: the bytes of a
// character split between byte pieces, characters a normaliser made of
// one, a run of spaces SentencePiece made one "▁" of).
func checkEncoding(t *testing.T, tok Tokenizer, text string, toks []Token) {
	t.Helper()
	boundary := map[int]bool{len(text): true}
	last := -1 // the last piece that covers something
	for i := range text {
		boundary[i] = true
	}
	for i, tk := range toks {
		if tk.ID < 0 || tk.ID >= tok.VocabSize() || tok.Piece(tk.ID) != tk.Piece {
			t.Fatalf("%q: piece %d %q has id %d (vocabulary %d, Piece(id) %q)", text, i, tk.Piece, tk.ID, tok.VocabSize(), tok.Piece(tk.ID))
		}
		if tk.Start < 0 || tk.Start > tk.End || tk.End > len(text) || !boundary[tk.Start] || !boundary[tk.End] {
			t.Fatalf("%q: piece %d %q has offsets [%d,%d]", text, i, tk.Piece, tk.Start, tk.End)
		}
		if tk.Start == tk.End {
			continue // an empty piece may sit anywhere (see Token)
		}
		if last >= 0 {
			prev := toks[last]
			if tk.Start < prev.Start || tk.End < prev.End {
				t.Fatalf("%q: piece %d %q [%d,%d] goes back from piece %d %q [%d,%d]", text, i, tk.Piece, tk.Start, tk.End, last, prev.Piece, prev.Start, prev.End)
			}
			same := tk.Start == prev.Start && tk.End == prev.End
			if tk.Start < prev.End && !same && utf8.RuneCountInString(text[tk.Start:prev.End]) > 1 {
				t.Fatalf("%q: piece %d %q [%d,%d] overlaps piece %d %q [%d,%d] by more than a character", text, i, tk.Piece, tk.Start, tk.End, last, prev.Piece, prev.Start, prev.End)
			}
		}
		last = i
	}
}

var fuzzTexts = []string{"", " ", "Hello, world!", "naïve café Zürich", "東京 日本語", "😀👍🏽 👨‍👩‍👧", "a  b\t\nc", "İstanbul ﬁnance Ⅻ", "\xff\xfe bad", "[MASK] <mask> <s>"}

// fuzzTokenizers are small tokenizers of every kind.
func fuzzTokenizers(t testing.TB) []Tokenizer {
	wp := NewWordPiece([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##s", "a", "##b", "東", "i", "##̇", ","}, true)
	pieces := []string{"<s>", "<pad>", "</s>", "<unk>"}
	for b := range 256 {
		pieces = append(pieces, string(byteChar[b]))
	}
	merges := [][2]string{{"Ġ", "a"}, {"h", "e"}, {"he", "l"}, {"ð", "Ł"}}
	for _, m := range merges {
		pieces = append(pieces, m[0]+m[1])
	}
	bpe, err := NewBPE(append(pieces, "<mask>"), merges)
	if err != nil {
		t.Fatal(err)
	}
	bpe.prefix = true
	var bytePieces []string
	for b := range 256 {
		bytePieces = append(bytePieces, "<0x"+string("0123456789ABCDEF"[b>>4])+string("0123456789ABCDEF"[b&15])+">")
	}
	spPieces := append([]string{"<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "▁ab", "東", "é"}, bytePieces...)
	uni, err := NewSentencePiece(tinySPModel(spUnigram, true, spPieces...), true)
	if err != nil {
		t.Fatal(err)
	}
	sbpe, err := NewSentencePiece(tinySPModel(spBPE, false, spPieces[:11]...), false)
	if err != nil {
		t.Fatal(err)
	}
	toks := []Tokenizer{wp, bpe, uni, sbpe}
	for _, m := range []map[string]any{bertJSON(wp), robertaJSON(bpe)} {
		data, _ := json.Marshal(m)
		h, err := NewHFTokenizer(data)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, h)
	}
	return toks
}

func FuzzEncode(f *testing.F) {
	for _, s := range fuzzTexts {
		f.Add(s)
	}
	toks := fuzzTokenizers(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, tok := range toks {
			checkEncoding(t, tok, text, tok.Encode(text))
		}
	})
}

func FuzzSentencePieceModel(f *testing.F) {
	f.Add(tinySPModel(spUnigram, true, "<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "<0x41>"))
	f.Add(tinySPModel(spBPE, false, "<unk>", "▁", "a", "b", "ab", "▁ab"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fairseq := range []bool{false, true} {
			s, err := NewSentencePiece(data, fairseq)
			if err != nil {
				continue
			}
			for _, text := range fuzzTexts {
				checkEncoding(t, s, text, s.Encode(text))
			}
		}
	})
}

func FuzzTokenizerJSON(f *testing.F) {
	for _, tok := range fuzzTokenizers(f) {
		if h, ok := tok.(*HFTokenizer); ok {
			f.Add(h.raw)
		}
	}
	f.Add([]byte(`{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["▁a", -1], ["b", -2]]}, "pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}, "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := NewHFTokenizer(data)
		if err != nil {
			return
		}
		for _, text := range fuzzTexts {
			checkEncoding(t, h, text, h.Encode(text))
		}
	})
}
