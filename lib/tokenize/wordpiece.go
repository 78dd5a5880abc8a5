package tokenize

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/nerlab/nerlab/internal/safefile"
)

// WordPiece is BERT's tokenizer: BERT's basic tokenizer (text cleaning,
// CJK ideographs as words, whitespace and punctuation splitting,
// lower-casing and accent stripping as configured), then greedy
// longest-match-first pieces, a word's later pieces marked "##", a word
// with no spelling in pieces (or longer than MaxChars characters) the
// unknown token.
type WordPiece struct {
	vocab
	norm     bertNormalizer
	prefix   string // marks a word's continuation pieces: "##"
	maxChars int    // longer words are unknown
	names    specialNames
	added    []addedToken
	config   hfConfig
}

// defaultBertNames are BertTokenizer's special tokens.
var defaultBertNames = specialNames{CLS: "[CLS]", SEP: "[SEP]", PAD: "[PAD]", UNK: "[UNK]", MASK: "[MASK]"}

// NewWordPiece makes a WordPiece tokenizer of BERT's defaults (lower-casing,
// accent stripping, CJK ideographs as words) for a vocabulary.
func NewWordPiece(pieces []string, lowercase bool) *WordPiece {
	w := &WordPiece{
		vocab:    newVocab(pieces),
		norm:     bertNormalizer{cleanText: true, chineseChars: true, stripAccents: lowercase, lowercase: lowercase},
		prefix:   "##",
		maxChars: 100,
		names:    defaultBertNames,
		config:   hfConfig{},
	}
	w.setAdded()
	return w
}

// setAdded makes the special tokens the vocabulary has into added
// tokens, matched before normalisation as transformers' BertTokenizer
// does.
func (w *WordPiece) setAdded() {
	w.added = w.added[:0]
	for _, s := range w.names.list() {
		if id := w.id(s); id >= 0 {
			w.added = append(w.added, addedToken{content: s, id: id})
		}
	}
}

// ReadWordPiece reads a WordPiece tokenizer from dir: vocab.txt (one
// piece a line, the line number its id) and, if present,
// tokenizer_config.json's do_lower_case, strip_accents,
// tokenize_chinese_chars and special tokens.
func ReadWordPiece(dir string) (*WordPiece, error) {
	path := filepath.Join(dir, "vocab.txt")
	pieces, err := readLines(path)
	if err != nil {
		return nil, err
	}
	c, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "tokenizer_config.json")
	lowercase, err := c.bool(file, "do_lower_case", true)
	if err != nil {
		return nil, err
	}
	strip, err := c.bool(file, "strip_accents", lowercase) // null: follows lower-casing
	if err != nil {
		return nil, err
	}
	cjk, err := c.bool(file, "tokenize_chinese_chars", true)
	if err != nil {
		return nil, err
	}
	w := NewWordPiece(pieces, lowercase)
	w.norm.stripAccents, w.norm.chineseChars = strip, cjk
	w.names = c.names(defaultBertNames)
	if w.id(w.names.UNK) < 0 {
		return nil, fmt.Errorf("%s has no %s, the unknown token", path, w.names.UNK)
	}
	w.config = c
	w.setAdded()
	return w, nil
}

// readLines reads a vocabulary of one piece a line (vocab.txt,
// SentencePiece's .vocab): every line counts, an empty one too, so that
// line numbers stay ids; a final newline ends the last line.
func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty vocabulary", path)
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	var pieces []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s: line %d: not UTF-8", path, len(pieces)+1)
		}
		pieces = append(pieces, line)
	}
	return pieces, nil
}

func (w *WordPiece) Specials() Specials { return w.names.ids(&w.vocab) }

func (w *WordPiece) Encode(text string) []Token {
	var out []Token
	for _, seg := range splitAdded(text, w.added) {
		if seg.id >= 0 {
			out = append(out, Token{seg.id, w.pieces[seg.id], seg.start, seg.end})
			continue
		}
		cs := w.norm.apply(newChars(text[seg.start:seg.end], seg.start))
		for _, word := range bertPreTokenize(cs) {
			out = w.word(word, out)
		}
	}
	return out
}

// word appends one word's pieces: the longest vocabulary entry that
// starts the word, then the longest "##" entry that continues it, and so
// on; if some rest has none, the whole word is the unknown token.
func (w *WordPiece) word(cs chars, out []Token) []Token {
	n := len(out)
	unk := func() []Token {
		id := w.id(w.names.UNK)
		if id < 0 {
			return out[:n] // no unknown token (readers refuse such files)
		}
		start, end := cs.span(0, len(cs))
		return append(out[:n], Token{id, w.Piece(id), start, end})
	}
	if len(cs) > w.maxChars {
		return unk()
	}
	s := cs.String()
	at := make([]int, len(cs)+1) // at[k]: the byte of s where character k starts
	for k, c := range cs {
		at[k+1] = at[k] + utf8.RuneLen(c.r)
	}
	for start := 0; start < len(cs); {
		found := false
		for end := len(cs); end > start; end-- {
			sub := s[at[start]:at[end]]
			if start > 0 {
				sub = w.prefix + sub
			}
			if id, ok := w.ids[sub]; ok {
				a, b := cs.span(start, end)
				out = append(out, Token{id, sub, a, b})
				start, found = end, true
				break
			}
		}
		if !found {
			return unk()
		}
	}
	return out
}

func (w *WordPiece) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := safefile.WriteBytes(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(w.pieces, "\n")+"\n"))
	if err != nil {
		return err
	}
	return w.config.write(dir, map[string]any{
		"tokenizer_class":        "BertTokenizer",
		"do_lower_case":          w.norm.lowercase,
		"strip_accents":          w.norm.stripAccents,
		"tokenize_chinese_chars": w.norm.chineseChars,
	}, w.names)
}
