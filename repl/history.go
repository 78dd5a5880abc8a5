package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
)

// historyKeep is how many lines the history file keeps; it is trimmed when
// it grows to twice that.
const historyKeep = 1000

// history is the REPL's command history, kept in the user's data directory
// across sessions. Each line is appended as it is run, so a crash loses
// nothing.
type history struct {
	path  string
	lines []string
}

// historyPath is $NERLAB_HISTORY, else $XDG_DATA_HOME/nerlab/history, else
// ~/.local/share/nerlab/history.
func historyPath() string {
	if p := os.Getenv("NERLAB_HISTORY"); p != "" {
		return p
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "nerlab", "history")
}

// loadHistory reads the history file; a missing or unreadable file gives
// an empty history (the REPL works without one).
func loadHistory(path string) *history {
	h := &history{path: path}
	if path == "" {
		return h
	}
	f, err := os.Open(path)
	if err != nil {
		return h
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.TrimSpace(l) != "" {
			h.lines = append(h.lines, l)
		}
	}
	if len(h.lines) > 2*historyKeep {
		h.lines = h.lines[len(h.lines)-historyKeep:]
		// Rewrite atomically: an interrupted trim keeps the old file.
		_ = safefile.WriteBytes(path, []byte(strings.Join(h.lines, "\n")+"\n"))
	}
	return h
}

// add records a line (not a repeat of the previous one) and appends it to
// the file.
func (h *history) add(line string) {
	line = strings.TrimSpace(line)
	if line == "" || strings.ContainsAny(line, "\n\r") || (len(h.lines) > 0 && h.lines[len(h.lines)-1] == line) {
		return
	}
	h.lines = append(h.lines, line)
	if h.path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o755); err != nil {
		return
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(line + "\n")
}
