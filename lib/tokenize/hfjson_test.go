package tokenize

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The tokenizer.json files of the agreement test are written here the
// way transformers' converters write BERT's, RoBERTa's and XLM-R's, from
// the vocabularies the other tests make.

func addedTokensJSON(v *vocab, names []string, lstrip string) []any {
	var out []any
	for _, n := range names {
		id, ok := v.ids[n]
		if !ok {
			continue
		}
		out = append(out, map[string]any{"id": id, "content": n, "single_word": false, "lstrip": n == lstrip,
			"rstrip": false, "normalized": false, "special": true})
	}
	return out
}

func bertJSON(w *WordPiece) map[string]any {
	m := map[string]int{}
	for i, p := range w.pieces {
		m[p] = i
	}
	return map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil,
		"added_tokens": addedTokensJSON(&w.vocab, []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, ""),
		"normalizer": map[string]any{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": w.norm.chineseChars,
			"strip_accents": w.norm.stripAccents, "lowercase": w.norm.lowercase},
		"pre_tokenizer": map[string]any{"type": "BertPreTokenizer"},
		"post_processor": map[string]any{"type": "TemplateProcessing",
			"single": []any{map[string]any{"SpecialToken": map[string]any{"id": "[CLS]", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"SpecialToken": map[string]any{"id": "[SEP]", "type_id": 0}}},
			"pair":   []any{map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}},
			"special_tokens": map[string]any{
				"[CLS]": map[string]any{"id": "[CLS]", "ids": []int{w.ids["[CLS]"]}, "tokens": []string{"[CLS]"}},
				"[SEP]": map[string]any{"id": "[SEP]", "ids": []int{w.ids["[SEP]"]}, "tokens": []string{"[SEP]"}},
			}},
		"decoder": map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model": map[string]any{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
			"max_input_chars_per_word": 100, "vocab": m},
	}
}

func robertaJSON(b *BPE) map[string]any {
	m := map[string]int{}
	for i, p := range b.pieces {
		m[p] = i
	}
	var merges []string
	for _, mg := range b.merges {
		merges = append(merges, mg[0]+" "+mg[1])
	}
	return map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil,
		"added_tokens":  addedTokensJSON(&b.vocab, []string{"<s>", "<pad>", "</s>", "<unk>", "<mask>"}, "<mask>"),
		"normalizer":    nil,
		"pre_tokenizer": map[string]any{"type": "ByteLevel", "add_prefix_space": b.prefix, "trim_offsets": true, "use_regex": true},
		"post_processor": map[string]any{"type": "RobertaProcessing", "sep": []any{"</s>", b.ids["</s>"]}, "cls": []any{"<s>", b.ids["<s>"]},
			"trim_offsets": true, "add_prefix_space": b.prefix},
		"decoder": map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": "",
			"end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false, "vocab": m, "merges": merges},
	}
}

// xlmrJSON is XLM-R's tokenizer.json for a SentencePiece unigram model:
// the fairseq vocabulary with the pieces' scores, SentencePiece's
// normalisation rules (Precompiled), Metaspace.
func xlmrJSON(s *SentencePiece) map[string]any {
	vocab := []any{[]any{"<s>", 0.0}, []any{"<pad>", 0.0}, []any{"</s>", 0.0}, []any{"<unk>", 0.0}}
	for _, p := range s.m.pieces[3:] {
		vocab = append(vocab, []any{p.piece, float64(p.score)})
	}
	vocab = append(vocab, []any{"<mask>", 0.0})
	var added []any
	for _, a := range []struct {
		id int
		s  string
	}{{0, "<s>"}, {1, "<pad>"}, {2, "</s>"}, {3, "<unk>"}, {len(vocab) - 1, "<mask>"}} {
		added = append(added, map[string]any{"id": a.id, "content": a.s, "single_word": false, "lstrip": a.s == "<mask>",
			"rstrip": false, "normalized": false, "special": true})
	}
	return map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil,
		"added_tokens": added,
		"normalizer": map[string]any{"type": "Sequence", "normalizers": []any{
			map[string]any{"type": "Precompiled", "precompiled_charsmap": base64.StdEncoding.EncodeToString(s.m.charsmap)},
			map[string]any{"type": "Replace", "pattern": map[string]any{"Regex": " {2,}"}, "content": " "},
		}},
		"pre_tokenizer":  map[string]any{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
		"post_processor": map[string]any{"type": "RobertaProcessing", "sep": []any{"</s>", 2}, "cls": []any{"<s>", 0}, "trim_offsets": true, "add_prefix_space": true},
		"decoder":        map[string]any{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
		"model":          map[string]any{"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": false},
	}
}

// trainAffixBPE makes BPE files whose symbols are a word's first
// character, "##" and each later one, the last with "</w>" after it; a
// merge drops the right symbol's "##" (test data, made as trainByteBPE
// makes its own). Characters seen once stay out, so some are unknown.
func trainAffixBPE(texts []string, n bertNormalizer, nMerges int) (pieces []string, merges [][2]string) {
	counts := map[string]int{}
	for _, text := range texts {
		for _, w := range bertPreTokenize(n.apply(newChars(text, 0))) {
			counts[w.String()]++
		}
	}
	symbols := func(w string) []string {
		rs := []rune(w)
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = string(r)
			if i > 0 {
				out[i] = "##" + out[i]
			}
			if i == len(rs)-1 {
				out[i] += "</w>"
			}
		}
		return out
	}
	type word struct {
		syms []string
		n    int
	}
	var words []word
	symCount := map[string]int{}
	for w, c := range counts {
		ss := symbols(w)
		words = append(words, word{ss, c})
		for _, s := range ss {
			symCount[s] += c
		}
	}
	pieces = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
	pieces = append(pieces, topKeys(symCount, 1<<30, 2)...)
	known := map[string]bool{}
	for _, p := range pieces {
		known[p] = true
	}
	for range nMerges {
		pairs := map[[2]string]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				if known[w.syms[i]] && known[w.syms[i+1]] {
					pairs[[2]string{w.syms[i], w.syms[i+1]}] += w.n
				}
			}
		}
		var best [2]string
		bestN := 0
		for p, c := range pairs {
			if c > bestN || c == bestN && p[0]+" "+p[1] < best[0]+" "+best[1] {
				best, bestN = p, c
			}
		}
		if bestN < 2 {
			break
		}
		merged := best[0] + strings.TrimPrefix(best[1], "##")
		merges = append(merges, best)
		if !known[merged] {
			known[merged] = true
			pieces = append(pieces, merged)
		}
		for k := range words {
			words[k].syms = mergeSymbols(words[k].syms, map[[2]string]int{best: 0}, "##")
		}
	}
	return pieces, merges
}

