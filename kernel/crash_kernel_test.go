package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFatalCellsEndTheSessionNotTheKernel runs the four cells that used to
// kill or hang the kernel (a panic in a goroutine, concurrent map writes,
// make([]byte, 1<<45), infinite recursion) through jupyter_client: each
// gets an error reply naming the cause within 60 s, and the next cell runs
// in a fresh Go session.
func TestFatalCellsEndTheSessionNotTheKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several Go sessions")
	}
	cmd := exec.Command("/usr/bin/python3", "-m", "unittest", "-v", "testdata/crashes.py")
	cmd.Env = jupyterEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("crash suite failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// childPIDs lists the processes whose parent is pid.
func childPIDs(pid int) []int {
	var out []int
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// alive reports whether pid is a process that has not ended (a zombie
// has).
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i+2 < len(s) && s[i+2] != 'Z'
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// evaluatorOf returns the kernel's evaluator process, once started.
func evaluatorOf(t *testing.T, kernel int) int {
	t.Helper()
	var kids []int
	if !waitFor(10*time.Second, func() bool { kids = childPIDs(kernel); return len(kids) == 1 }) {
		t.Fatalf("the kernel (pid %d) has children %v, want one evaluator", kernel, kids)
	}
	return kids[0]
}

// TestKernelExitsWhenItsClientIsGone starts the kernel with JPY_PARENT_PID
// naming a stand-in client, kills the client, and expects the kernel and
// its evaluator to exit within a few seconds.
func TestKernelExitsWhenItsClientIsGone(t *testing.T) {
	client := exec.Command("sleep", "600")
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	defer client.Process.Kill()
	cmd, _ := startKernelProcess(t, "JPY_PARENT_PID="+strconv.Itoa(client.Process.Pid))
	ev := evaluatorOf(t, cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	time.Sleep(1500 * time.Millisecond)
	select {
	case err := <-exited:
		t.Fatalf("the kernel exited while its client lived: %v", err)
	default:
	}
	client.Process.Kill()
	client.Wait()
	start := time.Now()
	select {
	case <-exited:
		t.Logf("the kernel exited %v after its client", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("the kernel still runs 10 s after its client was killed")
	}
	if !waitFor(5*time.Second, func() bool { return !alive(ev) }) {
		t.Errorf("the evaluator (pid %d) outlived the kernel", ev)
	}
}

// TestEvaluatorDiesWithAKilledKernel kills the kernel with SIGKILL (no
// chance to clean up) while a cell spins: the evaluator, busy and not
// reading its requests, must not live on.
func TestEvaluatorDiesWithAKilledKernel(t *testing.T) {
	cmd, st := startKernelProcess(t)
	ev := evaluatorOf(t, cmd.Process.Pid)
	if r, err := st.client.Call("shell", "execute_request", map[string]any{"code": "0"}, 60*time.Second); err != nil || content(r)["status"] != "ok" {
		t.Fatalf("the first cell: %v %v", err, content(r))
	}
	if _, err := st.client.Send("shell", "execute_request", map[string]any{"code": "for {}"}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if !waitFor(5*time.Second, func() bool { return !alive(ev) }) {
		syscall.Kill(ev, syscall.SIGKILL)
		t.Fatalf("the evaluator (pid %d) outlived its killed kernel", ev)
	}
}

// TestInterruptKillsACellThatIgnoresIt: a cell blocked in compiled code
// (time.Sleep) cannot be interrupted in the interpreter; after the grace
// period the evaluator is restarted and the cell ends with Interrupted.
func TestInterruptKillsACellThatIgnoresIt(t *testing.T) {
	cl, _ := startKernel(t)
	start := time.Now()
	if r, err := cl.Call("shell", "execute_request", map[string]any{"code": "import \"time\""}, 60*time.Second); err != nil || content(r)["status"] != "ok" {
		t.Fatalf("the first cell: %v %v", err, content(r))
	}
	t.Logf("first cell (the Go session starting) answered after %v", time.Since(start).Round(time.Millisecond))
	if _, err := cl.Send("shell", "execute_request", map[string]any{"code": "time.Sleep(time.Hour)"}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	start = time.Now()
	if _, err := cl.Call("control", "interrupt_request", map[string]any{}, 5*time.Second); err != nil {
		t.Fatalf("interrupt: %v", err)
	}
	r, err := cl.Receive("shell", interruptGrace+20*time.Second)
	c := content(r)
	if err != nil || c["status"] != "error" || c["ename"] != "Interrupted" || !strings.Contains(c["evalue"].(string), "restarted") {
		t.Fatalf("the interrupted cell: %v %v", err, c)
	}
	t.Logf("reply %v after the interrupt: %s", time.Since(start).Round(time.Millisecond), c["evalue"])
	r, err = cl.Call("shell", "execute_request", map[string]any{"code": "2 * 21"}, 30*time.Second)
	if c := content(r); err != nil || c["status"] != "ok" {
		t.Fatalf("the next cell: %v %v", err, c)
	}
	t.Logf("the next cell answered %v after the interrupt", time.Since(start).Round(time.Millisecond))
}
