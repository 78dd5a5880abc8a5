// Package corpus holds NER data as nerlab reads and writes it: CoNLL column
// files, sentences and documents, tag schemes (IOB1, BIO, BIOES) and entity
// spans, label dictionaries, CLNER context views (a sentence, <EOS>, then
// X-tagged context tokens) and corpus statistics.
//
// Sentences are stored column-major: Sentence.Columns[k] is column k of
// every token, so the tag column of a sentence is a plain []string that
// span extraction, conversion and scoring use without copying.
package corpus

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Conventional column names.
const (
	TextColumn = "text"
	NERColumn  = "ner"
)

// DocStartToken is the first field of the line that opens a document in
// CoNLL-2003-style files.
const DocStartToken = "-DOCSTART-"

// Sentence is one sentence: a run of token lines between blank lines.
type Sentence struct {
	// Columns[k][i] is column k of token i; every column has one entry per token.
	Columns [][]string
	// Line is the 1-based line of the first token in the source file
	// (token i is on line Line+i), 0 for sentences built in memory.
	Line int
	// Meta holds metadata lines that preceded the sentence (such as
	// Twitter-2015's IMGID:… lines), written back unchanged.
	Meta []string
}

// Len returns the number of tokens.
func (s *Sentence) Len() int {
	if len(s.Columns) == 0 {
		return 0
	}
	return len(s.Columns[0])
}

// DocStart is a -DOCSTART- line: a document boundary, kept so that writing
// reproduces it, never a token.
type DocStart struct {
	Fields []string // the line's columns ("-DOCSTART-", "-X-", …)
	Line   int      // 1-based source line
	Before int      // index of the first sentence of the document
}

// Corpus is one CoNLL file (a split) in memory.
type Corpus struct {
	Path      string // where it was read from ("" for in-memory corpora)
	Columns   ColumnMap
	Sentences []Sentence
	Docs      []DocStart
	// Separator is the column separator used when writing: '\t' or ' '.
	// Reading sets it to what the file used.
	Separator byte
}

// Column returns the index of the named column, or -1.
func (c *Corpus) Column(name string) int { return c.Columns.Index(name) }

// Tokens returns the total number of tokens.
func (c *Corpus) Tokens() int {
	n := 0
	for i := range c.Sentences {
		n += c.Sentences[i].Len()
	}
	return n
}

// TagColumn returns the index of the "ner" column or an error naming the
// columns the corpus has.
func (c *Corpus) TagColumn() (int, error) {
	if k := c.Column(NERColumn); k >= 0 {
		return k, nil
	}
	return -1, fmt.Errorf("%s: no %q column; columns are %s", c.name(), NERColumn, c.Columns)
}

func (c *Corpus) name() string {
	if c.Path == "" {
		return "corpus"
	}
	return c.Path
}

// ColumnMap names the columns of a CoNLL file by index, as flair's column
// corpora do: {0: text, 1: pos, 2: chunk, 3: ner}.
type ColumnMap map[int]string

// Index returns the index of the named column, or -1.
func (m ColumnMap) Index(name string) int {
	for k, v := range m {
		if v == name {
			return k
		}
	}
	return -1
}

// Name returns the name of column k ("colK" when unnamed).
func (m ColumnMap) Name(k int) string {
	if v, ok := m[k]; ok {
		return v
	}
	return "col" + strconv.Itoa(k)
}

// String renders the map as "{0: text, 3: ner}".
func (m ColumnMap) String() string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d: %s", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// DefaultColumns names n columns the way NER files usually lay them out:
// text first, the NER tag last, and for four columns CoNLL-2003's
// text, pos, chunk, ner.
func DefaultColumns(n int) ColumnMap {
	switch {
	case n <= 0:
		return ColumnMap{}
	case n == 1:
		return ColumnMap{0: TextColumn}
	case n == 4:
		return ColumnMap{0: TextColumn, 1: "pos", 2: "chunk", 3: NERColumn}
	}
	m := ColumnMap{0: TextColumn, n - 1: NERColumn}
	for k := 1; k < n-1; k++ {
		m[k] = "col" + strconv.Itoa(k)
	}
	return m
}

// ParseColumns reads a column map written as "0:text,3:ner", as
// "{0: text, 3: ner}" (flair's YAML), or as a list of names in column
// order ("text,pos,chunk,ner"; "_" or "-" skips a column).
func ParseColumns(spec string) (ColumnMap, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "{") != strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("column map %q: unbalanced braces; expected {0: text, 3: ner}, 0:text,3:ner or text,pos,chunk,ner", spec)
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty column map; expected e.g. 0:text,3:ner or text,pos,chunk,ner")
	}
	m := ColumnMap{}
	parts := strings.Split(s, ",")
	keyed := strings.Contains(s, ":")
	for i, part := range parts {
		part = strings.TrimSpace(part)
		idx, name := i, part
		if keyed {
			k, v, ok := strings.Cut(part, ":")
			n, err := strconv.Atoi(strings.TrimSpace(k))
			if !ok || err != nil || n < 0 {
				return nil, fmt.Errorf("column map %q: %q is not INDEX:NAME; expected e.g. 0:text,3:ner", spec, part)
			}
			idx, name = n, strings.TrimSpace(v)
		}
		if name == "_" || name == "-" {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("column map %q: column %d has no name", spec, idx)
		}
		if prev := m.Index(name); prev >= 0 {
			return nil, fmt.Errorf("column map %q: %q names both column %d and %d", spec, name, prev, idx)
		}
		if _, dup := m[idx]; dup {
			return nil, fmt.Errorf("column map %q: column %d is named twice", spec, idx)
		}
		m[idx] = name
	}
	if m.Index(TextColumn) < 0 {
		return nil, fmt.Errorf("column map %q: no %q column; expected one column named text", spec, TextColumn)
	}
	return m, nil
}
