package lab

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommonPrefix: what a first Tab inserts is what every candidate that
// starts with the word typed has in common beyond it; candidates that only
// contain the word, or match it in another case, take no part.
func TestCommonPrefix(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"wnut16.conll", "wnut17.conll", "wnut17-dev.conll"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := New()
	for _, c := range []struct{ line, want string }{
		{"stats " + dir + "/wn", dir + "/wnut1"},
		{"stats " + dir + "/wnut17", ""}, // wnut17.conll, wnut17-dev.conll: nothing to add
		{"stats " + dir + "/wnut17.", dir + "/wnut17.conll"},
		{"exi", "exit"},
		{"lo", "load"}, // plot contains "lo"
		{"re", ""},     // resume, retrieve, runs…: nothing in common beyond "re"
		{"EXI", ""},    // exit matches ignoring case; inserting would change what was typed
		{"epoch", ""},  // no command
	} {
		cands, start := l.Complete(NewSession(), c.line)
		got := CommonPrefix(cands, c.line[start:])
		if got != c.want {
			t.Errorf("CommonPrefix after %q = %q, want %q (candidates %v)", c.line, got, c.want, cands)
		}
	}
	if got := CommonPrefix([]Candidate{{Text: "né"}, {Text: "nè"}}, "n"); got != "" {
		t.Errorf("common prefix inside a character: %q", got)
	}
}
