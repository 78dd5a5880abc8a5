package config

import (
	"fmt"
	"sort"
	"strconv"
)

// Error is a mistake in an experiment file, an override or a value, placed
// at the line that holds it when that is known.
type Error struct {
	Path string // the file, "--set" for overrides, "" for an experiment built in code
	Line int    // 1-based line; 0 when unknown
	Key  string // dotted key ("train.max_epochs"); "" when the file itself is wrong
	Msg  string // what is wrong; what was expected
	Err  error  // the underlying cause, if any
	// related marks a rule between keys, which Set leaves to Validate.
	related bool
}

func (e *Error) Error() string {
	s := e.Path
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if s != "" {
		s += ": "
	}
	if e.Key != "" {
		s += e.Key + ": "
	}
	return s + e.Msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Where returns "path:line" for a key the file set, "path" for other keys
// of a loaded file, and "" for an experiment built in code, so that callers
// reading the files an experiment names can point at the line.
func (e *Experiment) Where(key string) string {
	if line := e.Lines[key]; line > 0 && e.Path != "" {
		return e.Path + ":" + strconv.Itoa(line)
	}
	return e.Path
}

// errAt builds an Error for key of e, placed where the file set it.
func (e *Experiment) errAt(key, format string, args ...any) *Error {
	return &Error{Path: e.Path, Line: e.Lines[key], Key: key, Msg: fmt.Sprintf(format, args...)}
}

// warning is one message for Experiment.Warnings, kept with its line so the
// list can be ordered as the file reads.
type warning struct {
	line int
	text string
}

// formatWarnings orders ws by line and renders them as "path:line: text".
func formatWarnings(path string, ws []warning) []string {
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].line < ws[j].line })
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = (&Error{Path: path, Line: w.line, Msg: w.text}).Error()
	}
	return out
}
