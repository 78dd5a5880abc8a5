package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHistoryPersistsAndTrims(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "history")
	h := loadHistory(path)
	for _, l := range []string{"load a b", "load a b", "  ", "stats", "multi\nline"} {
		h.add(l)
	}
	if got := loadHistory(path).lines; strings.Join(got, "|") != "load a b|stats" {
		t.Errorf("reloaded history %q", got)
	}
	var long strings.Builder
	for i := 0; i < 2*historyKeep+5; i++ {
		long.WriteString("cmd\n")
		long.WriteString("other\n")
	}
	os.WriteFile(path, []byte(long.String()), 0o600)
	if got := loadHistory(path).lines; len(got) != historyKeep {
		t.Errorf("%d lines after trimming", len(got))
	}
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "\n"); n != historyKeep {
		t.Errorf("the file keeps %d lines", n)
	}
	t.Setenv("NERLAB_HISTORY", "")
	t.Setenv("XDG_DATA_HOME", "/data")
	if got := historyPath(); got != "/data/nerlab/history" {
		t.Errorf("history path %q", got)
	}
}

func TestNextKeySplitsPastedInput(t *testing.T) {
	var keys []string
	for b := []byte("stats\r\x1b[A\x7fab\tc"); len(b) > 0; {
		n := nextKey(b)
		keys = append(keys, string(b[:n]))
		b = b[n:]
	}
	// An escape sequence takes the rest of its read: go-prompt matches
	// whole sequences and pasted text rarely carries one.
	want := []string{"stats", "\r", "\x1b[A\x7fab\tc"}
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Errorf("keys %q, want %q", keys, want)
	}
	keys = nil
	for b := []byte("\x7fab\tc"); len(b) > 0; {
		n := nextKey(b)
		keys = append(keys, string(b[:n]))
		b = b[n:]
	}
	if strings.Join(keys, "|") != "\x7f|ab|\t|c" {
		t.Errorf("keys %q", keys)
	}
}

func TestRestOfCommon(t *testing.T) {
	for _, c := range []struct{ line, common, want string }{
		{"load wnut data/wnu", "data/wnut1", "t1"},
		{"lo", "load", "ad"},
		{"load wnut data/wnut1", "data/wnut1", ""}, // nothing more in common
		{"stats ST", "stats", ""},                  // would change what was typed
		{"", "", ""},
	} {
		if got := restOfCommon(c.line, c.common); got != c.want {
			t.Errorf("restOfCommon(%q, %q) = %q, want %q", c.line, c.common, got, c.want)
		}
	}
}

// TestTabThatInsertedTakesSelectionBack: after a Tab for which the shell
// inserted a common prefix the parser hands go-prompt a BackTab, so that no
// candidate stays selected; after one for which it did not, the input goes
// on. Answers to earlier Tabs are skipped.
func TestTabThatInsertedTakesSelectionBack(t *testing.T) {
	p := &ttyParser{pending: []byte("\tx\ty"), tabs: make(chan tabReply, 4)}
	read := func() string {
		t.Helper()
		b, err := p.Read()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if k := read(); k != "\t" {
		t.Fatalf("first key %q", k)
	}
	p.tabs <- tabReply{n: 1, inserted: true}
	if k := read(); k != backTab {
		t.Errorf("after a Tab that inserted: %q, want BackTab", k)
	}
	if k := read(); k != "x" {
		t.Errorf("then %q, want x", k)
	}
	if k := read(); k != "\t" {
		t.Fatalf("second Tab: %q", k)
	}
	p.tabs <- tabReply{n: 1, inserted: true} // a stale answer
	p.tabs <- tabReply{n: 2, inserted: false}
	if k := read(); k != "y" {
		t.Errorf("after a Tab that inserted nothing: %q, want y", k)
	}
}
