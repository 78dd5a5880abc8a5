package tokenize

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Load reads the tokenizer of a Hugging Face model folder from the files
// it has: vocab.txt (WordPiece), or vocab.json and merges.txt (byte-level
// BPE). A folder with none of them is an error naming the folder and the
// files looked for.
func Load(dir string) (Tokenizer, error) {
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	switch {
	case has("vocab.txt"):
		return ReadWordPiece(dir)
	case has("vocab.json") && has("merges.txt"):
		return ReadBPE(dir)
	}
	looked := []string{"vocab.txt", "vocab.json + merges.txt"}
	return nil, fmt.Errorf("%s: no tokenizer (looked for %s)", dir, strings.Join(looked, ", "))
}
