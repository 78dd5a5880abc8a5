package lab

import (
	"context"
	"fmt"
	"strings"
)

// splitWords splits a command line into words: whitespace separates,
// single and double quotes group, backslash escapes the next character.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if escaped {
		return nil, fmt.Errorf("line ends with a backslash")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// ExecLine splits a command line (as typed in the REPL or a script) into
// words and runs it.
func (l *Lab) ExecLine(ctx context.Context, env *Env, line string) error {
	words, err := splitWords(line)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if len(words) == 0 {
		return nil
	}
	return l.Exec(ctx, env, words)
}
