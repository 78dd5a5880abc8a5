package tokenize

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is a tokenizer file Load looks for.
type File struct{ Name, What string }

// Files are the tokenizer files Load looks for, in its order of
// preference, with what each is.
func Files() []File {
	out := []File{{"tokenizer.json", "tokenizers' JSON"}, {"vocab.txt", "WordPiece vocabulary"},
		{"vocab.json", "byte-level BPE vocabulary"}, {"merges.txt", "BPE merges"}}
	for _, name := range spFiles {
		out = append(out, File{name, "SentencePiece model"})
	}
	return out
}

// Load reads the tokenizer of a Hugging Face model folder, trying its
// files in the order transformers' AutoTokenizer prefers them:
// tokenizer.json, else vocab.txt (WordPiece), else vocab.json with
// merges.txt (byte-level BPE), else a SentencePiece model
// (sentencepiece.bpe.model, spiece.model, …). A SentencePiece model gets
// fairseq ids when the folder is XLM-R's (config.json's model_type
// xlm-roberta, or tokenizer_config.json's tokenizer_class
// XLMRobertaTokenizer).
func Load(dir string) (Tokenizer, error) {
	exists := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && !st.IsDir()
	}
	switch {
	case exists("tokenizer.json"):
		return ReadHFTokenizer(dir)
	case exists("vocab.txt"):
		return ReadWordPiece(dir)
	case exists("vocab.json") && exists("merges.txt"):
		return ReadBPE(dir)
	case exists("vocab.json"):
		return nil, fmt.Errorf("%s has vocab.json but no merges.txt beside it (a byte-level BPE tokenizer needs both)", dir)
	}
	for _, name := range spFiles {
		if !exists(name) {
			continue
		}
		xlmr, err := isXLMR(dir)
		if err != nil {
			return nil, err
		}
		s, err := ReadSentencePiece(filepath.Join(dir, name), xlmr)
		if err != nil {
			return nil, err
		}
		c, err := readConfig(dir)
		if err != nil {
			return nil, err
		}
		s.config = c
		if len(c) > 0 {
			s.names = c.names(s.names)
			s.setAdded()
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s has no tokenizer (looked for tokenizer.json, vocab.txt, vocab.json with merges.txt, %s)", dir, strings.Join(spFiles, ", "))
}

// isXLMR says whether dir is an XLM-R folder, whose SentencePiece ids
// are shifted as fairseq numbers them.
func isXLMR(dir string) (bool, error) {
	c, err := readConfig(dir)
	if err != nil {
		return false, err
	}
	if cls, _ := c["tokenizer_class"].(string); strings.HasPrefix(cls, "XLMRoberta") {
		return true, nil
	}
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var m struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return false, fmt.Errorf("%s: %v", path, err)
	}
	return m.ModelType == "xlm-roberta", nil
}
