package corpus

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
)

// Write writes c in CoNLL columns: -DOCSTART- lines (each followed by a
// blank line) where documents begin, metadata lines, then one token per
// line and a blank line after each sentence. Columns are joined with
// c.Separator; when a field contains a space the whole file uses TABs so
// that it reads back the same. Reading the output gives back the same
// sentences, columns, documents and metadata.
//
// What CoNLL cannot represent is refused with a *ParseError naming the
// sentence and token (and the source line of sentences that were read
// from a file) before anything is written: empty sentences, ragged
// columns, empty fields, fields holding a TAB or a line break, a last
// column ending in a space or CR (readers trim those), token lines of only
// whitespace (they would separate sentences), a first column reading
// -DOCSTART-, and single-column tokens that read as metadata (IMGID:…).
func Write(w io.Writer, c *Corpus) error {
	tabs, err := checkWritable(c)
	if err != nil {
		return err
	}
	sep := c.Separator
	if sep != ' ' || tabs {
		sep = '\t'
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if startsWithBOM(c) {
		// Readers skip a byte order mark at the start of a file; one more
		// keeps the first field's own U+FEFF.
		bw.WriteString(bom)
	}
	doc := 0
	writeDocs := func(before int) {
		for doc < len(c.Docs) && c.Docs[doc].Before <= before {
			writeFields(bw, c.Docs[doc].Fields, sep)
			bw.WriteByte('\n')
			doc++
		}
	}
	for i := range c.Sentences {
		writeDocs(i)
		s := &c.Sentences[i]
		for _, m := range s.Meta {
			bw.WriteString(m)
			bw.WriteByte('\n')
		}
		cols := s.Columns
		for t := 0; t < s.Len(); t++ {
			bw.WriteString(cols[0][t])
			for k := 1; k < len(cols); k++ {
				bw.WriteByte(sep)
				bw.WriteString(cols[k][t])
			}
			if len(cols) == 1 && sep == '\t' && strings.IndexByte(cols[0][t], ' ') >= 0 {
				// A line without a TAB is split at spaces; a trailing TAB
				// (which readers trim) keeps a lone field with spaces whole.
				bw.WriteByte('\t')
			}
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	writeDocs(len(c.Sentences))
	return bw.Flush()
}

// WriteFile writes c to path atomically (temporary file, then rename).
func WriteFile(path string, c *Corpus) error {
	return safefile.Write(path, func(w io.Writer) error { return Write(w, c) })
}

const bom = "\uFEFF"

func writeFields(bw *bufio.Writer, fields []string, sep byte) {
	for k, f := range fields {
		if k > 0 {
			bw.WriteByte(sep)
		}
		bw.WriteString(f)
	}
	bw.WriteByte('\n')
}

// startsWithBOM reports whether the first line Write writes begins with
// U+FEFF.
func startsWithBOM(c *Corpus) bool {
	var first string
	switch {
	case len(c.Docs) > 0 && (len(c.Sentences) == 0 || c.Docs[0].Before <= 0):
		first = c.Docs[0].Fields[0]
	case len(c.Sentences) == 0:
		return false
	case len(c.Sentences[0].Meta) > 0:
		first = c.Sentences[0].Meta[0]
	default:
		first = c.Sentences[0].Columns[0][0]
	}
	return strings.HasPrefix(first, bom)
}

// byteClass sorts the bytes of fields for checkWritable.
var byteClass = func() (t [256]uint8) {
	for b := range t {
		switch b {
		case ' ':
			t[b] = classSpace
		case '\t':
			t[b] = classBreak
		case '\n':
			t[b] = classBreak | classVisible
		case '\r', '\v', '\f':
		default:
			t[b] = classVisible
		}
	}
	return t
}()

const (
	classSpace   = 1 << iota // ' ': the file must use TABs
	classBreak               // TAB or LF: not representable
	classVisible             // not blank (see isBlank)
)

// checkWritable checks that c can be written and read back unchanged, and
// reports whether a field contains a space (the file must then use TABs).
func checkWritable(c *Corpus) (tabs bool, err error) {
	ncols := -1
	for i := range c.Sentences {
		s := &c.Sentences[i]
		fail := func(t int, format string, args ...any) error {
			line := 0
			if s.Line > 0 {
				line = s.Line + t
			}
			return &ParseError{Path: c.name(), Line: line,
				Msg: fmt.Sprintf("sentence %d, token %d: ", i+1, t+1) + fmt.Sprintf(format, args...)}
		}
		for _, m := range s.Meta {
			if isBlank(m) || strings.IndexByte(m, '\n') >= 0 || m[len(m)-1] == '\r' {
				return false, fail(0, "metadata line %q; expected one non-blank line without a line break or a trailing CR", m)
			}
		}
		n := s.Len()
		if n == 0 {
			return false, fail(0, "no tokens; CoNLL cannot represent an empty sentence, expected at least one token")
		}
		if ncols < 0 {
			ncols = len(s.Columns)
		}
		if len(s.Columns) != ncols {
			return false, fail(0, "%d columns; expected %d like sentence 1", len(s.Columns), ncols)
		}
		for k, col := range s.Columns {
			if len(col) != n {
				return false, fail(0, "column %d has %d entries but column 0 has %d; expected one entry per token in every column", k, len(col), n)
			}
		}
		// Column by column, which reads memory in order; a token line is
		// blank only if its first field is, so that is checked apart.
		last := len(s.Columns) - 1
		blankFirst := false
		for k, col := range s.Columns {
			for t, f := range col {
				if f == "" {
					return false, fail(t, "column %d (%s) is empty; CoNLL cannot represent empty fields, expected a non-empty value", k, c.Columns.Name(k))
				}
				var cls uint8
				for j := 0; j < len(f); j++ {
					cls |= byteClass[f[j]]
				}
				if cls&classBreak != 0 {
					return false, fail(t, "column %d (%s) is %q; expected a value without TABs or line breaks", k, c.Columns.Name(k), f)
				}
				if cls&classSpace != 0 {
					tabs = true
				}
				if k == 0 && cls&classVisible == 0 {
					blankFirst = true
				}
				if k == last && (f[len(f)-1] == ' ' || f[len(f)-1] == '\r') {
					return false, fail(t, "last column (%s) is %q; expected no trailing space or CR, which readers trim", c.Columns.Name(k), f)
				}
				if k > 0 {
					continue
				}
				if f == DocStartToken {
					return false, fail(t, "column 0 is %s; expected a token, not a document marker", DocStartToken)
				}
				if last == 0 {
					for _, pre := range DefaultMetaPrefixes {
						if strings.HasPrefix(f, pre) {
							return false, fail(t, "token %q of a single-column corpus reads as a metadata line; expected a token not starting with %q", f, pre)
						}
					}
				}
			}
		}
		for t := 0; blankFirst && t < n; t++ {
			blank := true
			for _, col := range s.Columns {
				if !isBlank(col[t]) {
					blank = false
					break
				}
			}
			if blank {
				return false, fail(t, "every column is blank; expected a token line, which must hold more than whitespace")
			}
		}
	}
	for d := range c.Docs {
		fields := c.Docs[d].Fields
		if len(fields) == 0 || fields[0] != DocStartToken {
			return false, &ParseError{Path: c.name(), Line: c.Docs[d].Line, Msg: fmt.Sprintf("document %d: fields %q; expected %s first", d+1, fields, DocStartToken)}
		}
		for k, f := range fields {
			if f == "" || strings.ContainsAny(f, "\t\n") || k == len(fields)-1 && (f[len(f)-1] == ' ' || f[len(f)-1] == '\r') {
				return false, &ParseError{Path: c.name(), Line: c.Docs[d].Line, Msg: fmt.Sprintf("document %d: field %q; expected a non-empty value without TABs or line breaks (nor a trailing space or CR at the end of the line)", d+1, f)}
			}
			if strings.IndexByte(f, ' ') >= 0 {
				tabs = true
			}
		}
	}
	return tabs, nil
}
