package tokenize

import "unicode"

// bertNormalizer is BERT's text normalisation (Hugging Face's
// BertNormalizer, the first half of the original BasicTokenizer), in its
// order: clean the text, put spaces around CJK ideographs, strip accents,
// lower-case.
type bertNormalizer struct {
	cleanText    bool // drop control characters, every whitespace becomes ' '
	chineseChars bool // each CJK ideograph becomes a word of its own
	stripAccents bool // NFD, then drop non-spacing marks
	lowercase    bool
}

func (n bertNormalizer) apply(cs chars) chars {
	if n.cleanText {
		out := cs[:0:0]
		for _, c := range cs {
			switch {
			case c.r == 0 || c.r == 0xFFFD || isControl(c.r):
			case isSpace(c.r):
				out = append(out, char{' ', c.start, c.end})
			default:
				out = append(out, c)
			}
		}
		cs = out
	}
	if n.chineseChars {
		out := make(chars, 0, len(cs))
		for _, c := range cs {
			if isCJK(c.r) {
				// The spaces only separate; the pre-tokenizer drops them.
				out = append(out, char{' ', c.start, c.end}, c, char{' ', c.start, c.end})
			} else {
				out = append(out, c)
			}
		}
		cs = out
	}
	if n.stripAccents {
		cs = stripMarks(cs.nfd())
	}
	if n.lowercase {
		cs = lower(cs)
	}
	return cs
}

// stripMarks drops non-spacing marks (the accents NFD separates).
func stripMarks(cs chars) chars {
	out := cs[:0:0]
	for _, c := range cs {
		if c.r < 0x300 || !unicode.Is(unicode.Mn, c.r) { // no mark below U+0300
			out = append(out, c)
		}
	}
	return out
}

// bertPreTokenize splits a normalised text into words as BERT does:
// whitespace separates words and is dropped, every punctuation character
// is a word of its own.
func bertPreTokenize(cs chars) []chars {
	var words []chars
	start := -1
	flush := func(i int) {
		if start >= 0 {
			words = append(words, cs[start:i])
			start = -1
		}
	}
	for i, c := range cs {
		switch {
		case isSpace(c.r):
			flush(i)
		case isPunct(c.r):
			flush(i)
			words = append(words, cs[i:i+1])
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(cs))
	return words
}
