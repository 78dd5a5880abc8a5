package main

import (
	"context"
	"errors"
	"strings"

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

// streamWriter writes a command's output to the cell's stream.
type streamWriter struct {
	out  *jupyter.Output
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.out.Stream(w.name, string(p))
	return len(p), nil
}

// runCommand runs a command line of the shared command layer in the cell:
// text to the cell's streams, rich forms (predictions, scores, plots, runs)
// as displays, training as one live display.
func (h *goHandler) runCommand(ctx context.Context, line string, out *jupyter.Output) error {
	env := &lab.Env{
		Stdout:  streamWriter{out, "stdout"},
		Stderr:  streamWriter{out, "stderr"},
		Session: h.session,
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
		return &jupyter.ExecError{Name: "Interrupted", Value: err.Error()}
	case ctx.Err() != nil:
		return &jupyter.ExecError{Name: "Interrupted", Value: err.Error()}
	case lab.IsUsage(err):
		return &jupyter.ExecError{Name: "UsageError", Value: err.Error()}
	}
	return &jupyter.ExecError{Name: "Error", Value: err.Error()}
}
