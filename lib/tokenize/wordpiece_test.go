package tokenize

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// topKeys returns the n most frequent keys of counts (ties by key).
func topKeys(counts map[string]int, n, minCount int) []string {
	keys := make([]string, 0, len(counts))
	for k, c := range counts {
		if c >= minCount {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys[:min(n, len(keys))]
}

// buildWordPieceVocab makes a BERT-style vocabulary from texts: the
// special tokens, characters seen at least twice (alone and as "##"
// continuations; rarer ones stay out, so that some words are unknown),
// frequent words, word beginnings and endings. Words are cut as the
// normaliser n and BERT's pre-tokenizer cut them; the vocabulary is data
// for the agreement test, not the thing tested.
func buildWordPieceVocab(texts []string, n bertNormalizer) []string {
	chars, words, begins, ends := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, text := range texts {
		for _, w := range bertPreTokenize(n.apply(newChars(text, 0))) {
			s := []rune(w.String())
			words[string(s)]++
			for k, r := range s {
				chars[string(r)]++
				if k >= 2 && k <= 5 {
					begins[string(s[:k])]++
				}
				if len(s)-k >= 1 && len(s)-k <= 4 && k > 0 {
					ends["##"+string(s[k:])]++
				}
			}
		}
	}
	seen := map[string]bool{}
	var pieces []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			pieces = append(pieces, p)
		}
	}
	for _, p := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		add(p)
	}
	for _, c := range topKeys(chars, 1<<30, 2) {
		add(c)
		add("##" + c)
	}
	for _, w := range topKeys(words, 4000, 2) {
		add(w)
	}
	for _, w := range topKeys(begins, 1000, 2) {
		add(w)
	}
	for _, w := range topKeys(ends, 1500, 2) {
		add(w)
	}
	return pieces
}

func writeLines(t testing.TB, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWordPieceAgreesWithHuggingFace: vocab.txt tokenizers, uncased,
// cased and lower-cased without accent stripping, against Hugging Face's
// BertTokenizerFast pipeline (BertNormalizer, BertPreTokenizer, WordPiece
// with the special tokens added) on the agreement corpus.
func TestWordPieceAgreesWithHuggingFace(t *testing.T) {
	texts := agreementCorpus(t)
	// A few texts hold special tokens, which both sides must keep whole.
	texts = append(texts[:len(texts):len(texts)], "a [MASK] b", "[CLS]x[SEP]", "[mask] [UNK]")
	for _, c := range []struct {
		name              string
		lowercase, strip  bool
		chinese           bool
		stripAccentsInCfg any
	}{
		{"uncased", true, true, true, nil},
		{"cased", false, false, true, nil},
		{"lowercase-keep-accents", true, false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := bertNormalizer{cleanText: true, chineseChars: c.chinese, stripAccents: c.strip, lowercase: c.lowercase}
			dir := t.TempDir()
			writeLines(t, filepath.Join(dir, "vocab.txt"), buildWordPieceVocab(texts, n))
			cfg := hfConfig{"do_lower_case": c.lowercase, "tokenize_chinese_chars": c.chinese, "strip_accents": c.stripAccentsInCfg}
			if err := writeJSON(filepath.Join(dir, "tokenizer_config.json"), cfg); err != nil {
				t.Fatal(err)
			}
			tok, err := ReadWordPiece(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tok.norm != n {
				t.Fatalf("read settings %+v, want %+v", tok.norm, n)
			}
			// The reference reads what nerlab saves.
			saved := t.TempDir()
			if err := tok.Save(saved); err != nil {
				t.Fatal(err)
			}
			refs := runJS(t, map[string]any{
				"kind": "wordpiece", "vocab": filepath.Join(saved, "vocab.txt"), "unk": "[UNK]",
				"lowercase": c.lowercase, "stripAccents": c.strip, "chinese": c.chinese,
				"specials": []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"},
			}, texts)
			agree(t, "WordPiece "+c.name, tok, texts, refs)
		})
	}
}

func TestWordPieceBasics(t *testing.T) {
	tok := NewWordPiece([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "cafe", "!", "日", "i", "##̇"}, true)
	text := "UnAffable CAFÉ! 日x [MASK]"
	got := tok.Encode(text)
	want := []Token{
		{5, "un", 0, 2}, {6, "##aff", 2, 5}, {7, "##able", 5, 9},
		{8, "cafe", 10, 15}, {9, "!", 15, 16}, {10, "日", 17, 20}, {1, "[UNK]", 20, 21}, {4, "[MASK]", 22, 28},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Encode(%q)\n got %v\nwant %v", text, got, want)
	}
	for _, tk := range got {
		if tk.ID != 1 && tk.ID != 4 && !strings.EqualFold(strings.TrimPrefix(tk.Piece, "##"), text[tk.Start:tk.End]) && tk.Piece != "cafe" {
			t.Errorf("piece %q covers %q", tk.Piece, text[tk.Start:tk.End])
		}
	}
	if s := tok.Specials(); s != (Specials{CLS: 2, SEP: 3, PAD: 0, UNK: 1, MASK: 4}) {
		t.Errorf("specials %+v", s)
	}
	long := strings.Repeat("a", 101)
	if got := tok.Encode(long); len(got) != 1 || got[0].ID != 1 || got[0].End != 101 {
		t.Errorf("a 101-character word: %v, want one [UNK] over it", got)
	}
}

func TestWordPieceSaveLoadsBack(t *testing.T) {
	tok := NewWordPiece([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Hello", "##s", "É"}, false)
	tok.norm.chineseChars = false
	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := ReadWordPiece(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.pieces, tok.pieces) || back.norm != tok.norm || back.names != tok.names {
		t.Errorf("read back %+v %+v %+v, saved %+v %+v %+v", back.pieces, back.norm, back.names, tok.pieces, tok.norm, tok.names)
	}
	text := "Hellos É 東"
	if a, b := tok.Encode(text), back.Encode(text); !reflect.DeepEqual(a, b) {
		t.Errorf("saved %v, read back %v", a, b)
	}
}
