package hint

import (
	"errors"
	"fmt"
	"testing"
)

func TestRespellWrappedHints(t *testing.T) {
	inner := fmt.Errorf("run folder runs/x already exists; resume it with %s, or choose another with --out", Command("resume runs/x"))
	msg := fmt.Errorf("train: %w; see %s", inner, Command("help train")).Error()
	for prefix, want := range map[string]string{
		"nerlab ": "train: run folder runs/x already exists; resume it with `nerlab resume runs/x`, or choose another with --out; see `nerlab help train`",
		"":        "train: run folder runs/x already exists; resume it with `resume runs/x`, or choose another with --out; see `help train`",
		"%":       "train: run folder runs/x already exists; resume it with `%resume runs/x`, or choose another with --out; see `%help train`",
	} {
		if got := Respell(msg, prefix); got != want {
			t.Errorf("Respell(%q):\n got %s\nwant %s", prefix, got, want)
		}
	}
	// Text that is not a command hint stays as it is.
	plain := errors.New("nerlab reads UTF-8; `make weaviate` builds the server; nerlab-engine failed").Error()
	if got := Respell(plain, "%"); got != plain {
		t.Errorf("Respell changed %q to %q", plain, got)
	}
}
