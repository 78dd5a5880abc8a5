package wordvec

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Vectors are pre-trained word vectors: Words[i]'s vector is
// Values[i*Dim : (i+1)*Dim]. Words are distinct.
type Vectors struct {
	Dim    int
	Words  []string
	Values []float32 // len(Words)*Dim, row-major
}

// Len returns the number of vectors.
func (v *Vectors) Len() int { return len(v.Words) }

// Vector returns the i'th vector (a view into Values, not a copy).
func (v *Vectors) Vector(i int) []float32 { return v.Values[i*v.Dim : (i+1)*v.Dim] }

// Index maps each word to its row.
func (v *Vectors) Index() map[string]int {
	index := make(map[string]int, len(v.Words))
	for i, w := range v.Words {
		index[w] = i
	}
	return index
}

// ReadVectors reads a word-vector text file in word2vec, GloVe or fastText
// format, gzip-compressed or not (recognised by content, not by name):
// an optional "COUNT DIM" header line, then one "word v1 … vDIM" line per
// word, fields separated by spaces or tabs. limit > 0 keeps only the first
// limit vectors; 0 reads all.
//
// Blank lines and trailing spaces (fastText writes them) are ignored, and
// so is CRLF. A word that appears twice keeps its first vector. Malformed
// lines are errors of the form "path:line: what is wrong; what was
// expected": a wrong number of values, a value that is not a finite number,
// a dimension that differs from the header's or the first vector's.
//
// A first line of exactly two integers is read as the header, so a GloVe
// file of 1-dimensional vectors whose first word is a number would be
// misread; real files do not look like that.
func ReadVectors(path string, limit int) (*Vectors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadVectorsFrom(f, path, limit)
}

// ReadVectorsFrom reads vectors from r like ReadVectors; name is used in
// error messages.
func ReadVectorsFrom(r io.Reader, name string, limit int) (*Vectors, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 1<<16)
	}
	p := vectorParser{name: name, limit: limit, seen: map[string]bool{}}
	if err := p.run(br); err != nil {
		return nil, err
	}
	if len(p.vecs.Words) == 0 {
		return nil, fmt.Errorf("%s: no vectors found; expected lines of a word followed by its values", name)
	}
	return &p.vecs, nil
}

// vectorParser holds the state of one ReadVectorsFrom call.
type vectorParser struct {
	name    string
	limit   int
	vecs    Vectors
	seen    map[string]bool
	fields  []string // reused between lines
	dimFrom string   // where Dim came from, for error messages
	started bool     // a non-blank line has been read (so a header is no longer possible)
}

// maxPrealloc bounds the float32s reserved up front from a header's
// counts, so that a lying header cannot exhaust memory.
const maxPrealloc = 1 << 25

func (p *vectorParser) run(br *bufio.Reader) error {
	var buf []byte
	for lineNo := 1; ; lineNo++ {
		line, err := readLine(br, buf[:0])
		buf = line
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s:%d: %w", p.name, lineNo, err)
		}
		if len(line) > 0 || err == nil {
			if perr := p.line(string(line), lineNo); perr != nil {
				return perr
			}
			if p.limit > 0 && len(p.vecs.Words) >= p.limit {
				return nil
			}
		}
		if err != nil { // io.EOF
			return nil
		}
	}
}

// readLine appends the next line of br to buf without its line ending.
// A final line without a newline comes back with io.EOF.
func readLine(br *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil {
			buf = buf[:len(buf)-1]
		}
		buf = bytes.TrimSuffix(buf, []byte{'\r'})
		return buf, err
	}
}

func (p *vectorParser) line(line string, lineNo int) error {
	fields := splitFields(p.fields[:0], line)
	p.fields = fields
	if len(fields) == 0 {
		return nil
	}
	if !p.started {
		p.started = true
		if count, dim, ok := parseHeader(fields); ok {
			p.vecs.Dim = dim
			p.dimFrom = fmt.Sprintf("given by the header on line %d", lineNo)
			p.reserve(count, dim)
			return nil
		}
	}
	word, values := fields[0], fields[1:]
	if p.vecs.Dim == 0 {
		if len(values) == 0 {
			return fmt.Errorf("%s:%d: word %q has no values; expected a word followed by its vector", p.name, lineNo, clip(word))
		}
		p.vecs.Dim = len(values)
		p.dimFrom = fmt.Sprintf("of the first vector, line %d", lineNo)
	}
	if len(values) != p.vecs.Dim {
		return fmt.Errorf("%s:%d: word %q has %d values; expected %d (the dimension %s)",
			p.name, lineNo, clip(word), len(values), p.vecs.Dim, p.dimFrom)
	}
	if p.seen[word] {
		return nil
	}
	for i, s := range values {
		x, err := strconv.ParseFloat(s, 32)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("%s:%d: value %d of word %q is %q; expected a finite decimal number",
				p.name, lineNo, i+1, clip(word), clip(s))
		}
		p.vecs.Values = append(p.vecs.Values, float32(x))
	}
	// Clone: word is a substring of the whole line, which it would keep alive.
	word = strings.Clone(word)
	p.seen[word] = true
	p.vecs.Words = append(p.vecs.Words, word)
	return nil
}

// reserve preallocates for the vectors a header announces, within limits.
func (p *vectorParser) reserve(count, dim int) {
	if p.limit > 0 && count > p.limit {
		count = p.limit
	}
	if count > 0 && dim <= maxPrealloc/count {
		p.vecs.Values = make([]float32, 0, count*dim)
		p.vecs.Words = make([]string, 0, count)
	}
}

// parseHeader recognises a "COUNT DIM" line.
func parseHeader(fields []string) (count, dim int, ok bool) {
	if len(fields) != 2 {
		return 0, 0, false
	}
	count, err1 := strconv.Atoi(fields[0])
	dim, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil || count < 0 || dim < 1 {
		return 0, 0, false
	}
	return count, dim, true
}

// splitFields appends the fields of line to fields. It splits on ASCII
// spaces and tabs only: vector files contain words such as U+00A0 that
// strings.Fields would treat as separators.
func splitFields(fields []string, line string) []string {
	start := -1
	for i := 0; i < len(line); i++ {
		if c := line[i]; c == ' ' || c == '\t' {
			if start >= 0 {
				fields = append(fields, line[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		fields = append(fields, line[start:])
	}
	return fields
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// StdDev is the population standard deviation of xs (0 when empty): the
// scale of a set of vectors, which new random rows should match.
func StdDev(xs []float32) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum, sumSq float64
	for _, x := range xs {
		sum += float64(x)
		sumSq += float64(x) * float64(x)
	}
	mean := sum / float64(len(xs))
	return math.Sqrt(math.Max(0, sumSq/float64(len(xs))-mean*mean))
}
