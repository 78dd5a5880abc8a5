package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// evalProcess is one evaluator process and its pipes.
type evalProcess struct {
	cmd   *exec.Cmd
	enc   *encoder         // requests, to its fd 3
	resps chan response    // from its fd 4; closed when that ends
	cap   *capture         // its fds 1 and 2
	ready bool             // its ready message has been read
	state *os.ProcessState // set once exited is closed

	exited chan struct{}
}

// startEvaluator starts `exe evaluator` with its pipes. It dies with the
// kernel (on Linux even if the kernel is killed: Pdeathsig) and has its
// own process group, so a Ctrl-C in the terminal that started Jupyter
// does not kill it behind the kernel's back.
func startEvaluator(exe string, log io.Writer) (*evalProcess, error) {
	var files []*os.File // every pipe end, closed on failure
	pipe := func() (*os.File, *os.File, error) {
		r, w, err := os.Pipe()
		files = append(files, r, w)
		return r, w, err
	}
	fail := func(err error) (*evalProcess, error) {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
		return nil, fmt.Errorf("starting the Go session: %w", err)
	}
	reqR, reqW, err := pipe()
	if err != nil {
		return fail(err)
	}
	respR, respW, err := pipe()
	if err != nil {
		return fail(err)
	}
	outR, outW, err := pipe()
	if err != nil {
		return fail(err)
	}
	errR, errW, err := pipe()
	if err != nil {
		return fail(err)
	}
	cmd := exec.Command(exe, evaluatorArg)
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.ExtraFiles = []*os.File{reqR, respW} // fds 3 and 4
	cmd.Env = evaluatorEnv(os.Environ())
	cmd.SysProcAttr = evaluatorAttr()
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	// The child has its ends; the kernel keeps only its own.
	for _, f := range []*os.File{reqR, respW, outW, errW} {
		f.Close()
	}
	p := &evalProcess{cmd: cmd, enc: &encoder{w: reqW}, resps: make(chan response, 64), cap: newCapture(log), exited: make(chan struct{})}
	p.cap.start(outR, "stdout")
	p.cap.start(errR, "stderr")
	go func() {
		defer respR.Close()
		decode(respR, p.resps, func(err error) {
			fmt.Fprintln(log, "nerlab-kernel: the evaluator sent", err)
			p.kill()
		})
	}()
	go func() {
		cmd.Wait()
		p.state = cmd.ProcessState
		reqW.Close()
		close(p.exited)
	}()
	return p, nil
}

// kill ends the process at once.
func (p *evalProcess) kill() { p.cmd.Process.Kill() }

// evaluatorEnv is the kernel's environment for the evaluator, with the
// runtime's tracebacks off (unless asked for): a fatal error's trace of
// interpreter frames says nothing to a notebook user, and its first
// lines, which name the cause, are printed anyway.
func evaluatorEnv(env []string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOTRACEBACK=") {
			return env
		}
	}
	return append(env, "GOTRACEBACK=none")
}
