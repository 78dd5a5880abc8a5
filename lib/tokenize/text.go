package tokenize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// char is one character of a normalised text with the bytes of the
// original text it came from. Normalisation can turn one original
// character into several (NFD, "İ" lower-cased to "i̇", NFKC's "ﬁ" → "fi"):
// each of them keeps the whole original character's span, which is how
// Hugging Face's tokenizers align a normalised string with the original,
// and why a piece's offsets always cover whole original characters.
type char struct {
	r          rune
	start, end int
}

// chars is a text being normalised: its characters and where each came
// from.
type chars []char

// newChars spells text as characters, each with its own bytes. A byte
// that is not valid UTF-8 becomes U+FFFD covering that byte.
func newChars(text string, offset int) chars {
	cs := make(chars, 0, len(text))
	for i, r := range text {
		w := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, w = utf8.DecodeRuneInString(text[i:])
		}
		cs = append(cs, char{r, offset + i, offset + i + w})
	}
	return cs
}

func (cs chars) String() string {
	b := make([]byte, 0, len(cs))
	for _, c := range cs {
		b = utf8.AppendRune(b, c.r)
	}
	return string(b)
}

// span is the original bytes that cs[i:j] came from.
func (cs chars) span(i, j int) (start, end int) {
	return cs[i].start, cs[j-1].end
}

// nfd decomposes canonically (as Unicode's NFD), each character's parts
// keeping its span. Decomposition can reorder combining marks across the
// boundary of one original character; the parts of a reordered run keep
// the span of the run, so no span ever points outside it.
func (cs chars) nfd() chars { return cs.normalize(norm.NFD) }

// nfkc composes compatibility-decomposed characters (Unicode's NFKC).
func (cs chars) nfkc() chars { return cs.normalize(norm.NFKC) }

// normalize applies a Unicode normal form one segment at a time: a
// segment starts at a character that never combines with what precedes
// it (norm's boundary), so the form's output for the segment stands for
// exactly the segment's characters. When the output has as many
// characters as the segment, they correspond one to one (the usual case:
// nothing changes); otherwise each output character gets the span of the
// whole segment, as Hugging Face does for characters a transformation
// produces.
func (cs chars) normalize(f norm.Form) chars {
	out := make(chars, 0, len(cs))
	var buf []byte
	for i := 0; i < len(cs); {
		// ASCII is left alone by every form and starts a segment.
		if cs[i].r < utf8.RuneSelf && (i+1 == len(cs) || cs[i+1].r < utf8.RuneSelf) {
			out = append(out, cs[i])
			i++
			continue
		}
		j := i + 1
		for j < len(cs) && cs[j].r >= utf8.RuneSelf && !f.PropertiesString(string(cs[j].r)).BoundaryBefore() {
			j++
		}
		buf = buf[:0]
		for _, c := range cs[i:j] {
			buf = utf8.AppendRune(buf, c.r)
		}
		res := f.Bytes(buf)
		n := utf8.RuneCount(res)
		if n == j-i {
			k := i
			for _, r := range string(res) {
				out = append(out, char{r, cs[k].start, cs[k].end})
				k++
			}
		} else {
			k := i
			for _, r := range string(res) {
				// A character the form added or merged: it stands for the
				// original characters from the one at its position (or the
				// segment's last) on; decomposition (n > j-i) maps the
				// extra characters to the last original one they follow.
				src := min(k, j-1)
				start, end := cs[src].start, cs[src].end
				if n < j-i && k == i+n-1 {
					end = cs[j-1].end // the last output character absorbs the rest
				}
				out = append(out, char{r, start, end})
				k++
			}
		}
		i = j
	}
	return out
}

// isControl is a character BERT's text cleaning removes: Unicode's "other"
// categories that are assigned (control, format, private use,
// surrogates), except tab, newline and carriage return, which are
// whitespace. Unassigned code points stay, as in Hugging Face's
// tokenizers (checked against them).
func isControl(r rune) bool {
	switch r {
	case '\t', '\n', '\r':
		return false
	}
	if r < utf8.RuneSelf {
		return r < ' ' || r == 0x7f
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}

// isSpace is Unicode's White_Space property (Rust's char::is_whitespace,
// which Hugging Face's tokenizers use).
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || '\t' <= r && r <= '\r'
	}
	return unicode.Is(unicode.White_Space, r)
}

// isPunct is BERT's punctuation: ASCII punctuation (which includes
// symbols such as $ + < = > ^ ` | ~) or any Unicode punctuation category.
func isPunct(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r < 0x7f && !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}
	return unicode.IsPunct(r)
}

// isCJK is a CJK Unified Ideograph (the blocks BERT's basic tokenizer
// treats as words of their own; Hangul and kana are not among them).
func isCJK(r rune) bool {
	return 0x4E00 <= r && r <= 0x9FFF || 0x3400 <= r && r <= 0x4DBF ||
		0x20000 <= r && r <= 0x2A6DF || 0x2A700 <= r && r <= 0x2B73F ||
		0x2B740 <= r && r <= 0x2B81F || 0x2B920 <= r && r <= 0x2CEAF ||
		0xF900 <= r && r <= 0xFAFF || 0x2F800 <= r && r <= 0x2FA1F
}

// lower lower-cases as Rust's char::to_lowercase (Unicode's full
// mapping without context): only U+0130 (İ) maps to two characters.
func lower(cs chars) chars {
	out := make(chars, 0, len(cs))
	for _, c := range cs {
		if c.r == 0x130 {
			out = append(out, char{'i', c.start, c.end}, char{0x307, c.start, c.end})
			continue
		}
		out = append(out, char{unicode.ToLower(c.r), c.start, c.end})
	}
	return out
}
