package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as nerlab itself, so the signal test
// can run it as a child process.
func TestMain(m *testing.M) {
	if args := os.Getenv("NERLAB_TEST_MAIN"); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSIGINTWritesCheckpoint sends SIGINT to a training process after its
// first epoch and checks that it exits with an error that names the
// checkpoint, that the checkpoint exists, and that resume finishes the run.
func TestSIGINTWritesCheckpoint(t *testing.T) {
	root, _ := filepath.Abs("../..")
	runDir := filepath.Join(t.TempDir(), "run")
	child := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "NERLAB_TEST_MAIN="+strings.Join(args, "\x1f"))
		return cmd
	}
	cmd := child("train", "data/configs/demo.yaml", "--set", "train.max_epochs=3", "--out", runDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	signalled := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if !signalled && strings.HasPrefix(sc.Text(), "epoch 1/") {
			time.Sleep(200 * time.Millisecond) // into epoch 2 (or its evaluation)
			cmd.Process.Signal(syscall.SIGINT)
			signalled = true
		}
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit code %d (%v), want 1; stderr:\n%s", code, err, log.String())
	}
	if !strings.Contains(log.String(), "nerlab resume") {
		t.Errorf("stderr does not say how to resume:\n%s", log.String())
	}
	if strings.Contains(log.String(), "goroutine ") {
		t.Errorf("a stack trace was printed:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(runDir, "checkpoints", "latest")); err != nil {
		t.Fatalf("no checkpoint after SIGINT: %v", err)
	}
	resume := child("resume", runDir)
	resume.Env = append(resume.Env, "NERLAB_TEST_MAIN=resume\x1f"+runDir)
	if out, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
}

// TestSIGTERMStopsPredictWithinASecond: predict --conll on a file with a
// 5 MB token ignored SIGTERM for 195 s. The character encoder now reads a
// bounded part of each token and tagging checks for a stop between
// batches, so the process exits soon after the signal.
func TestSIGTERMStopsPredictWithinASecond(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run")
	child := func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "NERLAB_TEST_MAIN="+strings.Join(args, "\x1f"))
		return cmd
	}
	if out, err := child("train", "data/configs/demo.yaml", "--set", "train.max_epochs=1", "--out", runDir).CombinedOutput(); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	// A file that takes minutes to tag: a 5 MB token in the longest
	// sentence (tagged first: batches go from the longest), then many
	// sentences.
	big := filepath.Join(dir, "big.conll")
	var b strings.Builder
	b.WriteString(strings.Repeat("x", 5<<20) + " O\n")
	for range 300 {
		b.WriteString("word O\n")
	}
	b.WriteString("\n")
	sample, err := os.ReadFile(filepath.Join(root, "data/sample/train.conll"))
	if err != nil {
		t.Fatal(err)
	}
	for b.Len() < 24<<20 {
		b.Write(sample)
		b.WriteString("\n")
	}
	if err := os.WriteFile(big, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := child("predict", "--model", runDir, "--conll", big)
	cmd.Stdout = nil
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done: // it must still be tagging: without the cap it crashed here
		t.Fatalf("predict ended before the signal (exit code %d):\n%.600s", cmd.ProcessState.ExitCode(), stderr.String())
	case <-time.After(4 * time.Second): // reading the file, loading the model, tagging
	}
	signalled := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("predict still ran 10 s after SIGTERM")
	}
	took := time.Since(signalled)
	t.Logf("predict stopped %.2f s after SIGTERM (exit code %d): %.300s", took.Seconds(), cmd.ProcessState.ExitCode(), stderr.String())
	if cmd.ProcessState.ExitCode() == 0 || strings.Contains(stderr.String(), "goroutine ") {
		t.Errorf("predict exited 0 or with a stack trace after SIGTERM; stderr:\n%.600s", stderr.String())
	}
	// A second on an idle machine; the test allows for a loaded one.
	if took > 3*time.Second {
		t.Errorf("predict took %.1f s to stop after SIGTERM, want about a second", took.Seconds())
	}
}

// TestBrokenPipeStopsLikeAnInterrupt: `train … 2>&1 | head -3` killed
// training with SIGPIPE after head exited: no checkpoint, and its lock
// left behind. A broken pipe now stops training as Ctrl-C does.
func TestBrokenPipeStopsLikeAnInterrupt(t *testing.T) {
	root, _ := filepath.Abs("../..")
	runDir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NERLAB_TEST_MAIN="+strings.Join([]string{"train", "data/configs/demo.yaml", "--set", "train.max_epochs=4", "--out", runDir, "--progress", "0"}, "\x1f"))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "epoch 1/4  batch") {
	}
	r.Close() // what head does after its lines
	cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("training was killed by %v", ws.Signal())
	}
	if _, err := os.Stat(filepath.Join(runDir, "checkpoints", "latest")); err != nil {
		t.Errorf("no checkpoint after the pipe broke: %v", err)
	}
	if _, err := os.Stat(filepath.Join(runDir, "running.lock")); err == nil {
		t.Errorf("the run's lock was left behind")
	}
}
