package lab

// Pretrained encoders in the session: Hugging Face model folders loaded
// under a name, and the tokenize command that shows how their tokenizer
// cuts text.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/tagger"
	"github.com/nerlab/nerlab/lib/tokenize"
)

// Encoder is a Hugging Face model folder (BERT, RoBERTa, XLM-R) loaded
// under a name: its config.json is read at load; the tokenizer on first
// use. A tagger is trained on it by naming its folder in
// embeddings.transformer.model.
type Encoder struct {
	Name   string
	Dir    string
	Config embed.BertConfig
	tok    tokenize.Tokenizer
}

// Tokenizer returns the folder's tokenizer, reading it on first use.
func (e *Encoder) Tokenizer() (tokenize.Tokenizer, error) {
	if e.tok == nil {
		tok, err := tokenize.Load(e.Dir)
		if err != nil {
			return nil, err
		}
		e.tok = tok
	}
	return e.tok, nil
}

// isEncoderPath reports whether path is a Hugging Face model folder: a
// config.json and no nerlab model.json.
func isEncoderPath(path string) bool {
	if _, err := os.Stat(filepath.Join(path, tagger.ConfigFile)); err == nil {
		return false
	}
	_, err := os.Stat(filepath.Join(path, "config.json"))
	return err == nil
}

// AddEncoder reads the config.json of a Hugging Face model folder and
// registers the folder under name.
func (s *Session) AddEncoder(name, dir string) (*Encoder, error) {
	s.init()
	c, err := embed.ReadBertConfig(dir)
	if err != nil {
		return nil, err
	}
	e := &Encoder{Name: name, Dir: dir, Config: c}
	s.encoders[name] = e
	return e, nil
}

// Encoders returns the loaded encoders sorted by name.
func (s *Session) Encoders() []*Encoder {
	out := make([]*Encoder, 0, len(s.encoders))
	for _, e := range s.encoders {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Encoder returns a loaded encoder by name, or nil.
func (s *Session) Encoder(name string) *Encoder { return s.encoders[name] }

func encoderCandidates(s *Session) []Candidate {
	var out []Candidate
	for _, e := range s.Encoders() {
		out = append(out, Candidate{Text: e.Name, Description: fmt.Sprintf("%s encoder: %s", e.Config.ModelType, e.Dir)})
	}
	return out
}

// tokenizedPiece is one line of tokenize's output.
type tokenizedPiece struct {
	ID    int    `json:"id"`
	Piece string `json:"piece"`
	Start int    `json:"start"` // byte offsets in the text
	End   int    `json:"end"`
	Text  string `json:"text"` // text[start:end]
}

func tokenizeCommand() *Command {
	return &Command{
		Name:    "tokenize",
		Summary: "Cut text into a loaded encoder's sub-word pieces, with ids and offsets.",
		Help: `tokenize ENCODER TEXT shows how the tokenizer of an encoder loaded with
load NAME DIR (a Hugging Face model folder) cuts TEXT: each piece with its
id and the bytes of TEXT it stands for, as the tagger's transformer
embedding sees a sentence (without [CLS] and [SEP]). ENCODER may also be
a model folder's path. With --json, a JSON list.`,
		Args: []Param{
			{Name: "ENCODER", Help: "a loaded encoder's name or a model folder", Values: encoderCandidates},
			{Name: "TEXT", Rest: true, Help: "the text"},
		},
		Flags:    []Param{{Name: "json", Kind: Bool, Help: "print JSON"}},
		Examples: []string{"tokenize bert The Eiffel Tower is in Paris.", "tokenize runs/pretrain/world/encoder naïve café 東京"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			var tok tokenize.Tokenizer
			if e := env.Session.Encoder(in.Arg("ENCODER")); e != nil {
				t, err := e.Tokenizer()
				if err != nil {
					return err
				}
				tok = t
			} else {
				t, err := tokenize.Load(in.Arg("ENCODER"))
				if err != nil {
					return fmt.Errorf("%s is neither a loaded encoder nor a model folder with a tokenizer: %w", in.Arg("ENCODER"), err)
				}
				tok = t
			}
			text := in.Arg("TEXT")
			var pieces []tokenizedPiece
			for _, t := range tok.Encode(text) {
				pieces = append(pieces, tokenizedPiece{ID: t.ID, Piece: t.Piece, Start: t.Start, End: t.End, Text: text[t.Start:t.End]})
			}
			if in.Bool("json") {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(pieces)
			}
			fmt.Fprintf(env.Stdout, "%d pieces\n", len(pieces))
			for _, p := range pieces {
				fmt.Fprintf(env.Stdout, "  %6d  %-16s %3d:%-3d %q\n", p.ID, p.Piece, p.Start, p.End, p.Text)
			}
			return nil
		},
	}
}

// describeEncoder is load's summary of an encoder's shape.
func describeEncoder(e *Encoder) string {
	c := e.Config
	return fmt.Sprintf("%s, %d layers of %d, %d heads, vocabulary %d", c.ModelType, c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.VocabSize)
}
