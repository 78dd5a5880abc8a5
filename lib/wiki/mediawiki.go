package wiki

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
// their wikitext reduced to plain paragraphs and their [[links]] kept as
// anchors.
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
		paras, anchors := Wikitext(p.Text)
		if len(paras) == 0 {
			continue
		}
		return &Article{ID: p.ID, Title: p.Title, Paragraphs: paras, Anchors: anchors, Source: d.path, Line: line}, nil
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
)

// mediaPrefixes are link namespaces whose links are media or categories,
// dropped with their captions.
var mediaPrefixes = []string{"file:", "image:", "category:", "media:"}

// StripWikitext reduces MediaWiki markup to plain paragraphs (Wikitext
// without the anchors).
func StripWikitext(src string) []string {
	paras, _ := Wikitext(src)
	return paras
}

// Wikitext reduces MediaWiki markup to plain paragraphs and the anchors
// of its links: comments, references, templates, tables, media and
// category links and HTML are removed; [[target|label]] keeps its label
// and [[target]] its target (without a #section), each an anchor together
// with the lower-case letters that follow it ([[dog]]s is "dogs", as
// MediaWiki shows it); external links keep their label; headings and list
// markers go.
//
// The anchors are found while the markup is taken out: the links are
// replaced first, and every later edit of the text (a tag removed, an
// entity decoded, spaces collapsed, lines joined) moves the anchors'
// offsets with it, so the text is exactly what it would be without them.
func Wikitext(src string) ([]string, []Anchor) {
	s := wikiComment.ReplaceAllString(src, "")
	s = wikiRefPair.ReplaceAllString(s, "")
	s = wikiRefEmpty.ReplaceAllString(s, "")
	s = wikiBlocks.ReplaceAllString(s, "")
	s = removeNested(s, "{{", "}}")
	s = removeNested(s, "{|", "|}")
	var b strings.Builder
	var links []link
	replaceLinks(s, &b, &links)
	t := anchored{s: b.String(), links: links}
	t.apply(deleteMatches(t.s, wikiExtLink, 1))
	t.apply(deleteMatches(t.s, wikiTag, 0))
	t.apply(deleteMatches(t.s, wikiQuotes, 0))
	t.apply(unescapeEntities(t.s))
	t.apply(joinLines(t.s))
	return t.paragraphs()
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

// replaceLinks writes s to b with [[target|label]] turned into label and
// [[target]] into target, and media and category links (whose captions
// may hold links of their own) dropped; it records each link's span in b.
func replaceLinks(s string, b *strings.Builder, links *[]link) {
	for {
		i := strings.Index(s, "[[")
		if i < 0 {
			b.WriteString(s)
			return
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
		closed := depth == 0
		if !closed {
			inner = s[i+2:] // unclosed: keep the text
			j = len(s)
		}
		lower := strings.ToLower(strings.TrimSpace(inner))
		media := false
		for _, p := range mediaPrefixes {
			media = media || strings.HasPrefix(lower, p)
		}
		if !media {
			target := inner
			if k := strings.LastIndex(inner, "|"); k >= 0 {
				target = inner[:strings.Index(inner, "|")]
				inner = inner[k+1:]
			} else if k := strings.Index(inner, "#"); k > 0 {
				inner = inner[:k]
			}
			start := b.Len()
			at := len(*links)
			if closed {
				*links = append(*links, link{start: start})
			}
			replaceLinks(inner, b, links)
			if closed {
				// The link's trail: letters glued to it are part of what it shows.
				trail := 0
				for trail < len(s)-j && s[j+trail] >= 'a' && s[j+trail] <= 'z' {
					trail++
				}
				(*links)[at].end = b.Len() + trail
				(*links)[at].target = NormalizeTarget(html.UnescapeString(target))
			}
		}
		s = s[j:]
	}
}

// joinLines turns the lines of s into paragraphs, one per line of the
// result: blank lines and headings end a paragraph, table rows and magic
// words are dropped, a line loses its list markers and its runs of
// spaces and tabs become one space, and the lines of a paragraph are
// joined with a space.
func joinLines(s string) *rewrite {
	w := &rewrite{src: s}
	inPara, havePara := false, false
	for start := 0; start <= len(s); {
		end := len(s)
		if k := strings.IndexByte(s[start:], '\n'); k >= 0 {
			end = start + k
		}
		line := s[start:end]
		t := strings.TrimSpace(line)
		switch {
		case t == "" || wikiHeading.MatchString(t):
			inPara = false
		case strings.HasPrefix(t, "|") || strings.HasPrefix(t, "!") || strings.HasPrefix(t, "__"):
		default:
			a := len(line) - len(strings.TrimLeftFunc(line, isSpace))
			u := strings.TrimLeft(t, "*#:;")
			a += len(t) - len(u)
			a += len(u) - len(strings.TrimLeftFunc(u, isSpace))
			v := strings.TrimSpace(u)
			if v == "" {
				break
			}
			sep := ""
			if inPara {
				sep = " "
			} else if havePara {
				sep = "\n"
			}
			w.replace(start+a, sep)
			collapseSpaces(w, start+a, start+a+len(v))
			inPara, havePara = true, true
		}
		start = end + 1
	}
	w.replace(len(s), "")
	return w
}

// collapseSpaces copies s[from:to] with each run of spaces and tabs made
// one space.
func collapseSpaces(w *rewrite, from, to int) {
	for i := from; i < to; {
		if c := w.src[i]; c != ' ' && c != '\t' {
			i++
			continue
		}
		j := i
		for j < to && (w.src[j] == ' ' || w.src[j] == '\t') {
			j++
		}
		if j-i > 1 || w.src[i] == '\t' {
			w.copy(i)
			w.replace(j, " ")
		}
		i = j
	}
	w.copy(to)
}
