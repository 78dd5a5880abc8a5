package corpus

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// ParseError is a problem at one line of an input file.
type ParseError struct {
	Path string // file name as given by the caller
	Line int    // 1-based; 0 when the problem concerns the whole file
	Msg  string // what is wrong; what was expected
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return e.Path + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// DefaultMetaPrefixes are the prefixes of single-field lines that are read
// as sentence metadata rather than tokens (Twitter-2015's image ids).
var DefaultMetaPrefixes = []string{"IMGID:"}

// ReadOptions control how a CoNLL file is read. The zero value reads any
// column layout with DefaultColumns and checks the ner column's tags.
type ReadOptions struct {
	// Columns names the columns; nil picks DefaultColumns for the number of
	// columns on the first token line.
	Columns ColumnMap
	// MetaPrefixes overrides DefaultMetaPrefixes; an empty non-nil slice
	// reads every line as a token.
	MetaPrefixes []string
	// NoTagCheck skips checking that every ner tag is O, X or a known
	// prefix (B-, I-, E-, S-, L-, U-) and a type.
	NoTagCheck bool
}

// ReadFile reads a CoNLL column file.
func ReadFile(path string, opt ReadOptions) (*Corpus, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path, opt)
}

// Read reads a CoNLL column file from r; name is used in error messages.
func Read(r io.Reader, name string, opt ReadOptions) (*Corpus, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return Parse(data, name, opt)
}

// Parse reads CoNLL columns from data. Sentences are separated by lines that
// hold only whitespace (WNUT-17's train file separates some with a lone
// TAB); a line whose first field is -DOCSTART- opens a document; lines may
// end in CRLF; a UTF-8 byte order mark is skipped. A line that contains a
// TAB is split at TABs (so tokens may contain spaces), other lines at runs
// of spaces. Tokens made only of invisible characters (U+FE0F, U+200B) are
// kept as they are.
func Parse(data []byte, name string, opt ReadOptions) (*Corpus, error) {
	p := parser{name: name, opt: opt, c: &Corpus{Path: name, Columns: opt.Columns}, ncols: -1, tagCol: -1}
	if opt.MetaPrefixes == nil {
		p.opt.MetaPrefixes = DefaultMetaPrefixes
	}
	// One string for the whole file: every field is a substring of it, so
	// reading allocates per sentence, not per token.
	text := string(data)
	text = strings.TrimPrefix(text, "\uFEFF")
	if err := p.run(text); err != nil {
		return nil, err
	}
	return p.c, nil
}

type parser struct {
	name   string
	opt    ReadOptions
	c      *Corpus
	ncols  int // columns per token line, fixed by the first one
	tagCol int
	cur    Sentence
	fields []string // scratch
}

