package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nerlab/nerlab/kernel/jupyter"
)

// Go's fatal errors (a stack overflow, concurrent map writes, running out
// of memory, a panic in a goroutine) end the process and cannot be
// recovered. So cells run in an evaluator process that the kernel
// supervises: the kernel keeps the sockets, heartbeat, execution count and
// history; when the evaluator dies, the running cell's reply names the
// cause and a fresh evaluator starts for the next cell.

// interruptGrace is how long a cell may take to stop after an interrupt
// before the evaluator is killed (and restarted) to stop it.
const interruptGrace = 5 * time.Second

// startTimeout bounds the wait for a new evaluator to be ready when
// completing or inspecting (a cell waits as long as it takes, or until
// interrupted).
const startTimeout = 30 * time.Second

// supervisor is the kernel's Handler: it forwards cells, completion and
// inspection to the evaluator process and answers is_complete and
// kernel_info itself. Its methods other than Interrupt and Close run on
// the shell goroutine, one at a time.
type supervisor struct {
	exe string    // the nerlab-kernel executable
	log io.Writer // the kernel's log
	id  int       // the last request id

	mu   sync.Mutex
	proc *evalProcess // the current evaluator; nil when it could not start
}

func newSupervisor(exe string, log io.Writer) *supervisor {
	s := &supervisor{exe: exe, log: log}
	// Start at once so that the interpreter is ready by the first cell;
	// kernel_info does not wait for it.
	s.restart()
	return s
}

// restart starts a fresh evaluator.
func (s *supervisor) restart() {
	p, err := startEvaluator(s.exe, s.log)
	if err != nil {
		fmt.Fprintln(s.log, "nerlab-kernel:", err)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
}

// current returns the evaluator once it is ready, starting one if none
// runs.
func (s *supervisor) current(ctx context.Context) (*evalProcess, error) {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		s.restart()
		s.mu.Lock()
		p = s.proc
		s.mu.Unlock()
		if p == nil {
			return nil, &jupyter.ExecError{Name: "SessionEnded", Value: "the Go session could not start (see the kernel's log)"}
		}
	}
	if p.ready {
		return p, nil
	}
	select {
	case r, ok := <-p.resps:
		if !ok {
			return nil, sessionEnded("the Go session could not start: %s", s.ended(p))
		}
		if r.Op != "ready" {
			p.kill()
			return nil, sessionEnded("the Go session could not start: it sent %q first", r.Op)
		}
		p.ready = true
		return p, nil
	case <-ctx.Done():
		return nil, interrupted("the cell was interrupted while the Go session was starting")
	}
}

func interrupted(msg string) error {
	return &jupyter.ExecError{Name: "Interrupted", Value: msg, Traceback: []string{"Interrupted: " + msg}}
}

// ended waits for p to end, names the cause from its last words on stderr
// and its exit state, and starts a fresh evaluator.
func (s *supervisor) ended(p *evalProcess) (cause string) {
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		// Its response pipe ended but it runs on (a cell closed fd 4).
		p.kill()
		<-p.exited
	}
	// The runtime's message may still be in the pipe: read it to the end
	// (a child process of the cell may hold the pipe open: not forever).
	p.cap.closed(time.Second)
	cause = deathCause(p.cap.stderrTail(), p.state)
	fmt.Fprintf(s.log, "nerlab-kernel: the evaluator (pid %d) ended: %s\n", p.cmd.Process.Pid, cause)
	s.restart()
	return cause
}

// sessionEnded is the error of a cell whose evaluator died.
func sessionEnded(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &jupyter.ExecError{Name: "SessionEnded", Value: msg, Traceback: []string{"SessionEnded: " + msg}}
}

// sessionLost is the message of a cell whose evaluator died.
const sessionLost = "the Go session ended: %s; variables are lost"

func (s *supervisor) next() int {
	s.id++
	return s.id
}

// Info is the kernel_info_reply content.
func (s *supervisor) Info() map[string]any { return kernelInfo() }

// IsComplete needs no interpreter: it is answered here, even while the
// evaluator starts.
func (s *supervisor) IsComplete(code string) (string, string) { return isComplete(code) }

// Execute runs a cell in the evaluator, relaying its output. An interrupt
// (ctx ends) is passed on; a cell that does not stop within
// interruptGrace is stopped by killing the evaluator.
func (s *supervisor) Execute(ctx context.Context, code string, out *jupyter.Output) (map[string]any, error) {
	p, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	p.cap.attach(func(name, text string) { out.Stream(name, dropImportWarnings(text)) })
	defer p.cap.detach()
	id := s.next()
	if err := p.enc.send(request{ID: id, Op: "execute", Code: code}); err != nil {
		p.kill()
		return nil, sessionEnded(sessionLost, s.ended(p))
	}
	done := ctx.Done()
	var kill <-chan time.Time
	killed := false
	for {
		select {
		case r, ok := <-p.resps:
			if !ok {
				cause := s.ended(p)
				if killed {
					return nil, interrupted(fmt.Sprintf("the cell did not stop within %v of the interrupt, so the Go session was restarted; variables are lost", interruptGrace))
				}
				return nil, sessionEnded(sessionLost, cause)
			}
			if r.ID != id {
				continue // a late answer to an abandoned request
			}
			switch r.Op {
			case "output":
				if err := out.Forward(r.MsgType, r.Content); err != nil {
					fmt.Fprintln(s.log, "nerlab-kernel:", err)
				}
			case "reply":
				if !p.cap.waitSync(r.Sync, 2*time.Second) {
					fmt.Fprintln(s.log, "nerlab-kernel: the cell's output did not arrive within 2s of its reply")
				}
				if r.Error != nil {
					return nil, r.Error
				}
				return r.Data, nil
			}
		case <-done:
			done = nil
			p.enc.send(request{Op: "interrupt"})
			kill = time.After(interruptGrace)
		case <-kill:
			kill = nil
			killed = true
			p.kill()
		}
	}
}

// Interrupt needs nothing more: the running Execute sees its context end
// and passes the interrupt on.
func (s *supervisor) Interrupt() {}

// Complete asks the evaluator (its interpreter knows the cells' names).
func (s *supervisor) Complete(code string, cursor int) ([]string, int, int) {
	r, ok := s.call(request{Op: "complete", Code: code, Cursor: cursor})
	if !ok {
		return nil, cursor, cursor
	}
	return r.Matches, r.Start, r.End
}

// Inspect asks the evaluator.
func (s *supervisor) Inspect(code string, cursor, detail int) (map[string]any, bool) {
	r, ok := s.call(request{Op: "inspect", Code: code, Cursor: cursor, Detail: detail})
	return r.Data, ok && r.Found
}

// call sends a request that is answered with one reply, and waits for it
// (10 s at most: completion must not hang the notebook).
func (s *supervisor) call(req request) (response, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	p, err := s.current(ctx)
	if err != nil {
		fmt.Fprintln(s.log, "nerlab-kernel:", err)
		return response{}, false
	}
	req.ID = s.next()
	if err := p.enc.send(req); err != nil {
		return response{}, false
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-p.resps:
			if !ok {
				s.ended(p)
				return response{}, false
			}
			if r.ID == req.ID && r.Op == "reply" {
				return r, true
			}
		case <-timeout:
			fmt.Fprintf(s.log, "nerlab-kernel: no answer to %s within 10s\n", req.Op)
			return response{}, false
		}
	}
}

// Close ends the evaluator (the kernel is shutting down).
func (s *supervisor) Close() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}
