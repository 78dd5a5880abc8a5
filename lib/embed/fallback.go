package embed

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

// resolve finds token in index: exactly, then (with fallback) through
// fallbackKeys. how is matchExact, matchFallback or matchMissing.
func resolve[V any](index map[string]V, token string, fallback bool) (v V, how match) {
	if v, ok := index[token]; ok {
		return v, matchExact
	}
	if fallback {
		lower, digits := fallbackKeys(token)
		if lower != "" {
			if v, ok := index[lower]; ok {
				return v, matchFallback
			}
		}
		if digits != "" {
			if v, ok := index[digits]; ok {
				return v, matchFallback
			}
		}
	}
	return v, matchMissing
}

type match int

const (
	matchMissing match = iota
	matchExact
	matchFallback
)
