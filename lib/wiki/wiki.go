// Package wiki reads knowledge corpora — WikiExtractor output, MediaWiki
// XML dumps, JSONL and plain text — as articles of plain paragraphs, and
// keeps the links their text holds as anchors: which words of a
// paragraph link to which article. Retrieval (lib/retrieve) cuts the
// paragraphs into passages; CoFEE's first stage takes the anchors as
// entity spans. The package is plain Go: it never touches libtorch.
package wiki

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Article is one document of a knowledge corpus: a title, its paragraphs
// of plain text and the links in them.
type Article struct {
	ID, Title, URL string
	Paragraphs     []string
	// Anchors are the article's links, in the order their text occurs
	// (a link inside another link's label follows it).
	Anchors []Anchor
	Source  string // file it came from
	Line    int    // where it starts in Source (for XML dumps: the line of its <page>)
}

// Anchor is a link in an article's text.
//
// Start and End are byte offsets (not runes) into
// Paragraphs[Paragraph], so that Paragraphs[Paragraph][Start:End] ==
// Text: Go slices strings by bytes, and a caller that needs runes counts
// them with utf8.RuneCountInString on the prefix. Text never starts or
// ends with white space and is never empty.
//
// Target is the linked article's title as the link names it, URL-decoded
// (WikiExtractor writes it escaped), with "_" read as a space, the
// section after "#" dropped and the first letter upper-cased, as
// MediaWiki resolves titles; a link to a section of the same article
// keeps its "#section".
type Anchor struct {
	Paragraph int    `json:"paragraph"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Text      string `json:"text"`
	Target    string `json:"target"`
}

// Formats of knowledge corpora.
const (
	FormatWikiExtractor = "wikiextractor" // <doc id url title> ... </doc>, links as <a href="…">…</a> when --links kept them
	FormatJSONL         = "jsonl"         // {"title": ..., "text": ...} per line (id optional)
	FormatText          = "text"          // one passage per line
	FormatMediaWiki     = "mediawiki"     // a Wikipedia XML dump (pages-articles)
)

// FormatAuto asks Open to detect the format; the commands' format flags
// offer it beside Formats.
const FormatAuto = "auto"

// Formats lists the corpus formats Open reads.
var Formats = []string{FormatWikiExtractor, FormatJSONL, FormatText, FormatMediaWiki}

// Reader streams the articles of a corpus file.
type Reader interface {
	// Next returns the next article, or io.EOF after the last. Errors
	// name the file and line.
	Next() (*Article, error)
	Close() error
}

// Open opens a corpus file in format ("" or "auto" detects it: .jsonl is JSONL,
// .xml a MediaWiki dump, a file starting with <doc WikiExtractor output,
// anything else plain text). .bz2 and .gz files are decompressed as they
// are read.
func Open(path, format string) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var r io.Reader = f
	name := path
	switch {
	case strings.HasSuffix(name, ".bz2"):
		r, name = bzip2.NewReader(f), strings.TrimSuffix(name, ".bz2")
	case strings.HasSuffix(name, ".gz"):
		gz, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r, name = gz, strings.TrimSuffix(name, ".gz")
	}
	br := bufio.NewReaderSize(r, 1<<20)
	if format == "" || format == FormatAuto {
		if format, err = detect(name, br); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return newReader(path, format, br, f)
}

// NewReader reads a corpus in format (not "") from r; name is what errors
// call it.
func NewReader(name, format string, r io.Reader) (Reader, error) {
	return newReader(name, format, r, io.NopCloser(nil))
}

func newReader(path, format string, r io.Reader, closer io.Closer) (Reader, error) {
	switch format {
	case FormatWikiExtractor:
		return &docReader{lineReader: newLineReader(path, r), closer: closer}, nil
	case FormatJSONL:
		return &jsonlReader{lineReader: newLineReader(path, r), closer: closer}, nil
	case FormatText:
		return &textReader{lineReader: newLineReader(path, r), closer: closer}, nil
	case FormatMediaWiki:
		return newDumpReader(path, r, closer), nil
	}
	closer.Close()
	return nil, fmt.Errorf("%s: unknown corpus format %q; expected one of %s", path, format, strings.Join(Formats, ", "))
}

// detect guesses a file's format from its name and first bytes.
func detect(name string, br *bufio.Reader) (string, error) {
	switch {
	case strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson"):
		return FormatJSONL, nil
	case strings.HasSuffix(name, ".xml"):
		return FormatMediaWiki, nil
	}
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	h := strings.TrimLeft(string(head), " \t\r\n\ufeff")
	switch {
	case strings.HasPrefix(h, "<doc "):
		return FormatWikiExtractor, nil
	case strings.HasPrefix(h, "<mediawiki"), strings.HasPrefix(h, "<?xml"):
		return FormatMediaWiki, nil
	case strings.HasPrefix(h, "{"):
		return FormatJSONL, nil
	}
	return FormatText, nil
}

// lineReader reads lines and counts them.
type lineReader struct {
	path string
	sc   *bufio.Scanner
	line int
}

func newLineReader(path string, r io.Reader) lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	return lineReader{path: path, sc: sc}
}

// next returns the next line without its line ending.
func (l *lineReader) next() (string, bool, error) {
	if !l.sc.Scan() {
		if err := l.sc.Err(); err != nil {
			return "", false, fmt.Errorf("%s:%d: %w", l.path, l.line+1, err)
		}
		return "", false, nil
	}
	l.line++
	return strings.TrimRight(l.sc.Text(), "\r"), true, nil
}

func (l *lineReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", l.path, l.line, fmt.Sprintf(format, args...))
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