func writeTokenizerJSON(t *testing.T, dir string, m map[string]any) string {
	t.Helper()
	path := filepath.Join(dir, "tokenizer.json")
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// jsDeviations are where tokenizers.js differs from Hugging Face's own
// library (both are references; the Rust library is the one with
// offsets, and nerlab must agree with it on every text).
var jsDeviations = map[string]struct {
	why      string
	explains func(string) bool
}{
	// JavaScript's toLowerCase applies Unicode's final-sigma rule (Σ at a
	// word's end becomes ς); Rust's char::to_lowercase maps each
	// character alone (σ).
	"bert": {"JavaScript lower-cases a word-final Σ to ς, Rust to σ", func(s string) bool { return strings.ContainsRune(s, 'Σ') }},
	// Every such text holds a zero-width joiner (emoji sequences such as
	// 👨‍👩‍👧): tokenizers.js normalises it differently from the Rust
	// library (it splits the sequence into separate "▁"-words).
	"xlm-r": {"tokenizers.js's Precompiled normaliser treats the zero-width joiner U+200D differently",
		func(s string) bool { return strings.ContainsRune(s, 0x200D) }},
}

// TestTokenizerJSONAgreesWithHuggingFace: BERT-, RoBERTa- and XLM-R-style
// tokenizer.json files against Hugging Face's tokenizers (pieces, ids,
// offsets) and tokenizers.js (pieces and ids), on the agreement corpus.
func TestTokenizerJSONAgreesWithHuggingFace(t *testing.T) {
	texts := agreementCorpus(t)
	texts = append(texts[:len(texts):len(texts)], "a <mask> b [MASK] c", "<s>x</s>", "  two  spaces ",
		"[NEW] [new]x the other theme _the the_ the.", "a <tag> b<tag>c", "É! e! é!")
	files := map[string]func(t *testing.T) map[string]any{
		"bert": func(t *testing.T) map[string]any {
			n := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}
			return bertJSON(NewWordPiece(buildWordPieceVocab(texts, n), true))
		},
		"roberta": func(t *testing.T) map[string]any {
			pieces, merges := trainByteBPE(texts, 1500)
			b, err := NewBPE(pieces, merges)
			if err != nil {
				t.Fatal(err)
			}
			return robertaJSON(b)
		},
		// The other components nerlab reads, on a WordPiece vocabulary.
		"misc-wordpiece": func(t *testing.T) map[string]any {
			n := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}
			m := bertJSON(NewWordPiece(buildWordPieceVocab(texts, n), true))
			m["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{
				map[string]any{"type": "NFKC"}, map[string]any{"type": "NFD"}, map[string]any{"type": "StripAccents"},
				map[string]any{"type": "Lowercase"}, map[string]any{"type": "Strip", "strip_left": true, "strip_right": true},
				map[string]any{"type": "Replace", "pattern": map[string]any{"String": "é"}, "content": "e"},
			}}
			m["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
				map[string]any{"type": "Whitespace"}, map[string]any{"type": "Digits", "individual_digits": true},
				map[string]any{"type": "Punctuation", "behavior": "Isolated"},
			}}
			return m
		},
		"misc-bpe": func(t *testing.T) map[string]any {
			pieces, merges := trainByteBPE(texts, 300)
			b, err := NewBPE(pieces, merges)
			if err != nil {
				t.Fatal(err)
			}
			m := robertaJSON(b)
			m["normalizer"] = map[string]any{"type": "Sequence", "normalizers": []any{
				map[string]any{"type": "NFC"}, map[string]any{"type": "Prepend", "prepend": "x"},
			}}
			m["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
				map[string]any{"type": "WhitespaceSplit"}, map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": false},
			}}
			m["post_processor"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": false}
			return m
		},
		// BPE with a continuing prefix and an end-of-word suffix on BERT's
		// words (as some character-level BPE files have), unknown
		// characters fused into one [UNK].
		"misc-bpe-affixes": func(t *testing.T) map[string]any {
			n := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}
			pieces, merges := trainAffixBPE(texts, n, 400)
			vocab := map[string]int{}
			for i, p := range pieces {
				vocab[p] = i
			}
			var ms []string
			for _, m := range merges {
				ms = append(ms, m[0]+" "+m[1])
			}
			m := bertJSON(NewWordPiece(pieces, true))
			m["model"] = map[string]any{"type": "BPE", "dropout": nil, "unk_token": "[UNK]", "continuing_subword_prefix": "##",
				"end_of_word_suffix": "</w>", "fuse_unk": true, "byte_fallback": false, "vocab": vocab, "merges": ms}
			return m
		},
		// Added tokens of every kind: normalized (found after
		// lower-casing), single-word, stripping.
		"misc-added": func(t *testing.T) map[string]any {
			n := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}
			pieces := buildWordPieceVocab(texts, n)
			m := bertJSON(NewWordPiece(pieces, true))
			added := m["added_tokens"].([]any)
			for i, a := range []map[string]any{
				{"content": "[NEW]", "normalized": true},
				{"content": "the", "single_word": true},
				{"content": "<tag>", "lstrip": true, "rstrip": true},
				{"content": "é!", "normalized": true, "special": true},
			} {
				tok := map[string]any{"id": len(pieces) + i, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false}
				for k, v := range a {
					tok[k] = v
				}
				added = append(added, tok)
			}
			m["added_tokens"] = added
			return m
		},
		// A unigram model with byte fallback.
		"misc-unigram-bytes": func(t *testing.T) map[string]any {
			s, err := ReadSentencePiece(spmModel(t, "unigram", 2000, true), true)
			if err != nil {
				t.Fatal(err)
			}
			m := xlmrJSON(s)
			m["model"].(map[string]any)["byte_fallback"] = true
			return m
		},
		"xlm-r": func(t *testing.T) map[string]any {
			s, err := ReadSentencePiece(spmModel(t, "unigram", 2000, false), true)
			if err != nil {
				t.Fatal(err)
			}
			return xlmrJSON(s)
		},
	}
	for _, name := range []string{"bert", "roberta", "xlm-r", "misc-wordpiece", "misc-bpe", "misc-bpe-affixes", "misc-unigram-bytes", "misc-added"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeTokenizerJSON(t, dir, files[name](t))
			tok, err := ReadHFTokenizer(dir)
			if err != nil {
				t.Fatal(err)
			}
			agree(t, "tokenizer.json "+name+" vs Hugging Face tokenizers", tok, texts, runJS(t, map[string]any{"kind": "json", "file": path}, texts))
			if strings.HasPrefix(name, "misc") {
				return // tokenizers.js splits differently with these components (Punctuation in a Sequence keeps "://" one word)
			}
			agreeExcept(t, "tokenizer.json "+name+" vs tokenizers.js", tok, texts, runJS(t, map[string]any{"kind": "js", "file": path}, texts),
				jsDeviations[name].why, jsDeviations[name].explains)
		})
	}
}

