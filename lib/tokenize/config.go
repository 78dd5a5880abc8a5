package tokenize

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nerlab/nerlab/internal/jsonpos"
	"github.com/nerlab/nerlab/internal/safefile"
)

// vocab is a vocabulary: the pieces by id and the ids by piece. When a
// file lists a piece twice, ID gives the later id, as Hugging Face's
// readers do (a dictionary filled in file order).
type vocab struct {
	pieces []string
	ids    map[string]int
}

func newVocab(pieces []string) vocab {
	ids := make(map[string]int, len(pieces))
	for i, p := range pieces {
		ids[p] = i
	}
	return vocab{pieces, ids}
}

func (v *vocab) VocabSize() int { return len(v.pieces) }

func (v *vocab) Piece(id int) string {
	if id < 0 || id >= len(v.pieces) {
		return ""
	}
	return v.pieces[id]
}

func (v *vocab) ID(piece string) (int, bool) {
	id, ok := v.ids[piece]
	return id, ok
}

// id is ID with -1 for a piece the vocabulary lacks (or "").
func (v *vocab) id(piece string) int {
	if id, ok := v.ids[piece]; ok && piece != "" {
		return id
	}
	return -1
}

// specialNames are the spellings of a tokenizer's special tokens, as
// tokenizer_config.json and special_tokens_map.json name them.
type specialNames struct {
	CLS, SEP, PAD, UNK, MASK string
}

func (n specialNames) ids(v *vocab) Specials {
	return Specials{CLS: v.id(n.CLS), SEP: v.id(n.SEP), PAD: v.id(n.PAD), UNK: v.id(n.UNK), MASK: v.id(n.MASK)}
}

func (n specialNames) list() []string {
	var out []string
	for _, s := range []string{n.CLS, n.SEP, n.PAD, n.UNK, n.MASK} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// hfConfig is a folder's tokenizer_config.json merged over its
// special_tokens_map.json (Hugging Face reads both; the config wins),
// kept whole so that Save writes back what it does not interpret.
type hfConfig map[string]any

// readConfig reads dir's tokenizer_config.json and
// special_tokens_map.json; either may be missing.
func readConfig(dir string) (hfConfig, error) {
	c := hfConfig{}
	for _, name := range []string{"special_tokens_map.json", "tokenizer_config.json"} {
		m, err := readJSONObject(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			c[k] = v
		}
	}
	return c, nil
}

// readJSONObject reads a JSON object from path; errors name the file and
// the line.
func readJSONObject(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonpos.Describe(data, err))
	}
	return m, nil
}

// Bool is key's value, def when it is missing or null; a value of
// another type is an error naming file and key.
func (c hfConfig) bool(file, key string, def bool) (bool, error) {
	switch v := c[key].(type) {
	case nil:
		return def, nil
	case bool:
		return v, nil
	default:
		return false, fmt.Errorf("%s: %s is %v, not true or false", file, key, v)
	}
}

// token is a special token's spelling: a string, or an added token's
// object {"content": …} (how newer versions of transformers write them).
func (c hfConfig) token(key, def string) string {
	switch v := c[key].(type) {
	case string:
		return v
	case map[string]any:
		if s, ok := v["content"].(string); ok {
			return s
		}
	}
	return def
}

func (c hfConfig) names(def specialNames) specialNames {
	return specialNames{
		CLS:  c.token("cls_token", def.CLS),
		SEP:  c.token("sep_token", def.SEP),
		PAD:  c.token("pad_token", def.PAD),
		UNK:  c.token("unk_token", def.UNK),
		MASK: c.token("mask_token", def.MASK),
	}
}

// write saves tokenizer_config.json (c with the tokenizer's own settings
// over it) and special_tokens_map.json (the special tokens' spellings),
// as transformers' save_pretrained writes them.
func (c hfConfig) write(dir string, settings map[string]any, names specialNames) error {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range settings {
		out[k] = v
	}
	sm := map[string]any{}
	for _, kv := range []struct{ key, val string }{
		{"cls_token", names.CLS}, {"sep_token", names.SEP}, {"pad_token", names.PAD},
		{"unk_token", names.UNK}, {"mask_token", names.MASK},
	} {
		if kv.val != "" {
			out[kv.key] = kv.val
			sm[kv.key] = kv.val
		}
	}
	if err := writeJSON(filepath.Join(dir, "tokenizer_config.json"), out); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "special_tokens_map.json"), sm)
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return safefile.WriteBytes(path, append(data, '\n'))
}

// addedToken is a token matched in the raw text before normalisation
// (Hugging Face's special added tokens: "[MASK]" in a text is the mask
// token, never "[", "mask", "]").
type addedToken struct {
	content string
	id      int
	// lstrip and rstrip: the match takes the whitespace before (after)
	// it, as RoBERTa's <mask> does.
	lstrip, rstrip bool
	// singleWord: only where no word character is right before or after.
	singleWord bool
}

// isWordChar is a letter, digit or '_' (what single_word tokens must not
// touch).
func isWordChar(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// segment is a stretch of the text: an added token (id ≥ 0) or text to
// tokenize (id < 0).
type segment struct {
	start, end int
	id         int
	// For an added token, the bytes it took with the whitespace its
	// lstrip and rstrip took (start and end are its own text's).
	wideStart, wideEnd int
}

// splitAdded cuts text at the added tokens, leftmost first and the
// longest of those that start at the same byte.
func splitAdded(text string, added []addedToken) []segment {
	if len(added) == 0 {
		return []segment{{start: 0, end: len(text), id: -1}}
	}
	var segs []segment
	last := 0 // end of the last added token
	for i := 0; i < len(text); {
		best := -1
		for k, a := range added {
			if a.content != "" && strings.HasPrefix(text[i:], a.content) && (best < 0 || len(a.content) > len(added[best].content)) {
				best = k
			}
		}
		if best >= 0 && added[best].singleWord {
			before, _ := utf8.DecodeLastRuneInString(text[:i])
			after, _ := utf8.DecodeRuneInString(text[i+len(added[best].content):])
			if i > 0 && isWordChar(before) || i+len(added[best].content) < len(text) && isWordChar(after) {
				best = -1
			}
		}
		if best < 0 {
			i++
			continue
		}
		a := added[best]
		start, end := i, i+len(a.content)
		if a.lstrip {
			for start > last {
				r, w := utf8.DecodeLastRuneInString(text[last:start])
				if !isSpace(r) {
					break
				}
				start -= w
			}
		}
		if a.rstrip {
			for end < len(text) {
				r, w := utf8.DecodeRuneInString(text[end:])
				if !isSpace(r) {
					break
				}
				end += w
			}
		}
		if start > last {
			segs = append(segs, segment{start: last, end: start, id: -1})
		}
		segs = append(segs, segment{start: i, end: i + len(a.content), id: a.id, wideStart: start, wideEnd: end})
		last, i = end, end
	}
	if last < len(text) {
		segs = append(segs, segment{start: last, end: len(text), id: -1})
	}
	return segs
}
