package lab

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// TestModelInfo: model info describes a Hugging Face folder PyTorch wrote
// (a token classifier over BERT, weights in pytorch_model.bin), as text and
// JSON, and refuses what it cannot describe with the reason.
func TestModelInfo(t *testing.T) {
	python := shareddata.PythonTorch(t)
	dir := t.TempDir()
	if out, err := exec.Command(python, repoFile("bench", "pytorch", "bert.py"), "step", dir, "bert").CombinedOutput(); err != nil {
		t.Fatalf("bert.py: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte("[PAD]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "model", "info", dir)
	if err != nil {
		t.Fatal(err)
	}
	// 50·16 + 32·16 + 2·16 + 2·16 embeddings and their LayerNorm; per layer
	// 4·(16·16+16) attention, 2·16 LayerNorm, 16·24+24 + 24·16+16
	// feed-forward, 2·16 LayerNorm.
	params := 50*16 + 32*16 + 2*16 + 2*16 + 2*(4*(16*16+16)+2*16+16*24+24+24*16+16+2*16)
	for _, want := range []string{
		"architecture  bert: 2 layers, hidden 16, 4 heads, feed-forward 24 (gelu), 32 positions, 2 token types",
		"vocabulary    50",
		"parameters    " + groupThousands(int64(params)) + " (the encoder)",
		"weights       pytorch_model.bin",
		"head          the encoder's tensors are under bert.; not used: classifier.bias, classifier.weight",
		"tokenizer     vocab.txt (WordPiece vocabulary)",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("model info lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "model", "info", dir, "--json")
	var info struct {
		Parameters int64    `json:"parameters"`
		Files      []string `json:"weight_files"`
	}
	if err != nil || json.Unmarshal([]byte(out), &info) != nil || info.Parameters != int64(params) || len(info.Files) != 1 {
		t.Errorf("--json: %v\n%s", err, out)
	}

	tagger := t.TempDir()
	os.WriteFile(filepath.Join(tagger, "model.json"), []byte("{}"), 0o644)
	if _, err := run(t, "model", "info", tagger); err == nil || !strings.Contains(err.Error(), "is a nerlab tagger") {
		t.Errorf("a tagger folder: %v", err)
	}
	if _, err := run(t, "model", "info", t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("a folder without config.json: %v", err)
	}
}

func TestGroupThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 110106: "110,106", 1234567: "1,234,567"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %s; want %s", n, got, want)
		}
	}
}
