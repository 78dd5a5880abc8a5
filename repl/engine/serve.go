package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nerlab/nerlab/lib/lab"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/train"
	"github.com/nerlab/nerlab/repl/internal/wire"
)

// server is the engine behind the REPL: one session, commands run on the
// calling (OS-thread-locked) goroutine, output straight to the terminal.
type server struct {
	lab    *lab.Lab
	env    *lab.Env
	colour bool // colour error lines (stderr is a colour terminal)

	mu      sync.Mutex
	cancel  context.CancelFunc // of the running command; nil when idle
	signals int                // SIGINTs during the running command
}

// serve answers the front-end's requests from req on resp until req
// closes. SIGINT (Ctrl-C, which reaches the engine because it shares the
// terminal's foreground process group) cancels the running command; a
// second one during the same command exits with 130. SIGTERM and SIGHUP
// cancel the command and end the engine once it has stopped.
func serve(req io.Reader, resp io.Writer, stdout, stderr io.Writer, interactive bool) int {
	sess := lab.NewSession()
	colour := interactive && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	sess.Color = colour && lab.IsTerminal(stdout)
	if interactive {
		sess.Images = render.DetectImageProtocol(os.Getenv)
	}
	s := &server{lab: lab.New(), env: &lab.Env{Stdout: stdout, Stderr: stderr, Session: sess, Frontend: lab.REPL}, colour: colour && lab.IsTerminal(stderr)}
	quit := make(chan int, 1)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go s.watch(sigs, quit)

	enc := json.NewEncoder(resp)
	if err := enc.Encode(wire.Reply{ID: 0, Status: wire.StatusOK, Prompt: s.prompt()}); err != nil {
		return 1
	}
	in := bufio.NewScanner(req)
	in.Buffer(make([]byte, 64<<10), 16<<20)
	for in.Scan() {
		var r wire.Request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			fmt.Fprintf(stderr, "nerlab-engine: bad request %q: %v\n", in.Text(), err)
			return 1
		}
		var reply wire.Reply
		switch r.Op {
		case wire.OpComplete:
			cands, start := s.lab.Complete(sess, r.Line)
			reply = wire.Reply{ID: r.ID, Status: wire.StatusOK, Candidates: make([]wire.Candidate, len(cands)),
				Common: lab.CommonPrefix(cands, r.Line[start:])}
			for i, c := range cands {
				reply.Candidates[i] = wire.Candidate{Text: c.Text, Description: c.Description}
			}
		case wire.OpExec:
			reply = wire.Reply{ID: r.ID, Status: s.execute(r.Line)}
		default:
			fmt.Fprintf(stderr, "nerlab-engine: unknown op %q\n", r.Op)
			return 1
		}
		reply.Prompt = s.prompt()
		if err := enc.Encode(reply); err != nil {
			return 1 // the front-end is gone
		}
		if reply.Status == wire.StatusExit {
			return 0
		}
		select {
		case code := <-quit:
			return code
		default:
		}
	}
	return 0
}

// watch turns signals into cancellation of the running command.
func (s *server) watch(sigs <-chan os.Signal, quit chan<- int) {
	for sig := range sigs {
		s.mu.Lock()
		running := s.cancel != nil
		if running {
			s.cancel()
		}
		if sig != os.Interrupt {
			select {
			case quit <- 1:
			default:
			}
			s.mu.Unlock()
			if !running {
				os.Exit(1)
			}
			continue
		}
		if running {
			s.signals++
			if s.signals == 1 {
				fmt.Fprintln(s.env.Stderr, "\ncancelling… (Ctrl-C again quits nerlab)")
			} else {
				fmt.Fprintln(s.env.Stderr, "\nnerlab: quit")
				os.Exit(130)
			}
		}
		s.mu.Unlock()
	}
}

// prompt names the current dataset.
func (s *server) prompt() string {
	if d := s.env.Session.Dataset(""); d != nil {
		return fmt.Sprintf("nerlab [%s]> ", d.Name)
	}
	return "nerlab> "
}

// execute runs one line and prints its error, if any, as one line.
func (s *server) execute(line string) string {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return wire.StatusOK
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel, s.signals = cancel, 0
	s.mu.Unlock()
	started := time.Now()
	err := s.exec(ctx, line)
	s.mu.Lock()
	s.cancel = nil
	s.mu.Unlock()
	cancelled := ctx.Err() != nil
	cancel()
	switch {
	case errors.Is(err, lab.ErrExit):
		return wire.StatusExit
	case errors.Is(err, train.ErrInterrupted):
		// The training printer has said where the checkpoint is and how
		// to resume.
		return wire.StatusError
	case err != nil && cancelled:
		fmt.Fprintln(s.env.Stderr, s.paint("33", "cancelled"))
		return wire.StatusError
	case err != nil:
		fmt.Fprintln(s.env.Stderr, s.paint("31", "error: ")+oneLine(s.env.Frontend.Error(err)))
		return wire.StatusError
	}
	if d := time.Since(started); d > 10*time.Second {
		fmt.Fprintf(s.env.Stderr, "(%s)\n", d.Round(time.Second))
	}
	return wire.StatusOK
}

// exec runs the line, turning a panic (a bug) into one error line and
// writing the stack to a crash log instead of the terminal.
func (s *server) exec(ctx context.Context, line string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log := filepath.Join(os.TempDir(), "nerlab-crash.log")
			report := fmt.Sprintf("%s\ncommand: %s\npanic: %v\n\n%s\n", time.Now().Format(time.RFC3339), line, r, debug.Stack())
			if f, ferr := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); ferr == nil {
				f.WriteString(report)
				f.Close()
			}
			err = fmt.Errorf("internal error: %v (details in %s; please report it)", r, log)
		}
	}()
	return s.lab.ExecLine(ctx, s.env, line)
}

// paint colours text with an SGR code when colours are on.
func (s *server) paint(sgr, text string) string {
	if !s.colour {
		return text
	}
	return "\x1b[" + sgr + "m" + text + "\x1b[0m"
}

// oneLine joins a multi-line message so every error is one line.
func oneLine(msg string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
}
