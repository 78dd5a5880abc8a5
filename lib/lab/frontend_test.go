package lab

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/train"
)

// spellings is how each front-end names `resume runs/x`.
var spellings = map[Frontend]string{CLI: "`nerlab resume runs/x`", REPL: "`resume runs/x`", Kernel: "`%resume runs/x`"}

// TestHintsNameCommandsPerFrontend checks that a hint, whether a library
// error (a missing index), this package's usage error or output, or a
// training event's message, names the command the way the front-end the
// person typed into spells it.
func TestHintsNameCommandsPerFrontend(t *testing.T) {
	for f, resume := range spellings {
		prefix := strings.TrimSuffix(strings.TrimPrefix(resume, "`"), "resume runs/x`")
		env := &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Session: &Session{}, Frontend: f}

		err := New().Exec(context.Background(), env, []string{"index", "info", t.TempDir()})
		if msg := f.Error(err); err == nil || !strings.Contains(msg, "(build one with `"+prefix+"index build --corpus FILE --out ") {
			t.Errorf("%v: missing index: %s", f, msg)
		}
		err = New().Exec(context.Background(), env, []string{"stats", "--nope"})
		if msg := f.Error(err); err == nil || !strings.HasSuffix(msg, "(see `"+prefix+"help stats`)") {
			t.Errorf("%v: usage error: %s", f, msg)
		}

		var out bytes.Buffer
		env.Stdout = &out
		if err := New().Exec(context.Background(), env, []string{"runs", t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "train one with `"+prefix+"train CONFIG`") {
			t.Errorf("%v: empty runs table: %s", f, out.String())
		}

		var got []string
		env.Session.Events = func(e train.Event) { got = append(got, e.Message) }
		events(env)(train.Event{Kind: train.EventStop, Message: "interrupted; continue with " + hint.Command("resume runs/x")})
		if len(got) != 1 || got[0] != "interrupted; continue with "+resume {
			t.Errorf("%v: training event %q", f, got)
		}
	}
}
