package tokenize

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// basicWords splits text into words as BERT's basic tokenizer does before
// WordPiece (Hugging Face's BertNormalizer and BertPreTokenizer): control
// characters and U+FFFD dropped, white space of any kind separating
// words, every CJK ideograph and every punctuation character a word of its
// own, and with lowercase the text lower-cased and stripped of accents
// (NFD, then combining marks removed). The vocabulary trainer counts
// these words, so that the vocabulary it makes covers what a BERT
// tokenizer with the same do_lower_case setting feeds to WordPiece.
func basicWords(text string, lowercase bool) []string {
	if lowercase {
		text = stripAccents(strings.ToLower(text))
	}
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range text {
		switch {
		case r == 0 || r == unicode.ReplacementChar || isControlChar(r):
			// dropped, as BERT's _clean_text drops them
		case isSpaceChar(r):
			flush()
		case isCJK(r) || isPunctChar(r):
			flush()
			words = append(words, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return words
}

// stripAccents removes combining marks after canonical decomposition
// (é → e).
func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSpaceChar is BERT's _is_whitespace: the ASCII spaces and category Zs.
func isSpaceChar(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || unicode.Is(unicode.Zs, r)
}

// isControlChar is BERT's _is_control: categories Cc and Cf, except the
// white space characters tab, newline and carriage return.
func isControlChar(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf)
}

// isPunctChar is BERT's _is_punctuation: every non-alphanumeric ASCII
// character ($, ^, ` and the like too) and Unicode's P categories.
func isPunctChar(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return unicode.IsPunct(r)
}

// isCJK is BERT's _is_chinese_char: the CJK Unified Ideographs blocks and
// their extensions and compatibility blocks (not Hiragana, Katakana or
// Hangul, which are written with spaces).
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) || (r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}
