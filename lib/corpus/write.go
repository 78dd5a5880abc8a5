package corpus

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/nerlab/nerlab/lib/safefile"
)

// Write writes c in CoNLL columns: -DOCSTART- lines (each followed by a
// blank line) where documents begin, metadata lines, then one token per
// line and a blank line after each sentence. Columns are joined with
// c.Separator; when a field contains a space the whole file uses TABs so
// that it reads back the same. Reading the output gives back the same
// sentences, columns, documents and metadata.
func Write(w io.Writer, c *Corpus) error {
	sep := c.Separator
	if sep != ' ' || needsTabs(c) {
		sep = '\t'
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	doc := 0
	writeDocs := func(before int) {
		for doc < len(c.Docs) && c.Docs[doc].Before <= before {
			writeFields(bw, c.Docs[doc].Fields, sep)
			bw.WriteString("\n")
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
		for t := 0; t < s.Len(); t++ {
			for k := range s.Columns {
				if k > 0 {
					bw.WriteByte(sep)
				}
				f := s.Columns[k][t]
				if f == "" {
					return fmt.Errorf("%s: sentence %d token %d: column %d is empty; CoNLL cannot represent empty fields", c.name(), i+1, t+1, k)
				}
				bw.WriteString(f)
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

func writeFields(bw *bufio.Writer, fields []string, sep byte) {
	for k, f := range fields {
		if k > 0 {
			bw.WriteByte(sep)
		}
		bw.WriteString(f)
	}
	bw.WriteByte('\n')
}

func needsTabs(c *Corpus) bool {
	for i := range c.Sentences {
		for _, col := range c.Sentences[i].Columns {
			for _, f := range col {
				if strings.IndexByte(f, ' ') >= 0 {
					return true
				}
			}
		}
	}
	return false
}
