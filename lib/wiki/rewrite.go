package wiki

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// rewrite builds an edited copy of src piece by piece, in order: ranges
// of src copied as they are and ranges replaced by other text. It keeps
// the pieces, so that an offset into src can be carried into the copy.
type rewrite struct {
	src  string
	out  strings.Builder
	at   int // src[:at] is done
	segs []segment
}

// segment is a piece of a rewrite: src[in0:in1] became out[out0:out1].
type segment struct {
	in0, in1, out0, out1 int
	copied               bool
}

// copy copies src from where the rewrite is up to to.
func (w *rewrite) copy(to int) {
	if to <= w.at {
		return
	}
	n := w.out.Len()
	w.segs = append(w.segs, segment{w.at, to, n, n + to - w.at, true})
	w.out.WriteString(w.src[w.at:to])
	w.at = to
}

// replace replaces src from where the rewrite is up to to with with.
func (w *rewrite) replace(to int, with string) {
	if to <= w.at && with == "" {
		return
	}
	n := w.out.Len()
	w.segs = append(w.segs, segment{w.at, max(to, w.at), n, n + len(with), false})
	w.out.WriteString(with)
	w.at = max(to, w.at)
}

// carry returns where offset p of src is in the copy. Inside a replaced
// range an anchor's start goes to the replacement's start and its end to
// the replacement's end, so a replaced range is in an anchor or out of it
// whole.
func (w *rewrite) carry(p int, end bool) int {
	i := sort.Search(len(w.segs), func(i int) bool { return w.segs[i].in1 > p || end && w.segs[i].in1 >= p })
	for i < len(w.segs) && w.segs[i].in0 == w.segs[i].in1 {
		i++ // an insertion holds no offset of src
	}
	if i == len(w.segs) {
		return w.out.Len()
	}
	s := w.segs[i]
	switch {
	case s.copied:
		return s.out0 + max(p-s.in0, 0)
	case end:
		return s.out1
	}
	return s.out0
}

// link is a link's span in a text being rewritten.
type link struct {
	start, end int
	target     string
}

// anchored is a text with the spans of its links.
type anchored struct {
	s     string
	links []link
}

// apply replaces the text by w's copy of it and carries the links there;
// a link that lost its text is dropped.
func (t *anchored) apply(w *rewrite) {
	kept := t.links[:0]
	for _, l := range t.links {
		l.start, l.end = w.carry(l.start, false), w.carry(l.end, true)
		if l.start < l.end {
			kept = append(kept, l)
		}
	}
	t.s, t.links = w.out.String(), kept
}

// paragraphs splits the text at newlines and places each link in its
// paragraph; a link across paragraphs is dropped.
func (t *anchored) paragraphs() ([]string, []Anchor) {
	if t.s == "" {
		return nil, nil
	}
	paras := strings.Split(t.s, "\n")
	starts := make([]int, len(paras))
	for i, off := 0, 0; i < len(paras); i++ {
		starts[i] = off
		off += len(paras[i]) + 1
	}
	var anchors []Anchor
	for _, l := range t.links {
		i := sort.SearchInts(starts, l.start+1) - 1
		a, b := l.start-starts[i], l.end-starts[i]
		if a == len(paras[i]) && i+1 < len(paras) { // starts at the newline
			i, a, b = i+1, 0, b-len(paras[i])-1
		}
		if a < 0 || b > len(paras[i]) || a >= b {
			continue
		}
		anchors = append(anchors, Anchor{Paragraph: i, Start: a, End: b, Target: l.target})
	}
	return paras, tidy(paras, anchors)
}

// deleteMatches deletes re's matches from s, all but the submatch keep
// (0: the whole match goes).
func deleteMatches(s string, re *regexp.Regexp, keep int) *rewrite {
	w := &rewrite{src: s}
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		w.copy(m[0])
		if keep > 0 && m[2*keep] >= 0 {
			w.replace(m[2*keep], "")
			w.copy(m[2*keep+1])
		}
		w.replace(m[1], "")
	}
	w.copy(len(s))
	return w
}

// unescapeEntities decodes s's HTML entities as html.UnescapeString does.
// An entity never reaches past the next "&", so s is decoded in pieces
// that start at one; in a piece that changed, what follows the entity is
// the longest common ending of the piece and its decoding.
func unescapeEntities(s string) *rewrite {
	w := &rewrite{src: s}
	for i := strings.IndexByte(s, '&'); i >= 0; {
		end, next := len(s), -1
		if k := strings.IndexByte(s[i+1:], '&'); k >= 0 {
			end = i + 1 + k
			next = end
		}
		piece := s[i:end]
		if out := html.UnescapeString(piece); out != piece {
			k := 0
			for k < len(out) && k < len(piece)-1 && out[len(out)-1-k] == piece[len(piece)-1-k] {
				k++
			}
			w.copy(i)
			w.replace(end-k, out[:len(out)-k])
		}
		i = next
	}
	w.copy(len(s))
	return w
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }
