package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/internal/testbin"
)

// nerlabBinary builds the real nerlab front-end and, beside it, its
// engine, and returns the front-end.
func nerlabBinary(t testing.TB) string {
	t.Helper()
	testbin.Build(t, "./engine", "nerlab-engine")
	return testbin.Build(t, ".", "nerlab")
}

// tmuxREPL is the real REPL running in a detached tmux session on a
// private server, driven with send-keys and read with capture-pane.
type tmuxREPL struct {
	t      *testing.T
	socket string
	done   string // written when the REPL has exited: its exit code
	stty   string // `stty -a` right after the REPL exited
}

func startTmuxREPL(t *testing.T, root string) *tmuxREPL {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		shareddata.Missing(t, "tmux is not installed (make setup installs it)")
	}
	bin := nerlabBinary(t)
	dir := t.TempDir()
	r := &tmuxREPL{t: t, socket: fmt.Sprintf("nerlab-test-%d-%d", os.Getpid(), time.Now().UnixNano()),
		done: filepath.Join(dir, "done"), stty: filepath.Join(dir, "stty")}
	// The wrapper shell shares nerlab's process group, so Ctrl-C reaches
	// it too; an interactive shell would ignore that, and the trap makes
	// this one do the same (nerlab itself gets the default handling).
	script := fmt.Sprintf("trap : INT; cd %q && NERLAB_HISTORY=%q NO_COLOR=1 %q; echo $? > %q.tmp; stty -a > %q; mv %q.tmp %q; sleep 600",
		root, filepath.Join(dir, "history"), bin, r.done, r.stty, r.done, r.done)
	r.tmux("new-session", "-d", "-s", "repl", "-x", "160", "-y", "50", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-L", r.socket, "kill-server").Run() })
	return r
}

