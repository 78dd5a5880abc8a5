package wiki

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// linkOpen starts a link as WikiExtractor writes it with --links:
// <a href="URL-escaped target">text</a>.
const (
	linkOpen  = `<a href="`
	linkClose = "</a>"
)

// linkedText trims a line of text and takes WikiExtractor's links out of
// it: the link's text stays, and an anchor records where it is and what
// it links to. A line without links comes back trimmed and otherwise as it
// was. An opening tag that is not exactly <a href="…"> is text, not a
// link. A link without </a> on its line, one inside another, or one whose
// target is not URL-escaped is an error when strict (WikiExtractor's
// output, where the markup is the format and such a line means a broken
// file); otherwise its opening tag is text like any other, and reading
// goes on after it (a line of a plain-text or JSONL knowledge corpus may
// hold markup that was never a link, and it is indexed as it is).
func linkedText(line string, strict bool) (string, []Anchor, error) {
	line = strings.TrimSpace(line)
	if !strings.Contains(line, linkOpen) {
		return line, nil, nil
	}
	var b strings.Builder
	var anchors []Anchor
	rest := line
	for {
		i := strings.Index(rest, linkOpen)
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		tag := rest[i:]
		q := strings.IndexByte(tag[len(linkOpen):], '"')
		if q < 0 || !strings.HasPrefix(tag[len(linkOpen)+q+1:], ">") {
			b.WriteString(linkOpen) // not a link: kept as text
			rest = tag[len(linkOpen):]
			continue
		}
		href := tag[len(linkOpen) : len(linkOpen)+q]
		body := tag[len(linkOpen)+q+2:]
		end := strings.Index(body, linkClose)
		var label, target string
		var err error
		switch {
		case end < 0:
			err = fmt.Errorf("link %s%s\"> has no %s on its line", linkOpen, clip(href), linkClose)
		case strings.Contains(body[:end], linkOpen):
			err = fmt.Errorf("a link inside the text of link %s%s\">; expected %s first", linkOpen, clip(href), linkClose)
		default:
			label = body[:end]
			if target, err = url.PathUnescape(href); err != nil {
				err = fmt.Errorf("link target %q: %v; expected a URL-escaped title", clip(href), err)
			}
		}
		if err != nil {
			if strict {
				return "", nil, err
			}
			b.WriteString(linkOpen) // malformed: the tag is kept as text
			rest = tag[len(linkOpen):]
			continue
		}
		start := b.Len()
		b.WriteString(label)
		anchors = append(anchors, Anchor{Start: start, End: b.Len(), Target: NormalizeTarget(target)})
		rest = body[end+len(linkClose):]
	}
	text, anchors := trimAnchored(b.String(), anchors)
	return text, tidy([]string{text}, anchors), nil
}

// trimAnchored trims white space off text and moves the anchors with it.
func trimAnchored(text string, anchors []Anchor) (string, []Anchor) {
	left := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	t := strings.TrimSpace(text)
	for i := range anchors {
		anchors[i].Start = min(max(anchors[i].Start-left, 0), len(t))
		anchors[i].End = min(max(anchors[i].End-left, 0), len(t))
	}
	return t, anchors
}

// tidy trims white space off the anchors' ends, drops the empty ones and
// fills in their Text from their paragraphs.
func tidy(paras []string, anchors []Anchor) []Anchor {
	out := anchors[:0]
	for _, an := range anchors {
		p := paras[an.Paragraph]
		for an.Start < an.End {
			r, n := utf8.DecodeRuneInString(p[an.Start:an.End])
			if !unicode.IsSpace(r) {
				break
			}
			an.Start += n
		}
		for an.Start < an.End {
			r, n := utf8.DecodeLastRuneInString(p[an.Start:an.End])
			if !unicode.IsSpace(r) {
				break
			}
			an.End -= n
		}
		if an.Start < an.End {
			an.Text = p[an.Start:an.End]
			out = append(out, an)
		}
	}
	return out
}

// NormalizeTarget returns a link target as MediaWiki resolves it to a
// title: "_" is a space, runs of spaces are one, the section after "#" is
// dropped (unless the link is to a section of its own article, "#History")
// and the first letter is upper case.
func NormalizeTarget(t string) string {
	t = strings.Join(strings.Fields(strings.ReplaceAll(t, "_", " ")), " ")
	if k := strings.IndexByte(t, '#'); k > 0 {
		t = strings.TrimSpace(t[:k])
	}
	r, n := utf8.DecodeRuneInString(t)
	if n > 0 && r != utf8.RuneError && unicode.IsLower(r) {
		t = string(unicode.ToUpper(r)) + t[n:]
	}
	return t
}
