package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"stats", filepath.Join("..", "..", "data", "sample", "sample.conll")}, nil, &out, &errOut); code != 0 {
		t.Fatalf("stats exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), "sentences  400") {
		t.Errorf("stats output %q", out.String())
	}

	bad := filepath.Join(t.TempDir(), "bad.conll")
	os.WriteFile(bad, []byte("a O\nb O extra\n"), 0o644)
	for _, args := range [][]string{
		{"stats", bad},
		{"stats"},
		{"frobnicate"},
		{"score", filepath.Join(t.TempDir(), "missing.conll")},
	} {
		out.Reset()
		errOut.Reset()
		code := run(args, nil, &out, &errOut)
		msg := errOut.String()
		if code != 1 || !strings.HasPrefix(msg, "nerlab: ") || strings.Count(msg, "\n") != 1 || strings.Contains(msg, "goroutine") {
			t.Errorf("%q: exit %d, stderr %q; want exit 1 and one error line", args, code, msg)
		}
	}
	errOut.Reset()
	run([]string{"stats", bad}, nil, &out, &errOut)
	if want := "nerlab: " + bad + ":2: 3 columns; expected 2 like line 1 (the first token line)\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

func TestNoArgumentsWithoutTerminalReadsStdin(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader("# comment\nhelp\n"), &out, &errOut); code != 0 || !strings.Contains(out.String(), "commands:") {
		t.Errorf("exit %d, out %q", code, out.String())
	}
}
