package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/nerlab/nerlab/kernel/jupyter"
)

// maxStack bounds a goroutine's stack in the evaluator. Runaway recursion
// then dies within a second or two with "stack overflow" (which the kernel
// reports) instead of growing towards Go's default 1 GB and swapping;
// interpreted frames are large, so this still allows recursion hundreds
// of thousands of calls deep.
const maxStack = 256 << 20

// evaluatorArg is the hidden subcommand that runs the evaluator: the
// kernel starts its own executable with it.
const evaluatorArg = "evaluator"

// Request and response pipes of the evaluator (exec.Cmd.ExtraFiles).
const (
	requestFD  = 3
	responseFD = 4
)

// runEvaluator is the evaluator process: it runs the cells the kernel
// sends on fd 3 and answers on fd 4, until the kernel closes fd 3. The
// cells' output goes to fds 1 and 2, which the kernel reads. Whatever
// kills this process (a fatal error of the Go runtime, a panic in a
// goroutine) leaves the kernel alive to report it.
func runEvaluator(stderr io.Writer) int {
	debug.SetMaxStack(maxStack)
	in, out := os.NewFile(requestFD, "requests"), os.NewFile(responseFD, "responses")
	if in == nil || out == nil {
		fmt.Fprintln(stderr, "nerlab-kernel evaluator: started without its pipes (the kernel starts it)")
		return 2
	}
	// Cells run on this goroutine, locked to the main thread, as the
	// kernel's shell goroutine ran them before: libraries with
	// thread-bound state see one thread.
	runtime.LockOSThread()
	s := &evalServer{h: newGoHandler(), enc: &encoder{w: out}}
	if err := s.enc.send(response{Op: "ready"}); err != nil {
		fmt.Fprintln(stderr, "nerlab-kernel evaluator:", err)
		return 1
	}
	reqs := make(chan request)
	go decode(in, reqs, func(err error) { fmt.Fprintln(stderr, "nerlab-kernel evaluator:", err) })
	// An interrupt acts at once, while a cell runs; the rest queue up.
	work := make(chan request, 16)
	go func() {
		defer close(work)
		for r := range reqs {
			if r.Op == "interrupt" {
				s.interrupt()
				continue
			}
			work <- r
		}
	}()
	for r := range work {
		s.handle(r)
	}
	return 0
}

// evalServer answers the kernel's requests with a goHandler.
type evalServer struct {
	h    *goHandler
	enc  *encoder
	sync int // the last sync token written to fds 1 and 2

	mu     sync.Mutex
	cancel context.CancelFunc // the running cell's, or nil
}

func (s *evalServer) interrupt() {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
}

func (s *evalServer) handle(r request) {
	reply := response{ID: r.ID, Op: "reply"}
	switch r.Op {
	case "execute":
		reply.Data, reply.Error = s.execute(r)
		// Everything the cell wrote is in the pipes before this mark;
		// the kernel answers once it has read up to it.
		s.sync++
		mark := syncMark(s.sync)
		os.Stdout.WriteString(mark)
		os.Stderr.WriteString(mark)
		reply.Sync = s.sync
	case "complete":
		reply.Matches, reply.Start, reply.End = s.h.Complete(r.Code, r.Cursor)
	case "inspect":
		reply.Data, reply.Found = s.h.Inspect(r.Code, r.Cursor, r.Detail)
	default:
		reply.Error = &jupyter.ExecError{Name: "Error", Value: fmt.Sprintf("the evaluator does not know the request %q", r.Op)}
	}
	if err := s.enc.send(reply); err != nil && r.Op == "execute" {
		// A value that does not encode (a channel in display.JSON, ...)
		// must still end the cell.
		s.enc.send(response{ID: r.ID, Op: "reply", Sync: reply.Sync,
			Error: &jupyter.ExecError{Name: "Error", Value: "the cell's result cannot be shown: " + err.Error()}})
	}
}

// execute runs a cell, relaying its displays to the kernel as they come.
func (s *evalServer) execute(r request) (data map[string]any, execErr *jupyter.ExecError) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
	}()
	out := jupyter.NewOutput(func(msgType string, content map[string]any) {
		s.enc.send(response{ID: r.ID, Op: "output", MsgType: msgType, Content: content})
	})
	defer func() {
		// A panic outside the interpreted code (rendering, a command)
		// fails the cell, not the session.
		if p := recover(); p != nil {
			data, execErr = nil, asExecError(panicError(p))
		}
	}()
	data, err := s.h.Execute(ctx, r.Code, out)
	if err != nil {
		return nil, asExecError(err)
	}
	return data, nil
}

func asExecError(err error) *jupyter.ExecError {
	var e *jupyter.ExecError
	if errors.As(err, &e) {
		return e
	}
	return &jupyter.ExecError{Name: "Error", Value: err.Error()}
}
