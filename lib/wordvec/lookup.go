package wordvec

import (
	"strings"
	"unicode"
)

// fallbackKeys returns the keys a token is looked up under after its exact
// form, in order: its lowercase form, then the lowercase form with every
// digit replaced by '0' (flair's order; it also tries '#' for digits, which
// nerlab's vectors never contain). Keys equal to an earlier one are left out.
func fallbackKeys(token string) (lower, digits string) {
	lower = strings.ToLower(token)
	digits = zeroDigits(lower)
	if lower == token {
		lower = ""
	}
	if digits == token || digits == lower {
		digits = ""
	}
	return lower, digits
}

// zeroDigits replaces every decimal digit (any script, as Python's \d)
// with '0'.
func zeroDigits(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsDigit(r) && r != '0' }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return '0'
		}
		return r
	}, s)
}

// Lookup finds token in index (a word → value map, such as Vectors.Index):
// exactly, then, with fallback, under its lowercase form and then its
// lowercase form with digits as '0' (flair's order). how says which.
func Lookup[V any](index map[string]V, token string, fallback bool) (v V, how Match) {
	if v, ok := index[token]; ok {
		return v, Exact
	}
	if fallback {
		lower, digits := fallbackKeys(token)
		if lower != "" {
			if v, ok := index[lower]; ok {
				return v, Fallback
			}
		}
		if digits != "" {
			if v, ok := index[digits]; ok {
				return v, Fallback
			}
		}
	}
	return v, Missing
}

// Match says how Lookup found a token.
type Match int

const (
	Missing  Match = iota // not found
	Exact                 // under its own form
	Fallback              // under its lowercase or digit-normalised form
)
