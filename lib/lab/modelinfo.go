package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/tokenize"
)

func modelCommand() *Command {
	return &Command{
		Name:    "model",
		Summary: "Describe a Hugging Face model folder: architecture, sizes, weights, tokenizer files.",
		Help: `model info DIR reads a Hugging Face model folder the way nerlab loads it:
config.json (model_type bert, roberta or xlm-roberta), then the weights
(model.safetensors, sharded safetensors with model.safetensors.index.json, or
pytorch_model.bin, whose pickle is read, never run), checked against the
config tensor by tensor. It prints the architecture and its sizes, the
parameters, the weight files, a task head's tensors the encoder does not use,
and the tokenizer files found. With --json, the same as one JSON object.

A folder that loads here can be a tagger's encoder: set
embeddings.transformer.model to it (load NAME DIR, then tokenize NAME TEXT,
shows how it cuts text).`,
		Args:     []Param{{Name: "ACTION", Kind: Choice, Choices: []string{"info"}, Help: "info"}, {Name: "DIR", Kind: Path, Help: "Hugging Face model folder"}},
		Flags:    []Param{{Name: "json", Kind: Bool, Help: "print JSON"}},
		Examples: []string{"model info ~/models/bert-base-cased"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			info, err := describeModelFolder(in.Arg("DIR"))
			if err != nil {
				return err
			}
			if in.Bool("json") {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			return info.write(env.Stdout)
		},
	}
}

// modelFolder is what model info shows.
type modelFolder struct {
	Dir        string           `json:"dir"`
	Config     embed.BertConfig `json:"config"`
	Parameters int64            `json:"parameters"`
	Files      []string         `json:"weight_files"`
	Prefix     string           `json:"prefix,omitempty"`
	Unused     []string         `json:"unused,omitempty"`
	Tokenizer  []string         `json:"tokenizer_files"`
	// What tokenize.Load made of those files: its kind, vocabulary size
	// and special tokens, or why it could not read them.
	TokenizerKind     string   `json:"tokenizer_kind,omitempty"`
	TokenizerVocab    int      `json:"tokenizer_vocab_size,omitempty"`
	TokenizerSpecials []string `json:"tokenizer_specials,omitempty"`
	TokenizerError    string   `json:"tokenizer_error,omitempty"`
}

func describeModelFolder(dir string) (*modelFolder, error) {
	if _, err := os.Stat(filepath.Join(dir, tagger.ConfigFile)); err == nil {
		return nil, fmt.Errorf("%s is a nerlab tagger (it has %s), not a Hugging Face folder; %s, then show model, describes it", dir, tagger.ConfigFile, hint.Command("load NAME "+dir))
	}
	b, found, err := embed.LoadBert(dir, gotch.CPU)
	if err != nil {
		return nil, err
	}
	info := &modelFolder{Dir: dir, Config: b.Config, Parameters: b.Parameters(), Prefix: found.Prefix, Unused: found.Unused, Tokenizer: []string{}}
	for _, f := range found.Files {
		info.Files = append(info.Files, filepath.Base(f))
	}
	for _, t := range tokenize.Files() {
		if st, err := os.Stat(filepath.Join(dir, t.Name)); err == nil && st.Mode().IsRegular() {
			info.Tokenizer = append(info.Tokenizer, t.Name+" ("+t.What+")")
		}
	}
	if len(info.Tokenizer) > 0 {
		if tok, err := tokenize.Load(dir); err != nil {
			info.TokenizerError = err.Error()
		} else {
			info.TokenizerKind, info.TokenizerVocab, info.TokenizerSpecials = tokenize.Describe(tok), tok.VocabSize(), tokenize.SpecialNames(tok)
		}
	}
	return info, nil
}

func (m *modelFolder) write(w io.Writer) error {
	c := m.Config
	lines := []string{
		fmt.Sprintf("folder        %s", m.Dir),
		fmt.Sprintf("architecture  %s: %d layers, hidden %d, %d heads, feed-forward %d (%s), %d positions, %d token types",
			c.ModelType, c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, c.HiddenAct, c.MaxPositionEmbeddings, c.TypeVocabSize),
		fmt.Sprintf("vocabulary    %d", c.VocabSize),
		fmt.Sprintf("parameters    %s (the encoder)", groupThousands(m.Parameters)),
		fmt.Sprintf("weights       %s", strings.Join(m.Files, ", ")),
	}
	if m.Prefix != "" {
		lines = append(lines, fmt.Sprintf("head          the encoder's tensors are under %s; not used: %s", m.Prefix, shortList(m.Unused)))
	} else if len(m.Unused) > 0 {
		lines = append(lines, fmt.Sprintf("not used      %s", shortList(m.Unused)))
	}
	tok := "none found (expected tokenizer.json, vocab.txt, vocab.json + merges.txt or sentencepiece.bpe.model)"
	switch {
	case m.TokenizerError != "":
		tok = strings.Join(m.Tokenizer, ", ") + "; unreadable: " + m.TokenizerError
	case m.TokenizerKind != "":
		tok = fmt.Sprintf("%s, %d pieces", m.TokenizerKind, m.TokenizerVocab)
		if int64(m.TokenizerVocab) != int64(c.VocabSize) {
			tok += fmt.Sprintf(" (config.json says %d)", c.VocabSize)
		}
		if len(m.TokenizerSpecials) > 0 {
			tok += "; specials " + strings.Join(m.TokenizerSpecials, ", ")
		}
	}
	lines = append(lines, "tokenizer     "+tok)
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}

// shortList joins up to four names and says how many more there are.
func shortList(names []string) string {
	if len(names) <= 4 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:4], ", "), len(names)-4)
}

// groupThousands writes n with thousands separated by commas.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
