package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nerlab/nerlab/kernel/jupyter"
)

// startKernel runs the built kernel on a fresh connection file and returns
// a client once kernel_info is answered, with the time that took.
func startKernel(t testing.TB, env ...string) (*jupyter.Client, time.Duration) {
	t.Helper()
	_, cl := startKernelProcess(t, env...)
	return cl.client, cl.took
}

// started is a kernel's client and the time from start to kernel_info.
type started struct {
	client *jupyter.Client
	took   time.Duration
}

// startKernelProcess runs the built kernel (with env added to its
// environment) and returns its process and a client, once kernel_info is
// answered. The process is killed when the test ends.
func startKernelProcess(t testing.TB, env ...string) (*exec.Cmd, started) {
	t.Helper()
	bin := kernelBinary(t)
	conn, err := jupyter.LocalConnection()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(conn)
	file := filepath.Join(t.TempDir(), "kernel.json")
	os.WriteFile(file, data, 0o600)
	cmd := exec.Command(bin, file)
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stderr = &logs // the kernel's log; shown when something fails
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	cl, err := jupyter.Dial(conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if _, err := cl.Call("shell", "kernel_info_request", map[string]any{}, 20*time.Second); err != nil {
		t.Fatalf("kernel_info: %v\nkernel log:\n%s", err, logs.String())
	}
	return cmd, started{cl, time.Since(start)}
}

func content(m *jupyter.Message) map[string]any {
	var c map[string]any
	if m != nil {
		json.Unmarshal(m.Content, &c)
	}
	return c
}

// TestInterruptStopsALoopAndTheKernelLivesOn interrupts an endless cell
// through the control socket (interrupt_mode "message").
func TestInterruptStopsALoopAndTheKernelLivesOn(t *testing.T) {
	cl, _ := startKernel(t)
	// Once the Go session is ready (an interrupt while it starts ends the
	// cell before it runs).
	if r, err := cl.Call("shell", "execute_request", map[string]any{"code": "0"}, 60*time.Second); err != nil || content(r)["status"] != "ok" {
		t.Fatalf("the first cell: %v %v", err, content(r))
	}
	if _, err := cl.Send("shell", "execute_request", map[string]any{"code": "n := 0\nfor { n++ }"}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := cl.Call("control", "interrupt_request", map[string]any{}, 5*time.Second); err != nil {
		t.Fatalf("interrupt: %v", err)
	}
	r, err := cl.Receive("shell", 10*time.Second)
	if c := content(r); err != nil || c["status"] != "error" || c["ename"] != "Interrupted" {
		t.Fatalf("the interrupted cell: %v %v", err, c)
	}
	r, err = cl.Call("shell", "execute_request", map[string]any{"code": "n > 0"}, 10*time.Second)
	if c := content(r); err != nil || c["status"] != "ok" {
		t.Fatalf("the next cell: %v %v", err, c)
	}
}

// BenchmarkKernelStart measures process start to the kernel_info reply.
func BenchmarkKernelStart(b *testing.B) {
	kernelBinary(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		_, d := startKernel(b)
		total += d
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-kernel_info")
}

// BenchmarkCellRoundTrip measures execute_request to execute_reply for a
// trivial cell.
func BenchmarkCellRoundTrip(b *testing.B) {
	cl, _ := startKernel(b)
	// The first cell waits for the Go session to start.
	if r, err := cl.Call("shell", "execute_request", map[string]any{"code": "0"}, 60*time.Second); err != nil || content(r)["status"] != "ok" {
		b.Fatalf("the first cell: %v %v", err, content(r))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := cl.Call("shell", "execute_request", map[string]any{"code": "1 + 1"}, 10*time.Second)
		if c := content(r); err != nil || c["status"] != "ok" {
			b.Fatalf("%v %v", err, c)
		}
	}
}
