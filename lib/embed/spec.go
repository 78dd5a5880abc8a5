package embed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sugarme/gotch/nn"

	"github.com/nerlab/nerlab/internal/jsonpos"
)

// Config is the saved configuration of one kind of token encoder:
// everything, vocabularies included, that rebuilds the encoder's
// structure. A model saves a list of them (as Specs) beside its weights,
// and a model built from such a list needs no code that knows the kinds.
type Config interface {
	// Kind is the name the kind was registered under ("word", "char").
	// It is also the prefix of the encoder's parameters in the model
	// (word.weight, char.lstm.weight_ih_l0): trainers group parameters
	// by it, so each encoder can have its own learning rate.
	Kind() string
	// New creates the encoder with freshly initialised parameters under
	// p, the model's path for the encoder's prefix.
	New(p *nn.Path) (Embedder, error)
}

// Fitter is a Config whose vocabulary comes from the training data (a
// word table, a character alphabet), as opposed to a pre-trained
// encoder's, which comes with it. Fit sees the training words with their
// counts before New is called, and returns a short account of what it
// made for the training log ("5000 words"), plus a note about it when
// there is one to give (the pre-trained vectors' coverage).
type Fitter interface {
	Config
	Fit(counts map[string]int) (summary, note string, err error)
}

// Bundled is a Config with files of its own that a saved model keeps
// beside its weights, in a folder named by the kind: a transformer's
// config.json and tokenizer. A model's Save calls WriteFiles; its Load
// calls ReadFiles before New.
type Bundled interface {
	Config
	WriteFiles(dir string) error
	ReadFiles(dir string) error
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]func() Config{}
)

// Register makes a kind of encoder known to Spec's JSON decoding: blank
// returns a new, empty Config of that kind to decode into. A file that
// defines a kind registers it in its init function; it panics when the
// kind is already registered (a programming error).
func Register(kind string, blank func() Config) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[kind]; dup {
		panic(fmt.Sprintf("embed.Register: kind %q registered twice", kind))
	}
	if got := blank().Kind(); got != kind {
		panic(fmt.Sprintf("embed.Register: kind %q makes configs of kind %q", kind, got))
	}
	kinds[kind] = blank
}

// Kinds returns the registered kinds in alphabetical order.
func Kinds() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Spec is one encoder of a saved stack: a Config whose JSON carries its
// kind beside the kind's own fields, {"kind": "word", "dim": 100, …}, so
// that a list of Specs decodes without knowing the kinds in advance.
type Spec struct{ Config }

// MarshalJSON writes the kind first, then the Config's fields.
func (s Spec) MarshalJSON() ([]byte, error) {
	if s.Config == nil {
		return nil, fmt.Errorf("embed: a Spec without a Config")
	}
	fields, err := json.Marshal(s.Config)
	if err != nil {
		return nil, err
	}
	if len(fields) < 2 || fields[0] != '{' {
		return nil, fmt.Errorf("embed: kind %q's config is not a JSON object", s.Kind())
	}
	kind, _ := json.Marshal(s.Kind())
	var b bytes.Buffer
	b.WriteString(`{"kind":`)
	b.Write(kind)
	if rest := bytes.TrimSpace(fields[1:]); len(rest) > 1 { // more than "}"
		b.WriteByte(',')
	}
	b.Write(fields[1:])
	return b.Bytes(), nil
}

// UnmarshalJSON reads a Spec written by MarshalJSON. An unknown kind, or
// a field the kind does not have, is an error (a misread model would
// otherwise train or tag with defaults in place of its settings). A
// decoding error's offset (json.SyntaxError, json.UnmarshalTypeError) is
// an offset into data, so a caller that knows where data sits in a file
// can name the line.
func (s *Spec) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return fmt.Errorf("embedding: %w", err)
	}
	var kind string
	if raw, ok := fields["kind"]; !ok || json.Unmarshal(raw, &kind) != nil {
		return fmt.Errorf("embedding without a \"kind\" string; expected one of %s", strings.Join(Kinds(), ", "))
	}
	kindsMu.RLock()
	blank := kinds[kind]
	kindsMu.RUnlock()
	if blank == nil {
		return fmt.Errorf("embedding kind %q; this nerlab knows %s", kind, strings.Join(Kinds(), ", "))
	}
	rest, err := withoutKind(data)
	if err != nil {
		return fmt.Errorf("%s embedding: %w", kind, err)
	}
	cfg := blank()
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("%s embedding: %w", kind, err)
	}
	s.Config = cfg
	return nil
}

// withoutKind returns the object data holds without its "kind" members,
// for the kind's Config to decode strictly (kind is none of its fields).
// The other members stay at their offsets, with spaces where the kind
// and the separators were, so that json's error offsets in the result
// are offsets in data.
func withoutKind(data []byte) ([]byte, error) {
	members, err := jsonpos.Members(data)
	if err != nil {
		return nil, err
	}
	out := bytes.Repeat([]byte{' '}, len(data))
	open := bytes.IndexByte(data, '{')
	end := bytes.LastIndexByte(data, '}')
	out[open], out[end] = '{', '}'
	comma := int64(-1) // where the comma after the last member kept goes
	for _, m := range members {
		if m.Key == "kind" {
			continue
		}
		if comma >= 0 {
			out[comma] = ','
		}
		copy(out[m.KeyOff:m.End], data[m.KeyOff:m.End])
		comma = m.End // a separator or space in data: the next key is after it
	}
	return out, nil
}
