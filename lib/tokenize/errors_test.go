package tokenize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantError checks that err is one line that names file and says each
// of what.
func wantError(t *testing.T, err error, file string, what ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one naming %s and saying %q", file, what)
		return
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is more than one line: %q", msg)
	}
	if !strings.Contains(msg, file) {
		t.Errorf("error %q does not name %s", msg, file)
	}
	for _, w := range what {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMissingTokenizer(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "config.json", `{"model_type": "bert"}`)
	_, err := Load(dir)
	wantError(t, err, dir, "no tokenizer", "tokenizer.json", "vocab.txt", "merges.txt", "sentencepiece.bpe.model")
	writeFile(t, dir, "vocab.json", `{"a": 0}`)
	_, err = Load(dir)
	wantError(t, err, dir, "merges.txt")
}

func TestTruncatedSentencePieceModel(t *testing.T) {
	model := tinySPModel(spUnigram, false, "<unk>", "<s>", "</s>", "▁", "a", "b", "▁a")
	if _, err := NewSentencePiece(model, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, cut := range []int{1, 7, len(model) / 2, len(model) - 1} {
		path := writeFile(t, dir, "sentencepiece.bpe.model", string(model[:cut]))
		_, err := Load(dir)
		wantError(t, err, path, "byte")
	}
	path := writeFile(t, dir, "sentencepiece.bpe.model", "this is not a protocol buffer at all")
	_, err := Load(dir)
	wantError(t, err, path)
	// A model without an unknown piece cannot encode what it lacks.
	path = writeFile(t, dir, "sentencepiece.bpe.model", string(tinySPModel(spUnigram, false, "▁", "a")))
	_, err = Load(dir)
	wantError(t, err, path, "UNKNOWN")
	path = writeFile(t, dir, "sentencepiece.bpe.model", string(tinySPModel(spWord, false, "<unk>", "▁a")))
	_, err = Load(dir)
	wantError(t, err, path, "WORD")
}

func TestBadBPEFiles(t *testing.T) {
	for _, c := range []struct {
		vocab, merges string
		file          string
		what          []string
	}{
		{`{"a": 0, "b": 1, "ab": 2`, "#version: 0.2\na b\n", "vocab.json", []string{"line 1"}},
		{`["a", "b"]`, "a b\n", "vocab.json", []string{"piece: id"}},
		{`{"a": 0, "b": 5}`, "a b\n", "vocab.json", []string{`"b" has id 5`}},
		{`{"a": 0, "b": 0}`, "a b\n", "vocab.json", []string{"id 0"}},
		{`{"a": 0, "b": 1, "ab": 2}`, "#version: 0.2\na b\nb c\n", "merges.txt", []string{"line 3", `"c" is not in the vocabulary`}},
		{`{"a": 0, "b": 1, "ab": 2}`, "a b\nb a\n", "merges.txt", []string{"line 2", `"ba" is not in the vocabulary`}},
		{`{"a": 0, "b": 1, "ab": 2}`, "a b\nab\n", "merges.txt", []string{"line 2", "not a merge"}},
	} {
		dir := t.TempDir()
		writeFile(t, dir, "vocab.json", c.vocab)
		writeFile(t, dir, "merges.txt", c.merges)
		_, err := Load(dir)
		wantError(t, err, filepath.Join(dir, c.file), c.what...)
	}
}

func TestBadWordPieceFiles(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "vocab.txt", "")
	_, err := Load(dir)
	wantError(t, err, path, "empty")
	path = writeFile(t, dir, "vocab.txt", "[UNK]\na\n\xff\xfe\n")
	_, err = Load(dir)
	wantError(t, err, path, "line 3", "UTF-8")
	writeFile(t, dir, "vocab.txt", "[UNK]\na\n")
	path = writeFile(t, dir, "tokenizer_config.json", `{"do_lower_case": "yes"}`)
	_, err = Load(dir)
	wantError(t, err, path, "do_lower_case")
	path = writeFile(t, dir, "tokenizer_config.json", "{\n  \"do_lower_case\": true,\n}")
	_, err = Load(dir)
	wantError(t, err, path, "line 3")
}

func TestBadTokenizerJSON(t *testing.T) {
	w := NewWordPiece([]string{"[UNK]", "a"}, true)
	for _, c := range []struct {
		edit func(m map[string]any)
		what string
	}{
		{func(m map[string]any) { m["model"] = map[string]any{"type": "Mystery"} }, `model type "Mystery"`},
		{func(m map[string]any) { delete(m, "model") }, "no model"},
		{func(m map[string]any) { m["model"].(map[string]any)["vocab"] = []int{1, 2} }, "model vocab"},
		{func(m map[string]any) {
			m["model"] = map[string]any{"type": "BPE", "vocab": map[string]int{"a": 0, "b": 1}, "merges": []string{"a b"}}
		}, `"ab" is not in the vocabulary`},
		{func(m map[string]any) {
			m["model"] = map[string]any{"type": "Unigram", "vocab": []any{[]any{"a", -1.0}}, "unk_id": 7}
		}, "unk_id 7"},
		{func(m map[string]any) {
			m["normalizer"] = map[string]any{"type": "Replace", "pattern": map[string]any{"Regex": "(?<=a)b"}, "content": ""}
		}, "normalizer Replace"},
	} {
		m := bertJSON(w)
		c.edit(m)
		dir := t.TempDir()
		writeTokenizerJSON(t, dir, m)
		_, err := Load(dir)
		wantError(t, err, filepath.Join(dir, "tokenizer.json"), c.what)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "tokenizer.json", "{\"model\": {\"type\": \"BPE\",\n\"vocab\": {\"a\": 0,}}}")
	_, err := Load(dir)
	wantError(t, err, path, "line 2")
}
