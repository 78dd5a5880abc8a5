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
