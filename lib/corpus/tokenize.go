package corpus

import (
	"strings"
	"unicode"
)

// Tokenize splits raw text into tokens the way CoNLL data is tokenised:
// at white space, with punctuation split off words ("Paris," → "Paris",
// ","), except inside words and numbers ("U.S.", "3.5", "e-mail",
// "don't"), and with English clitics split as the Penn treebank does
// ("don't" → "do", "n't"; "John's" → "John", "'s").
func Tokenize(text string) []string {
	var out []string
	for _, field := range strings.Fields(text) {
		out = appendWord(out, field)
	}
	return out
}

func appendWord(out []string, w string) []string {
	r := []rune(w)
	// Leading punctuation.
	start := 0
	for start < len(r) && isPunct(r[start]) {
		out = append(out, string(r[start]))
		start++
	}
	// Trailing punctuation, kept for after the word. A final period stays on
	// an abbreviation with inner periods ("U.S.").
	end := len(r)
	var tail []string
	for end > start && isPunct(r[end-1]) {
		if r[end-1] == '.' && strings.ContainsRune(string(r[start:end-1]), '.') {
			break
		}
		tail = append(tail, string(r[end-1]))
		end--
	}
	if end > start {
		out = appendClitics(out, string(r[start:end]))
	}
	for i := len(tail) - 1; i >= 0; i-- {
		out = append(out, tail[i])
	}
	return out
}

func appendClitics(out []string, w string) []string {
	lower := strings.ToLower(w)
	if strings.HasSuffix(lower, "n't") && len(w) > 3 {
		return append(out, w[:len(w)-3], w[len(w)-3:])
	}
	for _, c := range []string{"'s", "'re", "'ve", "'ll", "'d", "'m"} {
		if strings.HasSuffix(lower, c) && len(w) > len(c) {
			return append(out, w[:len(w)-len(c)], w[len(w)-len(c):])
		}
	}
	return append(out, w)
}

func isPunct(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}
