package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/nerlab/nerlab/kernel/jupyter"
)

// The kernel and its evaluator process talk in newline-delimited JSON over
// two pipes (the evaluator's fds 3 and 4): requests one way, responses the
// other. The evaluator's fds 1 and 2 carry the cells' own output.

// request is a message from the kernel to the evaluator.
type request struct {
	ID     int    `json:"id"`
	Op     string `json:"op"` // execute, complete, inspect, interrupt
	Code   string `json:"code,omitempty"`
	Cursor int    `json:"cursor,omitempty"`
	Detail int    `json:"detail,omitempty"`
}

// response is a message from the evaluator to the kernel, about request
// ID (0 for ready).
type response struct {
	ID int    `json:"id"`
	Op string `json:"op"` // ready, output, reply

	// output: a message of the running cell's Output.
	MsgType string         `json:"msg_type,omitempty"`
	Content map[string]any `json:"content,omitempty"`

	// reply to execute: the value's MIME bundle or the error, and the sync
	// token written to fds 1 and 2 after the cell's output.
	Data  map[string]any     `json:"data,omitempty"`
	Error *jupyter.ExecError `json:"error,omitempty"`
	Sync  int                `json:"sync,omitempty"`
	// reply to complete.
	Matches []string `json:"matches,omitempty"`
	Start   int      `json:"start,omitempty"`
	End     int      `json:"end,omitempty"`
	// reply to inspect (and Data).
	Found bool `json:"found,omitempty"`
}

// encoder writes messages, one a line, from any goroutine.
type encoder struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *encoder) send(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding a message: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(data, '\n'))
	return err
}

// decode reads messages of type T, one a line, onto ch until r ends or
// fails; it closes ch. A line that does not decode ends the stream too
// (the peer is broken), reported through bad.
func decode[T any](r io.Reader, ch chan<- T, bad func(error)) {
	defer close(ch)
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			var v T
			if jerr := json.Unmarshal(line, &v); jerr != nil {
				bad(fmt.Errorf("undecodable message %.80q: %w", line, jerr))
				return
			}
			ch <- v
		}
		if err != nil {
			return
		}
	}
}
