package retrieve

import (
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
)

// dumpReader streams the articles of a MediaWiki XML dump
// (pages-articles): main-namespace pages that are not redirects, with
// their wikitext reduced to plain paragraphs.
type dumpReader struct {
	path   string
	dec    *xml.Decoder
	closer io.Closer
}

func newDumpReader(path string, r io.Reader, closer io.Closer) *dumpReader {
	return &dumpReader{path: path, dec: xml.NewDecoder(r), closer: closer}
}

type dumpPage struct {
	Title    string    `xml:"title"`
	NS       int       `xml:"ns"`
	ID       string    `xml:"id"`
	Redirect *struct{} `xml:"redirect"`
	Text     string    `xml:"revision>text"`
}

func (d *dumpReader) Next() (*Article, error) {
	for {
		tok, err := d.dec.Token()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, d.wrap(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "page" {
			continue
		}
		line, _ := d.dec.InputPos()
		var p dumpPage
		if err := d.dec.DecodeElement(&p, &se); err != nil {
			return nil, d.wrap(err)
		}
		if p.NS != 0 || p.Redirect != nil || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(p.Text)), "#REDIRECT") {
			continue
		}
		paras := StripWikitext(p.Text)
		if len(paras) == 0 {
			continue
		}
		return &Article{ID: p.ID, Title: p.Title, Paragraphs: paras, Source: d.path, Line: line}, nil
	}
}

func (d *dumpReader) wrap(err error) error {
	line, _ := d.dec.InputPos()
	if se, ok := err.(*xml.SyntaxError); ok {
		return fmt.Errorf("%s:%d: %s", d.path, se.Line, se.Msg)
	}
	return fmt.Errorf("%s:%d: %w", d.path, line, err)
}

func (d *dumpReader) Close() error { return d.closer.Close() }

var (
	wikiComment  = regexp.MustCompile(`(?s)<!--.*?-->`)
	wikiRefPair  = regexp.MustCompile(`(?is)<ref[^>/]*>.*?</ref\s*>`)
	wikiRefEmpty = regexp.MustCompile(`(?is)<ref[^>]*/>`)
	wikiBlocks   = regexp.MustCompile(`(?is)<(math|gallery|timeline|syntaxhighlight|source|pre|score|imagemap|code|chem|hiero)[^>]*>.*?</(math|gallery|timeline|syntaxhighlight|source|pre|score|imagemap|code|chem|hiero)\s*>`)
	wikiTag      = regexp.MustCompile(`(?s)</?[a-zA-Z][^>]*>`)
	wikiExtLink  = regexp.MustCompile(`\[(?:https?|ftp)://[^\s\]]+\s*([^\]]*)\]`)
	wikiQuotes   = regexp.MustCompile(`'{2,5}`)
	wikiHeading  = regexp.MustCompile(`^=+.*=+\s*$`)
	wikiSpaces   = regexp.MustCompile(`[ \t]+`)
)

// mediaPrefixes are link namespaces whose links are media or categories,
// dropped with their captions.
var mediaPrefixes = []string{"file:", "image:", "category:", "media:"}

// StripWikitext reduces MediaWiki markup to plain paragraphs: comments,
// references, templates, tables, media and category links and HTML are
// removed; links keep their label; headings and list markers go.
func StripWikitext(src string) []string {
	s := wikiComment.ReplaceAllString(src, "")
	s = wikiRefPair.ReplaceAllString(s, "")
	s = wikiRefEmpty.ReplaceAllString(s, "")
	s = wikiBlocks.ReplaceAllString(s, "")
	s = removeNested(s, "{{", "}}")
	s = removeNested(s, "{|", "|}")
	s = replaceLinks(s)
	s = wikiExtLink.ReplaceAllString(s, "$1")
	s = wikiTag.ReplaceAllString(s, "")
	s = wikiQuotes.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			flush()
			continue
		case wikiHeading.MatchString(line):
			flush()
			continue
		case strings.HasPrefix(line, "|") || strings.HasPrefix(line, "!") || strings.HasPrefix(line, "__"):
			continue
		}
		line = strings.TrimSpace(strings.TrimLeft(line, "*#:;"))
		line = wikiSpaces.ReplaceAllString(line, " ")
		if line != "" {
			cur = append(cur, line)
		}
	}
	flush()
	return paras
}

// removeNested removes the spans between open and close, nested.
func removeNested(s, open, close string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], open):
			depth++
			i += len(open)
		case depth > 0 && strings.HasPrefix(s[i:], close):
			depth--
			i += len(close)
		default:
			if depth == 0 {
				b.WriteByte(s[i])
			}
			i++
		}
	}
	return b.String()
}

// replaceLinks turns [[target|label]] into label and [[target]] into
// target, and drops media and category links (whose captions may hold
// links of their own).
func replaceLinks(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "[[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		// Find the matching ]] (links nest inside media captions).
		depth, j := 0, i
		for j < len(s) {
			if strings.HasPrefix(s[j:], "[[") {
				depth++
				j += 2
			} else if strings.HasPrefix(s[j:], "]]") {
				depth--
				j += 2
				if depth == 0 {
					break
				}
			} else {
				j++
			}
		}
		inner := s[i+2 : max(i+2, j-2)]
		if depth != 0 {
			inner = s[i+2:] // unclosed: keep the text
			j = len(s)
		}
		lower := strings.ToLower(strings.TrimSpace(inner))
		media := false
		for _, p := range mediaPrefixes {
			media = media || strings.HasPrefix(lower, p)
		}
		if !media {
			if k := strings.LastIndex(inner, "|"); k >= 0 {
				inner = inner[k+1:]
			} else if k := strings.Index(inner, "#"); k > 0 {
				inner = inner[:k]
			}
			b.WriteString(replaceLinks(inner))
		}
		s = s[j:]
	}
}
