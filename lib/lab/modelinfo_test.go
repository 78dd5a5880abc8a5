package lab

import (
	"encoding/json"
	"fmt"
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
	vocab := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
	for len(vocab) < 50 {
		vocab = append(vocab, fmt.Sprintf("w%d", len(vocab)))
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(vocab, "\n")+"\n"), 0o644); err != nil {
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
		"tokenizer     WordPiece (vocab.txt), 50 pieces; specials [CLS] 2, [SEP] 3, [PAD] 0, [UNK] 1, [MASK] 4",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("model info lacks %q:\n%s", want, out)
		}
	}
	out, err = run(t, "model", "info", dir, "--json")
	var info struct {
		Parameters int64    `json:"parameters"`
		Files      []string `json:"weight_files"`
		Vocab      int      `json:"tokenizer_vocab_size"`
	}
	if err != nil || json.Unmarshal([]byte(out), &info) != nil || info.Parameters != int64(params) || len(info.Files) != 1 || info.Vocab != 50 {
		t.Errorf("--json: %v\n%s", err, out)
	}

	// A tokenizer file that cannot be read is shown with the reason.
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte("[PAD]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "model", "info", dir)
	if want := "tokenizer     vocab.txt (WordPiece vocabulary); unreadable: " + filepath.Join(dir, "vocab.txt") + " has no [UNK]"; err != nil || !strings.Contains(out, want) {
		t.Errorf("model info with a vocab.txt without [UNK] lacks %q: %v\n%s", want, err, out)
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
