package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"

	prompt "github.com/c-bata/go-prompt"

	"github.com/nerlab/nerlab/repl/internal/wire"
)

const banner = `nerlab — named-entity recognition lab. 'help' lists commands, Tab completes,
Ctrl-C cancels a running command, Ctrl-D or 'exit' leaves.
`

// shell is the REPL front-end: it owns the terminal and the history, and
// sends each line to the engine, which prints the command's output itself.
type shell struct {
	tty    *ttyParser
	hist   *history
	engine *engineConn
	prompt string
	tabs   int // Tabs handled, counted as the parser counts those it hands out
}

// engineConn is the running engine and its request/reply pipes.
type engineConn struct {
	cmd     *exec.Cmd
	req     *os.File
	replies chan wire.Reply // closed when the engine's reply pipe closes
	nextID  int
	exited  chan struct{} // closed when the engine process has exited
}

// startEngine starts `engine --serve` on the terminal's stdout and stderr
// with the request and reply pipes as its descriptors 3 and 4.
func startEngine(path string) (*engineConn, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "--serve")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{reqR, repW}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	reqR.Close()
	repW.Close()
	e := &engineConn{cmd: cmd, req: reqW, replies: make(chan wire.Reply, 1), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(repR)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		for sc.Scan() {
			var r wire.Reply
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				e.replies <- r
			}
		}
		close(e.replies)
	}()
	go func() {
		cmd.Wait()
		close(e.exited)
	}()
	return e, nil
}

var errEngineGone = errors.New("the engine has exited")

// call sends a request and waits for its reply.
func (e *engineConn) call(op, line string) (wire.Reply, error) {
	e.nextID++
	data, _ := json.Marshal(wire.Request{ID: e.nextID, Op: op, Line: line})
	if _, err := e.req.Write(append(data, '\n')); err != nil {
		return wire.Reply{}, errEngineGone
	}
	for r := range e.replies {
		if r.ID == e.nextID {
			return r, nil
		}
	}
	return wire.Reply{}, errEngineGone
}

// exitCode waits for the engine to end and returns its exit code.
func (e *engineConn) exitCode() int {
	<-e.exited
	return e.cmd.ProcessState.ExitCode()
}

// runShell runs the REPL until exit, Ctrl-D or the engine's end, and leaves
// the terminal as it found it on every path.
func runShell(enginePath string) int {
	tty, err := openTTY()
	if err != nil {
		fmt.Fprintln(os.Stderr, "nerlab:", err)
		return 1
	}
	defer tty.restore()
	eng, err := startEngine(enginePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nerlab:", err)
		return 1
	}
	sh := &shell{tty: tty, hist: loadHistory(historyPath()), engine: eng, prompt: "nerlab> "}
	tty.tabs = make(chan tabReply, 16)
	fmt.Print(banner)
	p := prompt.New(sh.execute, sh.complete,
		prompt.OptionParser(tty),
		prompt.OptionPrefix("nerlab> "),
		prompt.OptionLivePrefix(func() (string, bool) { return sh.prompt, true }),
		prompt.OptionTitle("nerlab"),
		prompt.OptionHistory(sh.hist.lines),
		prompt.OptionMaxSuggestion(10),
		prompt.OptionPrefixTextColor(prompt.Blue),
		prompt.OptionAddKeyBind(prompt.KeyBind{Key: prompt.Tab, Fn: sh.tab}),
	)
	p.Run()
	// Ctrl-D: go-prompt has torn down; restore what we saved all the same,
	// and let the engine finish (it ends when its request pipe closes).
	tty.restore()
	eng.req.Close()
	eng.exitCode()
	return 0
}

// complete asks the engine for candidates. An empty line lists the
// commands only when Tab asks for them, so the menu does not cover the
// output of the command that just ran.
func (sh *shell) complete(d prompt.Document) []prompt.Suggest {
	line := d.TextBeforeCursor()
	if strings.TrimSpace(line) == "" && d.LastKeyStroke() != prompt.Tab {
		return nil
	}
	r, err := sh.engine.call(wire.OpComplete, line)
	if err != nil {
		return nil
	}
	out := make([]prompt.Suggest, len(r.Candidates))
	for i, c := range r.Candidates {
		desc := c.Description
		if rs := []rune(desc); len(rs) > 60 {
			desc = string(rs[:59]) + "…"
		}
		out[i] = prompt.Suggest{Text: c.Text, Description: desc}
	}
	return out
}

// tab runs after go-prompt's own handling of Tab (which selects the next
// candidate): when the candidates share a longer prefix than the word
// typed, it inserts that prefix, and the parser then takes the selection
// back, so that the first Tab completes what all candidates have in
// common and the next one offers them.
func (sh *shell) tab(buf *prompt.Buffer) {
	sh.tabs++
	inserted := false
	if rest := sh.commonRest(buf.Document().TextBeforeCursor()); rest != "" {
		buf.InsertText(rest, false, true)
		inserted = true
	}
	select {
	case sh.tty.tabs <- tabReply{n: sh.tabs, inserted: inserted}:
	default: // full: the parser has stopped waiting (it timed out), drop the answer
	}
}

// commonRest returns what the candidates for line have in common beyond
// the word being typed, "" when nothing.
func (sh *shell) commonRest(line string) string {
	r, err := sh.engine.call(wire.OpComplete, line)
	if err != nil {
		return ""
	}
	return restOfCommon(line, r.Common)
}

// restOfCommon returns the part of common beyond the word that ends line
// (the text after its last space, the word the engine completes).
func restOfCommon(line, common string) string {
	word := line[strings.LastIndexAny(line, " \t")+1:]
	if len(common) <= len(word) || !strings.HasPrefix(common, word) {
		return ""
	}
	return common[len(word):]
}

// execute sends one line to the engine. go-prompt has put the terminal in
// cooked mode, so Ctrl-C raises SIGINT in the whole foreground process
// group: the engine cancels the command (a second Ctrl-C ends it), and
// this process ignores the signal while it waits.
func (sh *shell) execute(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	sh.hist.add(line)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt)
	r, err := sh.engine.call(wire.OpExec, line)
	signal.Stop(sigs)
	if err != nil {
		// A second Ctrl-C, a crash, or SIGTERM/SIGHUP ended the engine.
		code := sh.engine.exitCode()
		sh.tty.restore()
		if code == 0 {
			code = 1
		}
		os.Exit(code)
	}
	if r.Prompt != "" {
		sh.prompt = r.Prompt
	}
	if r.Status == wire.StatusExit {
		// Leave now: go-prompt would draw one more prompt first.
		sh.engine.req.Close()
		sh.engine.exitCode()
		sh.tty.restore()
		os.Exit(0)
	}
}