func (r *tmuxREPL) tmux(args ...string) string {
	r.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", r.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// send types keys (tmux key names such as Enter, Tab, C-c are keys).
func (r *tmuxREPL) send(keys ...string) {
	r.tmux(append([]string{"send-keys", "-t", "repl"}, keys...)...)
}

// screen is the pane with its scrollback.
func (r *tmuxREPL) screen() string {
	return r.tmux("capture-pane", "-p", "-J", "-t", "repl", "-S", "-300")
}

// waitFor polls the pane until re matches, and returns the pane.
func (r *tmuxREPL) waitFor(what string, re *regexp.Regexp, timeout time.Duration) string {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := r.screen()
		if re.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waited %s for %s (%s); the pane shows:\n%s", timeout, what, re, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exited waits for the REPL to exit and returns its exit code and the
// terminal settings it left.
func (r *tmuxREPL) exited(timeout time.Duration) (code, stty string) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if data, err := os.ReadFile(r.done); err == nil {
			s, _ := os.ReadFile(r.stty)
			return strings.TrimSpace(string(data)), string(s)
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("the REPL did not exit in %s; the pane shows:\n%s", timeout, r.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// saneTerminal checks that stty -a shows a cooked terminal with echo.
func saneTerminal(t *testing.T, stty string) {
	t.Helper()
	for _, flag := range []string{"echo", "icanon", "isig", "icrnl"} {
		if !regexp.MustCompile(`(^|[\s])` + flag + `([\s]|$)`).MatchString(stty) {
			t.Errorf("after exit the terminal lacks %s; stty -a:\n%s", flag, stty)
		}
	}
}

// TestREPLInTmux drives the real REPL: completion, load + stats on WNUT-17,
// a training run with live progress cancelled by Ctrl-C, a prompt that
// answers again, and exit to a sane terminal.
func TestREPLInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end REPL test")
	}
	root, _ := filepath.Abs("..")
	wnut17 := shareddata.Path(t, "datasets", "wnut17")
	datasets := filepath.Dir(wnut17)
	runDir := filepath.Join(t.TempDir(), "run")
	r := startTmuxREPL(t, root)
	r.waitFor("the prompt", regexp.MustCompile(`(?m)^nerlab>\s*$`), 20*time.Second)

	// Completion: typing shows candidates with descriptions; Tab takes one.
	r.send("lo")
	r.waitFor("completion candidates", regexp.MustCompile(`load\s+Load a dataset folder`), 5*time.Second)
	r.send("Tab")
	r.waitFor("the completed command", regexp.MustCompile(`(?m)^nerlab> load\s*$`), 5*time.Second)
	// wnut16/ and wnut17/: the first Tab completes what they share, as
	// bash does, and selects neither; the second offers them.
	r.send(" wnut " + datasets + "/wnu")
	r.send("Tab")
	r.waitFor("the common prefix", regexp.MustCompile(`(?m)nerlab> load wnut `+regexp.QuoteMeta(datasets)+`/wnut1\s*$`), 5*time.Second)
	r.send("Tab")
	r.waitFor("a completed path", regexp.MustCompile(`nerlab> load wnut `+regexp.QuoteMeta(datasets)+`/wnut1[67]/`), 5*time.Second)
	r.send("C-u") // clear the line; type the exact path
	r.send("load wnut "+wnut17, "Enter")
	r.waitFor("the loaded splits", regexp.MustCompile(`test\s+1287 sentences\s+23394 tokens\s+1079 entities`), 20*time.Second)

	r.send("stats", "Enter")
	s := r.waitFor("the stats table", regexp.MustCompile(`(?m)^\s+product\s+142\s+114\s+127\s*$`), 20*time.Second)
	for _, row := range []string{`sentences\s+3394\s+1009\s+1287`, `tokens\s+62730\s+15733\s+23394`, `person\s+660\s+470\s+429`, `location\s+548\s+74\s+150`} {
		if !regexp.MustCompile(row).MatchString(s) {
			t.Errorf("stats lacks %s:\n%s", row, s)
		}
	}

	// A bad command answers with one line and a hint, never a stack.
	r.send("trian", "Enter")
	s = r.waitFor("the error", regexp.MustCompile(`error: unknown command "trian" \(did you mean "train"\?\); try `+"`help`"), 5*time.Second)
	if strings.Contains(s, "goroutine") {
		t.Errorf("a stack trace:\n%s", s)
	}

	// Train with live progress, then Ctrl-C: a checkpoint and the prompt back.
	r.send("set train.max_epochs=50 model.hidden_size=16 embeddings.word.vectors= embeddings.char=none", "Enter")
	r.send("train --out "+runDir, "Enter")
	r.waitFor("the progress line", regexp.MustCompile(`epoch 1/50\s+\[[= ]+\]\s+\d+/\d+\s+loss`), 120*time.Second)
	r.send("C-c")
	// The hint names the command as the REPL spells it.
	r.waitFor("the interruption", regexp.MustCompile(`(?s)cancelling….*interrupted in epoch \d+ after \d+ batches; checkpoint .*; continue with `+"`resume "+regexp.QuoteMeta(runDir)+"`"+`\s*\nnerlab \[wnut\]>\s*$`), 120*time.Second)
	if _, err := os.Stat(filepath.Join(runDir, "checkpoints", "latest")); err != nil {
		t.Errorf("no checkpoint after Ctrl-C: %v", err)
	}
	r.send("runs "+filepath.Dir(runDir), "Enter")
	r.waitFor("the runs table", regexp.MustCompile(regexp.QuoteMeta(runDir)+`\s+interrupted`), 10*time.Second)

	r.send("exit", "Enter")
	code, stty := r.exited(10 * time.Second)
	if code != "0" {
		t.Errorf("exit code %s", code)
	}
	saneTerminal(t, stty)
}

// TestREPLCtrlDRestoresTerminal leaves with Ctrl-D (go-prompt's own exit
// path) and with a second Ctrl-C during a command.
func TestREPLCtrlDRestoresTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end REPL test")
	}
	root, _ := filepath.Abs("..")
	r := startTmuxREPL(t, root)
	r.waitFor("the prompt", regexp.MustCompile(`(?m)^nerlab>\s*$`), 20*time.Second)
	r.send("help", "Enter")
	r.waitFor("the help", regexp.MustCompile("`help COMMAND` explains one command"), 5*time.Second)
	r.send("C-d")
	code, stty := r.exited(10 * time.Second)
	if code != "0" {
		t.Errorf("exit code %s", code)
	}
	saneTerminal(t, stty)
}

// BenchmarkPromptReady measures the time from starting nerlab on a
// terminal (script(1) gives it a pty) to its prompt being drawn.
func BenchmarkPromptReady(b *testing.B) {
	if _, err := exec.LookPath("script"); err != nil {
		b.Skip("script(1) is not installed")
	}
	bin := nerlabBinary(b)
	hist := filepath.Join(b.TempDir(), "history")
	var total time.Duration
	for i := 0; i < b.N; i++ {
		cmd := exec.Command("script", "-qfec", bin, "/dev/null")
		cmd.Env = append(os.Environ(), "TERM=xterm", "NERLAB_HISTORY="+hist)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var seen bytes.Buffer
		buf := make([]byte, 4096)
		for !bytes.Contains(seen.Bytes(), []byte("nerlab> ")) {
			n, err := stdout.Read(buf)
			seen.Write(buf[:n])
			if err == io.EOF || err != nil {
				b.Fatalf("no prompt: %v\n%q", err, seen.String())
			}
		}
		total += time.Since(start)
		io.WriteString(stdin, "exit\r")
		go io.Copy(io.Discard, stdout)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("nerlab exited with %v", err)
		}
		stdin.Close()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-prompt")
}