func (p *parser) errf(line int, format string, args ...any) error {
	return &ParseError{Path: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) run(text string) error {
	lineNo := 0
	for len(text) > 0 {
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		if isBlank(line) {
			p.flush()
			continue
		}
		if !utf8.ValidString(line) {
			return p.errf(lineNo, "invalid UTF-8 at byte %d of the line; expected UTF-8 text", invalidAt(line))
		}
		fields, err := p.split(line, lineNo)
		if err != nil {
			return err
		}
		if fields[0] == DocStartToken {
			p.flush()
			p.c.Docs = append(p.c.Docs, DocStart{Fields: append([]string(nil), fields...), Line: lineNo, Before: len(p.c.Sentences)})
			continue
		}
		if len(fields) == 1 && p.isMeta(line) {
			if p.cur.Len() > 0 {
				p.flush()
			}
			p.cur.Meta = append(p.cur.Meta, line)
			continue
		}
		if err := p.token(fields, lineNo); err != nil {
			return err
		}
	}
	p.flush()
	if len(p.c.Sentences) == 0 {
		if lineNo == 0 {
			return p.errf(0, "empty file; expected CoNLL token lines (a token and its tags per line)")
		}
		return p.errf(0, "no token lines in %d lines; expected CoNLL token lines (a token and its tags per line)", lineNo)
	}
	if p.c.Separator == 0 {
		p.c.Separator = '\t'
	}
	return nil
}

func (p *parser) token(fields []string, lineNo int) error {
	if p.ncols < 0 {
		if err := p.setLayout(fields, lineNo); err != nil {
			return err
		}
	}
	if len(fields) != p.ncols {
		return p.errf(lineNo, "%d columns; expected %d like line %d (the first token line)", len(fields), p.ncols, p.firstLine())
	}
	if p.tagCol >= 0 && !p.opt.NoTagCheck {
		tag := fields[p.tagCol]
		if _, _, ok := SplitTag(tag); !ok && tag != ContextType {
			return p.errf(lineNo, "tag %q in column %d (%s) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type", tag, p.tagCol, NERColumn)
		}
	}
	if p.cur.Columns == nil {
		p.cur.Columns = make([][]string, p.ncols)
		for k := range p.cur.Columns {
			p.cur.Columns[k] = make([]string, 0, 32)
		}
		p.cur.Line = lineNo
	}
	for k, f := range fields {
		p.cur.Columns[k] = append(p.cur.Columns[k], f)
	}
	return nil
}

func (p *parser) firstLine() int {
	if len(p.c.Sentences) > 0 {
		return p.c.Sentences[0].Line
	}
	return p.cur.Line
}

func (p *parser) setLayout(fields []string, lineNo int) error {
	p.ncols = len(fields)
	if p.c.Columns == nil {
		p.c.Columns = DefaultColumns(p.ncols)
	}
	for k, name := range p.c.Columns {
		if k >= p.ncols {
			return p.errf(lineNo, "%d columns, but the column map names column %d (%s); expected at least %d columns", p.ncols, k, name, k+1)
		}
	}
	p.tagCol = p.c.Columns.Index(NERColumn)
	return nil
}

func (p *parser) flush() {
	if p.cur.Len() == 0 {
		return // keep pending metadata for the next sentence
	}
	p.c.Sentences = append(p.c.Sentences, p.cur)
	p.cur = Sentence{}
}

func (p *parser) isMeta(line string) bool {
	for _, pre := range p.opt.MetaPrefixes {
		if pre != "" && strings.HasPrefix(line, pre) {
			return true
		}
	}
	return false
}

// split cuts a line into columns. The first TAB-separated line fixes the
// separator written back; lines are split independently so that a file
// mixing the two still reads.
func (p *parser) split(line string, lineNo int) ([]string, error) {
	f := p.fields[:0]
	if strings.IndexByte(line, '\t') >= 0 {
		line = strings.TrimRight(line, " \t")
		for {
			i := strings.IndexByte(line, '\t')
			if i < 0 {
				f = append(f, line)
				break
			}
			f = append(f, line[:i])
			line = line[i+1:]
		}
		for k, v := range f {
			if v == "" {
				return nil, p.errf(lineNo, "column %d is empty (two TABs in a row); expected one TAB between non-empty columns", k)
			}
		}
		if p.c.Separator == 0 {
			p.c.Separator = '\t'
		}
	} else {
		for {
			line = strings.TrimLeft(line, " ")
			if line == "" {
				break
			}
			i := strings.IndexByte(line, ' ')
			if i < 0 {
				f = append(f, line)
				break
			}
			f = append(f, line[:i])
			line = line[i:]
		}
		if p.c.Separator == 0 {
			p.c.Separator = ' '
		}
	}
	p.fields = f
	return f, nil
}

// isBlank reports whether a line separates sentences: empty or only ASCII
// whitespace. Invisible Unicode characters are not blank; they are tokens.
func isBlank(line string) bool {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case ' ', '\t', '\r', '\v', '\f':
		default:
			return false
		}
	}
	return true
}

func invalidAt(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(s)
}
