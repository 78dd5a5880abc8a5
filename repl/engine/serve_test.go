package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/repl/internal/wire"
)

// TestServeAnswersRequests drives the engine's REPL protocol in-process:
// the hello, completion, a command with output, an error as one line, the
// prompt naming the current dataset, and exit.
func TestServeAnswersRequests(t *testing.T) {
	reqR, reqW := io.Pipe()
	repR, repW := io.Pipe()
	var out, errOut bytes.Buffer
	done := make(chan int)
	go func() {
		done <- serve(reqR, repW, &out, &errOut, false)
		repW.Close()
	}()
	replies := bufio.NewScanner(repR)
	next := func() wire.Reply {
		t.Helper()
		if !replies.Scan() {
			t.Fatal("no reply")
		}
		var r wire.Reply
		if err := json.Unmarshal(replies.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	call := func(id int, op, line string) wire.Reply {
		t.Helper()
		data, _ := json.Marshal(wire.Request{ID: id, Op: op, Line: line})
		reqW.Write(append(data, '\n'))
		r := next()
		if r.ID != id {
			t.Fatalf("reply %d to request %d", r.ID, id)
		}
		return r
	}
	if hello := next(); hello.ID != 0 || hello.Prompt != "nerlab> " {
		t.Errorf("hello %+v", hello)
	}
	r := call(1, wire.OpComplete, "lo")
	if len(r.Candidates) == 0 || r.Candidates[0].Text != "load" || r.Candidates[0].Description == "" || r.Common != "load" {
		t.Errorf("completion of lo: %+v (common %q)", r.Candidates, r.Common)
	}
	r = call(2, wire.OpExec, "load wnut "+wnut17(t))
	if r.Status != wire.StatusOK || r.Prompt != "nerlab [wnut]> " || !strings.Contains(out.String(), "3394 sentences") {
		t.Errorf("load: %+v\n%s%s", r, out.String(), errOut.String())
	}
	r = call(3, wire.OpExec, "stats nope")
	if msg := errOut.String(); r.Status != wire.StatusError || !strings.HasPrefix(msg, "error: ") || strings.Count(msg, "\n") != 1 {
		t.Errorf("bad command: %+v, stderr %q", r, msg)
	}
	// A library's hint names the command as the REPL spells it.
	errOut.Reset()
	call(4, wire.OpExec, "index info "+t.TempDir())
	if msg := errOut.String(); !strings.Contains(msg, "(build one with `index build --corpus FILE --out ") || strings.Contains(msg, "nerlab index") {
		t.Errorf("the hint of a missing index is not spelt for the REPL: %q", msg)
	}
	if r := call(5, wire.OpExec, "   "); r.Status != wire.StatusOK {
		t.Errorf("empty line: %+v", r)
	}
	if r := call(6, wire.OpExec, "exit"); r.Status != wire.StatusExit {
		t.Errorf("exit: %+v", r)
	}
	if code := <-done; code != 0 {
		t.Errorf("serve returned %d", code)
	}
}
