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
	Line int    // 1-based; 0 when no line applies (a corpus built in memory)
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
// of spaces; trailing spaces, TABs and CRs are ignored. A single-field line
// that starts with one of the metadata prefixes is metadata of the next
// sentence (and ends the current one). Tokens made only of invisible
// characters (U+FE0F, U+200B) are kept as they are. Corpus.Separator is
// the separator of the first token line with two or more columns.
//
// Errors are *ParseError at the offending line; an input without token
// lines is reported at its last line (line 1 when it is empty).
func Parse(data []byte, name string, opt ReadOptions) (*Corpus, error) {
	p := parser{name: name, opt: opt, c: &Corpus{Path: name, Columns: opt.Columns}, ncols: -1, tagCol: -1}
	if opt.MetaPrefixes == nil {
		p.opt.MetaPrefixes = DefaultMetaPrefixes
	}
	// One string for the whole file: every field is a substring of it, and
	// the fields of each column go into one slice for the whole file
	// (setLayout), which sentences share; so reading allocates neither per
	// token nor per sentence.
	text := string(data)
	text = strings.TrimPrefix(text, "\uFEFF")
	p.validUTF8 = utf8.ValidString(text)
	if err := p.run(text); err != nil {
		return nil, err
	}
	return p.c, nil
}

type parser struct {
	name      string
	opt       ReadOptions
	c         *Corpus
	validUTF8 bool // the whole text is valid UTF-8: no need to check lines
	ncols     int  // columns per token line, fixed by the first one
	tagCol    int
	fields    []string // scratch
	docSep    byte     // separator of the first multi-field -DOCSTART- line

	// The sentence being read: its tokens are arena[k][start:start+n].
	arena     [][]string // per column, the fields of every token line so far
	start, n  int
	line      int        // line of its first token
	meta      []string   // metadata lines before it
	headers   [][]string // preallocated Sentence.Columns headers
	firstLine int        // line of the first token line of the file
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
		// CRLF line ends; further CRs before the LF are dropped too, so
		// that no field ends in a CR that writing would turn into a line end.
		for len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if isBlank(line) {
			p.flush()
			continue
		}
		if !p.validUTF8 && !utf8.ValidString(line) {
			return p.errf(lineNo, "invalid UTF-8 at byte %d of the line; expected UTF-8 text", invalidAt(line))
		}
		fields, sep, err := p.split(line, lineNo)
		if err != nil {
			return err
		}
		if fields[0] == DocStartToken {
			p.flush()
			if p.docSep == 0 && len(fields) > 1 {
				p.docSep = sep
			}
			p.c.Docs = append(p.c.Docs, DocStart{Fields: append([]string(nil), fields...), Line: lineNo, Before: len(p.c.Sentences)})
			continue
		}
		if len(fields) == 1 && p.isMeta(fields[0]) {
			p.flush() // metadata ends a sentence; pending metadata stays
			p.meta = append(p.meta, line)
			continue
		}
		if p.ncols < 0 {
			if err := p.setLayout(fields, lineNo, text); err != nil {
				return err
			}
		}
		if err := p.token(fields, lineNo); err != nil {
			return err
		}
		if p.c.Separator == 0 && len(fields) > 1 {
			p.c.Separator = sep
		}
	}
	p.flush()
	if len(p.c.Sentences) == 0 {
		// Reported at the end of the file, where token lines were due.
		if lineNo == 0 {
			return p.errf(1, "empty file; expected CoNLL token lines (a token and its tags per line)")
		}
		return p.errf(lineNo, "end of file after %d lines without a token line; expected CoNLL token lines (a token and its tags per line)", lineNo)
	}
	// The separator is the one of the first token line with two or more
	// columns; metadata lines (IMGID:…) and -DOCSTART- lines, which often
	// have a single field, do not decide it unless nothing else does.
	if p.c.Separator == 0 {
		p.c.Separator = p.docSep
	}
	if p.c.Separator == 0 {
		p.c.Separator = '\t'
	}
	return nil
}

