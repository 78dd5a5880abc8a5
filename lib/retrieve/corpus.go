// Package retrieve is nerlab's retrieval for CLNER-style context views:
// knowledge corpora read as articles and split into passages, an on-disk
// index to search them, retrieval with re-ranking for each sentence, and
// the context-view files the tagger trains on.
package retrieve

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Article is one document of a knowledge corpus: a title and its
// paragraphs of plain text.
type Article struct {
	ID, Title, URL string
	Paragraphs     []string
	Source         string // file it came from
	Line           int    // where it starts in Source (0 for XML dumps)
}

// Formats of knowledge corpora.
const (
	FormatWikiExtractor = "wikiextractor" // <doc id url title> ... </doc>
	FormatJSONL         = "jsonl"         // {"title": ..., "text": ...} per line (id optional)
	FormatText          = "text"          // one passage per line
	FormatMediaWiki     = "mediawiki"     // a Wikipedia XML dump (pages-articles)
)

// Formats lists the corpus formats Open reads.
var Formats = []string{FormatWikiExtractor, FormatJSONL, FormatText, FormatMediaWiki}

// ArticleReader streams the articles of a corpus file.
type ArticleReader interface {
	// Next returns the next article, or io.EOF after the last. Errors
	// name the file and line.
	Next() (*Article, error)
	Close() error
}

// Open opens a corpus file in format ("" detects it: .jsonl is JSONL,
// .xml a MediaWiki dump, a file starting with <doc WikiExtractor output,
// anything else plain text). .bz2 and .gz files are decompressed as they
// are read.
func Open(path, format string) (ArticleReader, error) {
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
	if format == "" {
		if format, err = detect(name, br); err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	switch format {
	case FormatWikiExtractor:
		return &docReader{lineReader: newLineReader(path, br), closer: f}, nil
	case FormatJSONL:
		return &jsonlReader{lineReader: newLineReader(path, br), closer: f}, nil
	case FormatText:
		return &textReader{lineReader: newLineReader(path, br), closer: f}, nil
	case FormatMediaWiki:
		return newDumpReader(path, br, f), nil
	}
	f.Close()
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

// docHeader is WikiExtractor's article header.
var docHeader = regexp.MustCompile(`^<doc id="([^"]*)" url="([^"]*)" title="(.*)">$`)

// docReader reads WikiExtractor output: <doc id url title>, the title
// line, paragraphs one per line, </doc>.
type docReader struct {
	lineReader
	closer io.Closer
}

func (d *docReader) Next() (*Article, error) {
	var a *Article
	for {
		line, ok, err := d.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			if a != nil {
				return nil, fmt.Errorf("%s:%d: article %q (line %d) has no </doc>", d.path, d.line, a.Title, a.Line)
			}
			return nil, io.EOF
		}
		switch {
		case a == nil:
			if strings.TrimSpace(line) == "" {
				continue
			}
			m := docHeader.FindStringSubmatch(line)
			if m == nil {
				return nil, d.errorf("expected <doc id=\"…\" url=\"…\" title=\"…\">, found %q", clip(line))
			}
			a = &Article{ID: m[1], URL: m[2], Title: m[3], Source: d.path, Line: d.line}
		case line == "</doc>":
			return a, nil
		case strings.HasPrefix(line, "<doc "):
			return nil, d.errorf("a new <doc> inside article %q (line %d), which has no </doc>", a.Title, a.Line)
		default:
			t := strings.TrimSpace(line)
			// The first body line repeats the title; section headings are
			// lines of their own ("History.") and not text.
			if t == "" || (len(a.Paragraphs) == 0 && t == a.Title) || isHeading(t) {
				continue
			}
			a.Paragraphs = append(a.Paragraphs, t)
		}
	}
}

func (d *docReader) Close() error { return d.closer.Close() }

// jsonlReader reads one {"title", "text"} object per line; text is split
// into paragraphs at blank lines (or newlines).
type jsonlReader struct {
	lineReader
	closer io.Closer
}

func (j *jsonlReader) Next() (*Article, error) {
	for {
		line, ok, err := j.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, io.EOF
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec struct {
			ID    json.RawMessage `json:"id"`
			Title *string         `json:"title"`
			Text  *string         `json:"text"`
			URL   string          `json:"url"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, j.errorf("%v; expected a JSON object with title and text", err)
		}
		if rec.Text == nil {
			return nil, j.errorf("no \"text\"; expected a JSON object with title and text")
		}
		a := &Article{URL: rec.URL, Source: j.path, Line: j.line, ID: strings.Trim(string(rec.ID), `"`)}
		if rec.Title != nil {
			a.Title = *rec.Title
		}
		if a.ID == "" || a.ID == "null" {
			a.ID = fmt.Sprintf("%d", j.line)
		}
		for _, p := range strings.Split(*rec.Text, "\n") {
			if p = strings.TrimSpace(p); p != "" {
				a.Paragraphs = append(a.Paragraphs, p)
			}
		}
		return a, nil
	}
}

func (j *jsonlReader) Close() error { return j.closer.Close() }

// textReader reads one passage per line, each its own article.
type textReader struct {
	lineReader
	closer io.Closer
}

func (t *textReader) Next() (*Article, error) {
	for {
		line, ok, err := t.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, io.EOF
		}
		if p := strings.TrimSpace(line); p != "" {
			return &Article{ID: fmt.Sprintf("%d", t.line), Paragraphs: []string{p}, Source: t.path, Line: t.line}, nil
		}
	}
}

func (t *textReader) Close() error { return t.closer.Close() }

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
