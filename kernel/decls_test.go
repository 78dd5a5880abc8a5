package main

import (
	"context"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/kernel/jupyter"
)

// cellRunner runs cells in one interpreter, as the evaluator does.
func cellRunner(t *testing.T) func(code string) (map[string]any, error) {
	t.Helper()
	h := newGoHandler()
	out := jupyter.NewOutput(func(string, map[string]any) {})
	return func(code string) (map[string]any, error) { return h.Execute(context.Background(), code, out) }
}

// TestACellThatFailsToCompileDeclaresNothing: the names a failed cell
// declared before its error are undefined afterwards (not zero values
// that make the next cell fail inside reflect), and a name it redeclared
// keeps its old value.
func TestACellThatFailsToCompileDeclaresNothing(t *testing.T) {
	run := cellRunner(t)
	mustFail := func(code, want string) {
		t.Helper()
		_, err := run(code)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "reflect") {
			t.Errorf("%q: %v, want an error with %q", code, err, want)
		}
	}
	mustBe := func(code, want string) {
		t.Helper()
		d, err := run(code)
		if err != nil || d["text/plain"] != want {
			t.Errorf("%q: %v %v, want %s", code, d, err, want)
		}
	}
	mustFail("x := 1; y := undefinedThing", "undefinedThing")
	mustFail("x", "undefined identifier: x")
	mustFail("f := func() int { return 1 }; bad", "bad")
	mustFail("f()", "undefined identifier: f")
	mustFail("type T struct{ A int }; var t T = nope", "nope")
	mustFail("T{}", "T")
	// A redeclaration in a failed cell leaves the old declaration.
	mustBe("kept := 5\nkept", "5")
	mustFail("kept := \"text\"; bad", "bad")
	mustBe("kept + 1", "6")
	// The names of a good cell stay.
	mustBe("f := func() int { return 7 }\nf()", "7")
}

// TestACellThatFailsWhileRunningKeepsWhatItAssigned: what ran is kept, as
// in Go; the names after the failure, never assigned, are undefined.
func TestACellThatFailsWhileRunningKeepsWhatItAssigned(t *testing.T) {
	run := cellRunner(t)
	if _, err := run("s := \"set\"\npanic(\"stop\")\ng := func() int { return 1 }\nlater := \"never\""); err == nil {
		t.Fatal("the cell did not fail")
	}
	if d, err := run("s"); err != nil || d["text/plain"] != "set" {
		t.Errorf("s: %v %v", d, err)
	}
	for _, name := range []string{"g()", "later"} {
		if _, err := run(name); err == nil || !strings.Contains(err.Error(), "undefined identifier") {
			t.Errorf("%s: %v, want undefined", name, err)
		}
	}
}