func (p *parser) token(fields []string, lineNo int) error {
	if len(fields) != p.ncols {
		return p.errf(lineNo, "%d columns; expected %d like line %d (the first token line)", len(fields), p.ncols, p.firstLine)
	}
	if p.tagCol >= 0 && !p.opt.NoTagCheck {
		tag := fields[p.tagCol]
		if _, _, ok := SplitTag(tag); !ok && tag != ContextType {
			return p.errf(lineNo, "tag %q in column %d (%s) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type", tag, p.tagCol, NERColumn)
		}
	}
	if p.n == 0 {
		p.line = lineNo
	}
	for k, f := range fields {
		p.arena[k] = append(p.arena[k], f)
	}
	p.n++
	return nil
}

// setLayout fixes the number of columns from the first token line and
// sizes the column arenas for the rest of the text: at most one token per
// line, and a token line of n columns takes at least 2n bytes.
func (p *parser) setLayout(fields []string, lineNo int, rest string) error {
	p.ncols = len(fields)
	p.firstLine = lineNo
	if p.c.Columns == nil {
		p.c.Columns = DefaultColumns(p.ncols)
	}
	// The lowest and the highest column named decide (map order is random).
	minCol, maxCol := 0, -1
	for k := range p.c.Columns {
		minCol, maxCol = min(minCol, k), max(maxCol, k)
	}
	if minCol < 0 {
		return p.errf(lineNo, "the column map names column %d (%s); expected column indexes from 0", minCol, p.c.Columns[minCol])
	}
	if maxCol >= p.ncols {
		return p.errf(lineNo, "%d columns, but the column map names column %d (%s); expected at least %d columns", p.ncols, maxCol, p.c.Columns[maxCol], maxCol+1)
	}
	p.tagCol = p.c.Columns.Index(NERColumn)
	size := 2 + len(rest)/(2*p.ncols)
	if size > 1024 {
		size = min(size, 2+strings.Count(rest, "\n"))
	}
	p.arena = make([][]string, p.ncols)
	for k := range p.arena {
		p.arena[k] = make([]string, 0, size)
	}
	return nil
}

// flush ends the sentence being read, if it has tokens; metadata with no
// tokens after it yet is kept for the next sentence.
func (p *parser) flush() {
	if p.n == 0 {
		return
	}
	if len(p.headers) < p.ncols {
		p.headers = make([][]string, max(p.ncols, 1024))
	}
	cols := p.headers[:p.ncols:p.ncols]
	p.headers = p.headers[p.ncols:]
	end := p.start + p.n
	for k := range cols {
		// Capacity ends with the sentence, so appending to a column
		// copies it instead of overwriting the next sentence.
		cols[k] = p.arena[k][p.start:end:end]
	}
	p.c.Sentences = append(p.c.Sentences, Sentence{Columns: cols, Line: p.line, Meta: p.meta})
	p.start, p.n, p.meta = end, 0, nil
}

func (p *parser) isMeta(field string) bool {
	for _, pre := range p.opt.MetaPrefixes {
		if pre != "" && strings.HasPrefix(field, pre) {
			return true
		}
	}
	return false
}

// split cuts a line into columns and reports the separator it used: a
// line that contains a TAB is split at TABs, any other line at runs of
// spaces. Trailing spaces, TABs and CRs are dropped first. Lines are split
// independently so that a file mixing the two still reads.
func (p *parser) split(line string, lineNo int) ([]string, byte, error) {
	f := p.fields[:0]
	sep := byte(' ')
	if strings.IndexByte(line, '\t') >= 0 {
		sep = '\t'
		end := len(line)
		for end > 0 && (line[end-1] == ' ' || line[end-1] == '\t' || line[end-1] == '\r') {
			end--
		}
		line = line[:end]
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
				p.fields = f
				return nil, sep, p.errf(lineNo, "column %d is empty (two TABs in a row); expected one TAB between non-empty columns", k)
			}
		}
	} else {
		end := len(line)
		for end > 0 && (line[end-1] == ' ' || line[end-1] == '\r') {
			end--
		}
		line = line[:end]
		for len(line) > 0 {
			if line[0] == ' ' {
				line = line[1:]
				continue
			}
			i := strings.IndexByte(line, ' ')
			if i < 0 {
				f = append(f, line)
				break
			}
			f = append(f, line[:i])
			line = line[i+1:]
		}
	}
	p.fields = f
	return f, sep, nil
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
