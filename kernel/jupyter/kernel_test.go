package jupyter

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// fakeHandler echoes code as the result; "block" waits for cancellation.
type fakeHandler struct{ interrupted chan struct{} }

func (f *fakeHandler) Info() map[string]any { return map[string]any{"implementation": "fake"} }
func (f *fakeHandler) Execute(ctx context.Context, code string, out *Output) (map[string]any, error) {
	if code == "block" {
		<-ctx.Done()
		return nil, &ExecError{Name: "Interrupted", Value: "stopped"}
	}
	out.Stream("stdout", "ran "+code+"\n")
	return map[string]any{"text/plain": code}, nil
}
func (f *fakeHandler) Complete(string, int) ([]string, int, int)       { return nil, 0, 0 }
func (f *fakeHandler) Inspect(string, int, int) (map[string]any, bool) { return nil, false }
func (f *fakeHandler) IsComplete(string) (string, string)              { return "complete", "" }
func (f *fakeHandler) Interrupt()                                      { close(f.interrupted) }

func TestKernelRejectsBadSignaturesAndServesControlWhileBusy(t *testing.T) {
	conn, err := LocalConnection()
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeHandler{interrupted: make(chan struct{})}
	k, err := New(conn, h, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	done := make(chan bool, 1)
	go func() {
		restart, err := k.Run(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- restart
	}()
	cl, err := Dial(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	send := func(channel, msgType string, content any, s *Signer) string {
		t.Helper()
		id, err := cl.Send(channel, msgType, content, s)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	recv := func(channel string, timeout time.Duration) *Message {
		m, _ := cl.Receive(channel, timeout)
		return m
	}
	content := func(m *Message) map[string]any {
		var c map[string]any
		if m != nil {
			json.Unmarshal(m.Content, &c)
		}
		return c
	}

	id := send("shell", "kernel_info_request", map[string]any{}, nil)
	r := recv("shell", 5*time.Second)
	if r == nil || r.Header.MsgType != "kernel_info_reply" || r.Parent == nil || r.Parent.MsgID != id {
		t.Fatalf("kernel_info: %+v", r)
	}
	if info := content(r); info["status"] != "ok" || info["protocol_version"] != ProtocolVersion || info["implementation"] != "fake" {
		t.Errorf("kernel_info content %v", info)
	}

	wrong, _ := NewSigner("not-the-key", "hmac-sha256")
	unsigned, _ := NewSigner("", "")
	for name, s := range map[string]*Signer{"wrongly signed": wrong, "unsigned": unsigned} {
		send("shell", "execute_request", map[string]any{"code": "x"}, s)
		if r := recv("shell", 500*time.Millisecond); r != nil {
			t.Errorf("%s request answered: %s", name, r.Header.MsgType)
		}
	}

	// A blocking cell; the control socket still answers, and its interrupt
	// ends the cell with an error.
	execID := send("shell", "execute_request", map[string]any{"code": "block"}, nil)
	time.Sleep(100 * time.Millisecond)
	send("control", "interrupt_request", map[string]any{}, nil)
	if r := recv("control", 5*time.Second); r == nil || r.Header.MsgType != "interrupt_reply" {
		t.Fatalf("interrupt while busy: %+v", r)
	}
	r = recv("shell", 5*time.Second)
	if reply := content(r); r == nil || r.Parent.MsgID != execID || reply["status"] != "error" || reply["ename"] != "Interrupted" {
		t.Fatalf("interrupted execute: %+v %v", r, reply)
	}
	select {
	case <-h.interrupted:
	default:
		t.Error("Handler.Interrupt was not called")
	}

	// The kernel lives on.
	r, err = cl.Call("shell", "execute_request", map[string]any{"code": "2"}, 5*time.Second)
	if reply := content(r); err != nil || reply["status"] != "ok" || reply["execution_count"] != 2.0 {
		t.Fatalf("execute after the interrupt: %v %v", err, reply)
	}

	r, err = cl.Call("control", "shutdown_request", map[string]any{"restart": true}, 5*time.Second)
	if err != nil || r.Header.MsgType != "shutdown_reply" {
		t.Fatalf("shutdown: %v %+v", err, r)
	}
	select {
	case restart := <-done:
		if !restart {
			t.Error("restart was not passed on")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after shutdown")
	}
}

// TestDialWaitsForAStartingKernel: a kernel that listens seconds after the
// client dials (libtorch loading on a busy machine) is still reached.
func TestDialWaitsForAStartingKernel(t *testing.T) {
	conn, err := LocalConnection()
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan *Kernel, 1)
	go func() {
		time.Sleep(3 * time.Second) // past zmq4's default 10 retries of 250 ms
		k, err := New(conn, &fakeHandler{interrupted: make(chan struct{})}, io.Discard)
		if err != nil {
			t.Error(err)
			started <- nil
			return
		}
		started <- k
		k.Run(context.Background())
	}()
	cl, err := Dial(conn)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer cl.Close()
	if k := <-started; k != nil {
		defer k.Close()
	}
	if _, err := cl.Call("shell", "kernel_info_request", map[string]any{}, 10*time.Second); err != nil {
		t.Errorf("kernel_info after a late start: %v", err)
	}
}

// TestOutputRelay: an Output made by NewOutput hands its messages to emit,
// and Forward passes output messages on but refuses others (a relay must
// not publish replies or status in a cell's name).
func TestOutputRelay(t *testing.T) {
	var got []string
	relay := NewOutput(func(msgType string, content map[string]any) { got = append(got, msgType) })
	relay.Stream("stdout", "x")
	relay.Display(map[string]any{"text/plain": "d"}, nil, "id")
	relay.Update(map[string]any{"text/plain": "d"}, nil, "id")
	relay.Clear(true)
	if strings.Join(got, " ") != "stream display_data update_display_data clear_output" {
		t.Errorf("emitted %v", got)
	}
	got = nil
	if err := relay.Forward("stream", map[string]any{"name": "stdout", "text": "y"}); err != nil || len(got) != 1 {
		t.Errorf("forward stream: %v %v", err, got)
	}
	for _, bad := range []string{"execute_reply", "status", "error"} {
		if err := relay.Forward(bad, map[string]any{}); err == nil {
			t.Errorf("%s was forwarded", bad)
		}
	}
}
