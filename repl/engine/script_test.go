package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScriptRunsCommandsInOneSession(t *testing.T) {
	script := filepath.Join(t.TempDir(), "explore.nerl")
	os.WriteFile(script, []byte(`# explore WNUT-17
load wnut `+wnut17(t)+`

set train.max_epochs=3 \
    model.hidden_size=16
stats
set
`), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"-x", "-f", script}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"3394 sentences", "person", "train.max_epochs=3\nmodel.hidden_size=16\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "+ set train.max_epochs=3 model.hidden_size=16\n") {
		t.Errorf("-x trace: %q", errOut.String())
	}
}

func TestScriptStopsAtTheFirstErrorWithItsLine(t *testing.T) {
	var out, errOut bytes.Buffer
	in := strings.NewReader("help\n\nstats /no/such.conll\nhelp\n")
	code := run(nil, in, &out, &errOut)
	if code != 1 || !strings.HasPrefix(errOut.String(), "nerlab: (stdin):3: ") || strings.Count(errOut.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if strings.Count(out.String(), "commands:") != 1 {
		t.Errorf("the script went on after the error:\n%s", out.String())
	}
}

func TestScriptExitAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-f", "-"}, strings.NewReader("exit\nstats /no/such.conll\n"), &out, &errOut); code != 0 {
		t.Errorf("exit in a script: code %d, %s", code, errOut.String())
	}
	for _, args := range [][]string{{"-f"}, {"-f", "x.nerl", "stats"}} {
		errOut.Reset()
		if code := run(args, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage:") {
			t.Errorf("%q: exit %d, %q", args, code, errOut.String())
		}
	}
	errOut.Reset()
	if code := run([]string{"-f", "/no/such.nerl"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no such file") {
		t.Errorf("missing script: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(nil, strings.NewReader("help \\\n"), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "backslash") {
		t.Errorf("dangling continuation: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(nil, strings.NewReader("load x 'unclosed\n"), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "(stdin):1: unclosed ' quote") {
		t.Errorf("unclosed quote: exit %d, %q", code, errOut.String())
	}
}