func TestTokenizerJSONSaveLoadsBack(t *testing.T) {
	w := NewWordPiece([]string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##s", "e"}, true)
	dir := t.TempDir()
	writeTokenizerJSON(t, dir, bertJSON(w))
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := tok.Save(out); err != nil {
		t.Fatal(err)
	}
	back, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	text := "Hellos É [MASK]"
	if a, b := tok.Encode(text), back.Encode(text); !reflect.DeepEqual(a, b) || len(a) != 4 {
		t.Errorf("saved %v, read back %v", a, b)
	}
	if tok.Specials() != back.Specials() || tok.VocabSize() != back.VocabSize() {
		t.Errorf("specials or size differ after a round trip")
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestTokenizerJSONUnknownComponents(t *testing.T) {
	w := NewWordPiece([]string{"[UNK]", "a"}, true)
	for _, c := range []struct {
		key  string
		val  any
		want string
	}{
		{"model", map[string]any{"type": "WordLevel", "vocab": map[string]int{"a": 0}}, `model type "WordLevel" is not supported`},
		{"normalizer", map[string]any{"type": "ByteLevel"}, `normalizer type "ByteLevel" is not supported`},
		{"pre_tokenizer", map[string]any{"type": "UnicodeScripts"}, `pre_tokenizer type "UnicodeScripts" is not supported`},
		{"post_processor", map[string]any{"type": "Fancy"}, `post_processor type "Fancy" is not supported`},
	} {
		m := bertJSON(w)
		m[c.key] = c.val
		dir := t.TempDir()
		writeTokenizerJSON(t, dir, m)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Join(dir, "tokenizer.json")) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %v: error %v, want one line naming the file and saying %s", c.key, c.val, err, c.want)
		}
	}
}
