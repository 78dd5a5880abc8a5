package wiki

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// docHeader is WikiExtractor's article header.
var docHeader = regexp.MustCompile(`^<doc id="([^"]*)" url="([^"]*)" title="(.*)">$`)

// docReader reads WikiExtractor output: <doc id url title>, the title
// line, paragraphs one per line, </doc>. With --links WikiExtractor keeps
// the links as <a href="target">text</a>; they become anchors.
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
			t, anchors, err := linkedText(line, true)
			if err != nil {
				return nil, d.errorf("%v", err)
			}
			// The first body line repeats the title; section headings are
			// lines of their own ("History.") and not text.
			if t == "" || (len(a.Paragraphs) == 0 && t == a.Title) || isHeading(t) {
				continue
			}
			a.add(t, anchors)
		}
	}
}

func (d *docReader) Close() error { return d.closer.Close() }

// jsonlReader reads one {"title", "text"} object per line; text is split
// into paragraphs at blank lines (or newlines). Links in the text are
// read as WikiExtractor writes them (its --json output); as the format is
// also any knowledge corpus's, malformed link markup is kept as text.
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
		for i, p := range strings.Split(*rec.Text, "\n") {
			t, anchors, err := linkedText(p, false)
			if err != nil {
				return nil, j.errorf("text line %d: %v", i+1, err)
			}
			if t != "" {
				a.add(t, anchors)
			}
		}
		return a, nil
	}
}

func (j *jsonlReader) Close() error { return j.closer.Close() }

// textReader reads one passage per line, each its own article; links are
// read as WikiExtractor writes them, and malformed link markup is kept as
// text (a plain-text corpus is not WikiExtractor's).
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
		p, anchors, err := linkedText(line, false)
		if err != nil {
			return nil, t.errorf("%v", err)
		}
		if p != "" {
			a := &Article{ID: fmt.Sprintf("%d", t.line), Source: t.path, Line: t.line}
			a.add(p, anchors)
			return a, nil
		}
	}
}

func (t *textReader) Close() error { return t.closer.Close() }

// add appends a paragraph and its anchors (offsets into p).
func (a *Article) add(p string, anchors []Anchor) {
	for _, an := range anchors {
		an.Paragraph = len(a.Paragraphs)
		a.Anchors = append(a.Anchors, an)
	}
	a.Paragraphs = append(a.Paragraphs, p)
}

// isHeading reports a WikiExtractor section heading ("History.", "Early
// life and career."): at most five words, ending in the only period of the
// line, with no digits, other punctuation, pronouns or common verbs — which
// a short sentence ("It was founded in 1200.", "Salt is cheap.") has.
func isHeading(p string) bool {
	if !strings.HasSuffix(p, ".") || strings.Count(p, ".") != 1 || strings.ContainsAny(p, ",;:!?0123456789\"()") {
		return false
	}
	words := strings.Fields(strings.TrimSuffix(p, "."))
	if len(words) == 0 || len(words) > 5 {
		return false
	}
	for _, w := range words {
		if sentenceWords[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// sentenceWords mark a line as a sentence rather than a heading.
var sentenceWords = map[string]bool{
	"is": true, "was": true, "are": true, "were": true, "be": true, "been": true, "has": true, "had": true, "have": true,
	"it": true, "he": true, "she": true, "they": true, "we": true, "i": true, "you": true, "this": true, "these": true,
	"its": true, "his": true, "her": true, "their": true, "there": true, "can": true, "will": true, "would": true,
	"does": true, "did": true, "not": true,
}
