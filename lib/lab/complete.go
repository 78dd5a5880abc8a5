package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Candidate is one completion: the text that replaces the word being typed
// and a short description shown beside it.
type Candidate struct {
	Text        string
	Description string
}

// maxPathCandidates bounds a directory listing offered for completion.
const maxPathCandidates = 500

// Complete returns the completions of the word that ends line (the text
// before the cursor) and the byte offset where that word starts: command
// names first, then a command's flags, flag values (choices, files, ...)
// and positional arguments, from the command's own parameter list. A word
// is what follows the last space, as the REPL and Jupyter replace it.
func (l *Lab) Complete(s *Session, line string) ([]Candidate, int) {
	if s == nil {
		s = NewSession()
	}
	start := strings.LastIndexAny(line, " \t") + 1
	cur := line[start:]
	words := completionWords(line[:start])
	if len(words) == 0 {
		var out []Candidate
		for _, c := range l.Commands() {
			out = append(out, Candidate{Text: c.Name, Description: c.Summary})
		}
		return filterCandidates(out, cur), start
	}
	c, ok := l.commands[words[0]]
	if !ok {
		return nil, start
	}
	args := words[1:]
	// A flag that wants a value right before the cursor: complete the value.
	if n := len(args); n > 0 && strings.HasPrefix(args[n-1], "-") && !strings.Contains(args[n-1], "=") {
		if f := c.flag(strings.TrimLeft(args[n-1], "-")); f != nil && f.Kind != Bool {
			return paramCandidates(s, f, cur), start
		}
	}
	if strings.HasPrefix(cur, "-") {
		return filterCandidates(flagCandidates(c, args), cur), start
	}
	idx := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' && !isNumber(a) {
			if f := c.flag(strings.TrimLeft(a, "-")); f != nil && f.Kind != Bool && !strings.Contains(a, "=") {
				i++ // its value
			}
			continue
		}
		idx++
	}
	if idx >= len(c.Args) && len(c.Args) > 0 && c.Args[len(c.Args)-1].Rest {
		idx = len(c.Args) - 1
	}
	if idx < len(c.Args) {
		out := paramCandidates(s, &c.Args[idx], cur)
		if cur == "" && c.Args[idx].Optional {
			out = append(out, flagCandidates(c, args)...)
		}
		return out, start
	}
	if cur == "" {
		return flagCandidates(c, args), start
	}
	return nil, start
}

// CommonPrefix returns the longest text that every candidate starting
// with word (the word being completed) starts with, when it is longer than
// word: what a first Tab inserts before a second one offers the
// candidates, as in bash. It is "" when there is nothing to add. The
// candidates filterCandidates adds because they contain word elsewhere, or
// match it in another case ("max_ep" for train.max_epochs), take no part:
// inserting text after word cannot lead to them, and a word that only
// they match gets nothing inserted.
func CommonPrefix(cands []Candidate, word string) string {
	prefix, found := "", false
	for _, c := range cands {
		if !strings.HasPrefix(c.Text, word) {
			continue
		}
		if !found {
			prefix, found = c.Text, true
			continue
		}
		n := 0
		for n < len(prefix) && n < len(c.Text) && prefix[n] == c.Text[n] {
			n++
		}
		prefix = prefix[:n]
	}
	// Candidates that differ inside a multi-byte character share only its
	// first bytes; stop before it.
	for !utf8.ValidString(prefix) {
		prefix = prefix[:len(prefix)-1]
	}
	if len(prefix) <= len(word) {
		return ""
	}
	return prefix
}

// completionWords splits the finished words of a line, tolerating an
// unclosed quote (the user is still typing).
func completionWords(line string) []string {
	words, err := splitWords(line)
	for _, q := range []string{`"`, `'`} {
		if err == nil {
			break
		}
		words, err = splitWords(line + q)
	}
	return words
}

// flagCandidates lists the flags of c not given yet (repeatable ones always).
func flagCandidates(c *Command, given []string) []Candidate {
	used := map[string]bool{}
	for _, g := range given {
		if strings.HasPrefix(g, "-") {
			name, _, _ := strings.Cut(strings.TrimLeft(g, "-"), "=")
			if f := c.flag(name); f != nil && !f.Repeat {
				used[f.Name] = true
			}
		}
	}
	var out []Candidate
	for _, f := range c.Flags {
		if used[f.Name] {
			continue
		}
		desc := f.Help
		if f.Kind != Bool {
			desc = f.valueName() + ": " + desc
		}
		out = append(out, Candidate{Text: "--" + f.Name, Description: desc})
	}
	return append(out, Candidate{Text: "--help", Description: "show this command's help"})
}

// paramCandidates completes the value of p: its session values, choices or
// paths.
func paramCandidates(s *Session, p *Param, cur string) []Candidate {
	var out []Candidate
	if p.Values != nil {
		out = append(out, p.Values(s)...)
	}
	for _, ch := range p.Choices {
		out = append(out, Candidate{Text: ch, Description: p.Help})
	}
	out = filterCandidates(out, cur)
	if p.Kind == Path {
		out = append(out, pathCandidates(cur)...)
	}
	return dedupe(out)
}

// filterCandidates keeps candidates that start with prefix (ignoring case),
// then those that contain it elsewhere (so "max_ep" finds train.max_epochs).
func filterCandidates(cands []Candidate, prefix string) []Candidate {
	if prefix == "" {
		return cands
	}
	p := strings.ToLower(prefix)
	var first, rest []Candidate
	for _, c := range cands {
		t := strings.ToLower(c.Text)
		switch {
		case strings.HasPrefix(t, p):
			first = append(first, c)
		case strings.Contains(t, p):
			rest = append(rest, c)
		}
	}
	return append(first, rest...)
}

func dedupe(cands []Candidate) []Candidate {
	seen := map[string]bool{}
	out := cands[:0]
	for _, c := range cands {
		if !seen[c.Text] {
			seen[c.Text] = true
			out = append(out, c)
		}
	}
	return out
}

// pathCandidates lists the entries of prefix's folder that start with its
// last element; folders end with a slash so completion can go on into them.
func pathCandidates(prefix string) []Candidate {
	dir, base := prefix[:strings.LastIndex(prefix, "/")+1], prefix[strings.LastIndex(prefix, "/")+1:]
	read := dir
	if read == "" {
		read = "."
	} else if strings.HasPrefix(read, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			read = filepath.Join(home, read[2:])
		}
	}
	entries, err := os.ReadDir(read)
	if err != nil {
		return nil
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []Candidate
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if st, err := os.Stat(filepath.Join(read, name)); err == nil {
				isDir = st.IsDir()
			}
		}
		c := Candidate{Text: dir + name, Description: "file"}
		if isDir {
			c.Text += "/"
			c.Description = "folder"
		} else if info, err := e.Info(); err == nil {
			c.Description = "file, " + humanBytes(info.Size())
		}
		out = append(out, c)
		if len(out) == maxPathCandidates {
			break
		}
	}
	return out
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
