package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDeathCauseNamesTheRuntimesMessage reads the causes from the messages
// the Go runtime prints (with GOTRACEBACK=none, as the evaluator runs).
func TestDeathCauseNamesTheRuntimesMessage(t *testing.T) {
	for _, c := range []struct{ tail, want string }{
		{"runtime: goroutine stack exceeds 268435456-byte limit\nruntime: sp=0xc0 stack=[0xc0, 0xc1]\nfatal error: stack overflow\n", "stack overflow"},
		{"fatal error: concurrent map writes\n", "concurrent map writes"},
		{"runtime: out of memory: cannot allocate 35184372088832-byte block (3866624 in use)\nfatal error: out of memory\n", "out of memory"},
		{"some output of the cell\npanic: boom\n\n", "panic: boom (in a goroutine)"},
		{"panic: first [recovered]\n", "panic: first (in a goroutine)"},
	} {
		if got := deathCause(c.tail, nil); got != c.want {
			t.Errorf("%q: %q, want %q", c.tail, got, c.want)
		}
	}
}

// TestDeathCauseFromTheExitState: without a message, the signal or exit
// status.
func TestDeathCauseFromTheExitState(t *testing.T) {
	state := func(script string) *os.ProcessState {
		cmd := exec.Command("/bin/sh", "-c", script)
		cmd.Run()
		return cmd.ProcessState
	}
	if got := deathCause("", state("kill -KILL $$")); !strings.Contains(got, "killed by signal KILL") {
		t.Errorf("SIGKILL: %q", got)
	}
	if got := deathCause("", state("exit 3")); got != "it exited with status 3" {
		t.Errorf("exit 3: %q", got)
	}
}
