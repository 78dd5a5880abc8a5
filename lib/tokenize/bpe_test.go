package tokenize

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// trainByteBPE makes byte-level BPE files from texts for the agreement
// test (data, not the thing tested): RoBERTa's special tokens, the 256
// byte characters, then nMerges merges, each joining the most frequent
// adjacent pair within GPT-2's cuts (ties by the pair's spelling).
func trainByteBPE(texts []string, nMerges int) (pieces []string, merges [][2]string) {
	counts := map[string]int{}
	for _, text := range texts {
		for _, cut := range gpt2Split(newChars(" "+text, 0)) {
			var sb strings.Builder
			for _, x := range []byte(cut.String()) {
				sb.WriteRune(byteChar[x])
			}
			counts[sb.String()]++
		}
	}
	type word struct {
		syms []string
		n    int
	}
	var words []word
	for _, w := range topKeys(counts, 1<<30, 2) {
		var syms []string
		for _, r := range w {
			syms = append(syms, string(r))
		}
		words = append(words, word{syms, counts[w]})
	}
	pieces = []string{"<s>", "<pad>", "</s>", "<unk>"}
	for b := range 256 {
		pieces = append(pieces, string(byteChar[b]))
	}
	for range nMerges {
		pairs := map[[2]string]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				pairs[[2]string{w.syms[i], w.syms[i+1]}] += w.n
			}
		}
		var best [2]string
		bestN := 0
		for p, n := range pairs {
			if n > bestN || n == bestN && p[0]+" "+p[1] < best[0]+" "+best[1] {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		merges = append(merges, best)
		pieces = append(pieces, best[0]+best[1])
		for k := range words {
			s := words[k].syms
			for i := 0; i+1 < len(s); i++ {
				if s[i] == best[0] && s[i+1] == best[1] {
					s[i] += s[i+1]
					s = append(s[:i+1], s[i+2:]...)
				}
			}
			words[k].syms = s
		}
	}
	pieces = append(pieces, "<mask>")
	return pieces, merges
}

// writeBPEFiles writes vocab.json and merges.txt into dir.
func writeBPEFiles(t *testing.T, dir string, pieces []string, merges [][2]string) {
	t.Helper()
	m := map[string]int{}
	for i, p := range pieces {
		m[p] = i
	}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	lines := []string{"#version: 0.2"}
	for _, mg := range merges {
		lines = append(lines, mg[0]+" "+mg[1])
	}
	writeLines(t, filepath.Join(dir, "merges.txt"), lines)
}

// TestBPEAgreesWithHuggingFace: vocab.json + merges.txt, with and without
// add_prefix_space, against Hugging Face's RobertaTokenizerFast pipeline
// (ByteLevel pre-tokenizer, BPE, RobertaProcessing's trim_offsets,
// special tokens with <mask> taking the space before it).
func TestBPEAgreesWithHuggingFace(t *testing.T) {
	texts := agreementCorpus(t)
	texts = append(texts[:len(texts):len(texts)], "a <mask> b", "<s>x</s>", "  two  spaces ", "it's we're they'll I'M", "<mask>")
	pieces, merges := trainByteBPE(texts, 1500)
	for _, prefix := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "add_prefix_space"}[prefix]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeBPEFiles(t, dir, pieces, merges)
			if err := writeJSON(filepath.Join(dir, "tokenizer_config.json"), hfConfig{"add_prefix_space": prefix}); err != nil {
				t.Fatal(err)
			}
			tok, err := ReadBPE(dir)
			if err != nil {
				t.Fatal(err)
			}
			// The reference reads what nerlab saves.
			saved := t.TempDir()
			if err := tok.Save(saved); err != nil {
				t.Fatal(err)
			}
			refs := runJS(t, map[string]any{
				"kind": "bpe", "vocab": filepath.Join(saved, "vocab.json"), "merges": filepath.Join(saved, "merges.txt"),
				"addPrefixSpace": prefix, "cls": 0, "sep": 2,
				"specials": []any{"<s>", "<pad>", "</s>", "<unk>", map[string]any{"content": "<mask>", "lstrip": true}},
			}, texts)
			agree(t, "BPE "+name, tok, texts, refs)
		})
	}
}

func TestBPEBasics(t *testing.T) {
	g := string(byteChar[' '])
	pieces := []string{"<s>", "<pad>", "</s>", "<unk>", "<mask>"}
	for b := range 256 {
		pieces = append(pieces, string(byteChar[b]))
	}
	merges := [][2]string{{g, "h"}, {g + "h", "i"}, {"h", "i"}}
	for _, m := range merges {
		pieces = append(pieces, m[0]+m[1])
	}
	tok, err := NewBPE(pieces, merges)
	if err != nil {
		t.Fatal(err)
	}
	text := "hi hi 😀"
	got := tok.Encode(text)
	var spelled []string
	for _, tk := range got {
		spelled = append(spelled, tk.Piece)
		if !utf8.ValidString(text[tk.Start:tk.End]) {
			t.Errorf("piece %q covers %q, not whole characters", tk.Piece, text[tk.Start:tk.End])
		}
	}
	want := []string{"hi", g + "hi", g, "ð", "Ł", "ĺ", "Ģ"}
	if !reflect.DeepEqual(spelled, want) {
		t.Errorf("Encode(%q) = %q, want %q", text, spelled, want)
	}
	// The emoji's four bytes are four pieces, each covering the emoji; the
	// lone space piece covers nothing once trimmed.
	if e := got[len(got)-1]; e.Start != 6 || e.End != 10 {
		t.Errorf("last byte of the emoji covers [%d,%d], want [6,10]", e.Start, e.End)
	}
	if sp := got[2]; sp.Start != sp.End {
		t.Errorf("a lone space piece covers [%d,%d], want nothing (trimmed)", sp.Start, sp.End)
	}
}

func TestBPESaveLoadsBack(t *testing.T) {
	texts := []string{"the cat sat on the mat", "l'été est là", "東京 😀"}
	pieces, merges := trainByteBPE(append(texts, texts...), 40)
	tok, err := NewBPE(pieces, merges)
	if err != nil {
		t.Fatal(err)
	}
	tok.prefix = true
	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBPE(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.pieces, tok.pieces) || !reflect.DeepEqual(back.merges, tok.merges) || back.prefix != tok.prefix || back.trim != tok.trim || back.names != tok.names {
		t.Errorf("read back a different tokenizer")
	}
	for _, text := range texts {
		if a, b := tok.Encode(text), back.Encode(text); !reflect.DeepEqual(a, b) {
			t.Errorf("%q: saved %v, read back %v", text, a, b)
		}
	}
}
