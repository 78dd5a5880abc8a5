package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// deathCause names why an evaluator process ended, from the last lines it
// wrote to stderr (the Go runtime's fatal error or panic message) and its
// exit state: "stack overflow", "concurrent map writes", "out of memory",
// "panic: boom (in a goroutine)", "killed by signal killed".
func deathCause(stderrTail string, state *os.ProcessState) string {
	lines := strings.Split(stderrTail, "\n")
	// The runtime's message is the last one of its kind in the tail.
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(l, "fatal error: "):
			msg := strings.TrimPrefix(l, "fatal error: ")
			switch {
			case strings.Contains(msg, "stack overflow"):
				return "stack overflow"
			case strings.Contains(msg, "out of memory"):
				return "out of memory"
			}
			return msg
		case strings.HasPrefix(l, "panic: "):
			// Panics of the cell itself come back as errors; one that
			// reaches the runtime was raised in a goroutine of the cell.
			msg := strings.TrimSuffix(strings.TrimPrefix(l, "panic: "), " [recovered]")
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
				msg += " " + strings.TrimSpace(lines[i+1]) // a multi-line panic value
			}
			return "panic: " + msg + " (in a goroutine)"
		}
	}
	if state == nil {
		return "it stopped answering"
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		if sig == syscall.SIGKILL {
			return "killed by signal KILL (out of memory, or killed from outside)"
		}
		return fmt.Sprintf("killed by signal %v", sig)
	}
	return fmt.Sprintf("it exited with status %d", state.ExitCode())
}
