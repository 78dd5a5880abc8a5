package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nerlab/nerlab/kernel/jupyter"
	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/train"
)

// splitMagics separates a cell's leading magic lines (%train cfg.yaml, one
// per line; blank lines between them allowed) from the Go code after them.
func splitMagics(code string) (magics []string, rest string) {
	lines := strings.Split(code, "\n")
	i := 0
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, "%") {
			break
		}
		magics = append(magics, strings.TrimSpace(strings.TrimPrefix(t, "%")))
	}
	return magics, strings.Join(lines[i:], "\n")
}

// streamWriter writes a command's output to the cell's stream. Commands
// print with many small writes; it sends whole lines, gathered for up to a
// tenth of a second, so a table arrives as one message and a long
// command's lines still appear as they come. Flush sends the rest.
type streamWriter struct {
	out     *jupyter.Output
	name    string
	pending []byte
	sent    time.Time
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.pending = append(w.pending, p...)
	if w.sent.IsZero() {
		w.sent = time.Now()
	}
	if i := bytes.LastIndexByte(w.pending, '\n'); i >= 0 && time.Since(w.sent) > 100*time.Millisecond {
		w.sent = time.Now()
		w.out.Stream(w.name, string(w.pending[:i+1]))
		w.pending = append(w.pending[:0], w.pending[i+1:]...)
	}
	return len(p), nil
}

// Flush sends text not yet ended by a newline.
func (w *streamWriter) Flush() {
	if len(w.pending) > 0 {
		w.out.Stream(w.name, string(w.pending))
		w.pending = w.pending[:0]
	}
}

// runCommand runs a command line of the shared command layer in the cell:
// text to the cell's streams, rich forms (predictions, scores, plots, runs)
// as displays, training as one live display.
func (h *goHandler) runCommand(ctx context.Context, line string, out *jupyter.Output) error {
	stdout, stderr := &streamWriter{out: out, name: "stdout"}, &streamWriter{out: out, name: "stderr"}
	defer stdout.Flush()
	defer stderr.Flush()
	env := &lab.Env{
		Stdout:   stdout,
		Stderr:   stderr,
		Session:  h.session,
		Frontend: lab.Kernel,
		Display: func(data map[string]any) error {
			out.Display(data, nil, "")
			return nil
		},
	}
	live := newLiveTraining(out)
	h.session.Events = live.event
	defer func() { h.session.Events = nil }()
	err := h.lab.ExecLine(ctx, env, line)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, lab.ErrExit):
		return &jupyter.ExecError{Name: "UsageError", Value: "exit does nothing in a notebook; shut the kernel down from Jupyter"}
	case errors.Is(err, train.ErrInterrupted):
		return &jupyter.ExecError{Name: "Interrupted", Value: env.Frontend.Error(err)}
	case ctx.Err() != nil:
		return &jupyter.ExecError{Name: "Interrupted", Value: env.Frontend.Error(err)}
	case lab.IsUsage(err):
		return &jupyter.ExecError{Name: "UsageError", Value: env.Frontend.Error(err)}
	}
	return &jupyter.ExecError{Name: "Error", Value: env.Frontend.Error(err)}
}
