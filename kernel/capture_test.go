package main

import (
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDeliverSplitsOutMarkersAcrossReads feeds a stream in pieces that cut
// a sync marker in two and checks the text, and that the token counts as
// delivered only once the whole marker has arrived.
func TestDeliverSplitsOutMarkersAcrossReads(t *testing.T) {
	var got strings.Builder
	c := newCapture(io.Discard)
	c.attach(func(name, text string) { got.WriteString(text) })
	c.seen["stderr"] = 7
	// Cut inside the marker, then between the token and its terminator.
	mark := syncMark(7)
	pieces := []string{"hello " + mark[:4], mark[4 : len(mark)-1], "\x00world\n"}
	var pending []byte
	for _, piece := range pieces {
		if c.waitSync(7, 0) {
			t.Fatal("sync reached before its marker was complete")
		}
		pending = c.deliver("stdout", append(pending, piece...))
	}
	if !c.waitSync(7, time.Second) {
		t.Fatal("sync not reached")
	}
	if got.String() != "hello world\n" || len(pending) != 0 {
		t.Errorf("delivered %q, pending %q", got.String(), pending)
	}
}

// TestCaptureKeepsTheTailOfStderrAndDrainsToTheEnd writes more than the
// tail holds through a real pipe, ending in a fatal error's trace: the
// reader never blocks the writer, the cell sees the text before the
// runtime's message but not the trace (the log gets it), and what names
// the cause is kept.
func TestCaptureKeepsTheTailOfStderrAndDrainsToTheEnd(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var shown strings.Builder
	var mu sync.Mutex
	var log strings.Builder
	c := newCapture(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return log.Write(p) }))
	c.attach(func(name, text string) { mu.Lock(); defer mu.Unlock(); shown.WriteString(text) })
	c.start(r, "stderr")
	cell := strings.Repeat("x", 1<<20) + "\n"
	trace := "runtime: goroutine stack exceeds 268435456-byte limit\nfatal error: stack overflow\n\nruntime stack:\n" + strings.Repeat("frame\n", 1<<16)
	// Written in pieces that cut the runtime's first line.
	for _, piece := range []string{cell, trace[:3], trace[3:]} {
		if _, err := w.WriteString(piece); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if !c.closed(5 * time.Second) {
		t.Fatal("the reader did not reach the end")
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.TrimPrefix(shown.String(), cell); strings.Contains(got, "frame") || len(got) > 3 {
		t.Errorf("the cell was shown %d bytes after its own text: %.80q", len(got), got)
	}
	if !strings.Contains(log.String(), "fatal error: stack overflow") {
		t.Error("the trace did not reach the log")
	}
	if len(c.tail) != tailSize {
		t.Errorf("tail of %d bytes", len(c.tail))
	}
	if got := deathCause(c.stderrTail(), nil); got != "stack overflow" {
		t.Errorf("cause %q", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestDropImportWarnings(t *testing.T) {
	in := "a\n// warning: skipping import of func x[T any]()\nb\n"
	if got := dropImportWarnings(in); got != "a\nb\n" {
		t.Errorf("%q", got)
	}
}

func TestSplitMagics(t *testing.T) {
	m, rest := splitMagics("%load x y\n\n  %stats\nfmt.Println(1)\n%notmagic")
	if strings.Join(m, "|") != "load x y|stats" || rest != "fmt.Println(1)\n%notmagic" {
		t.Errorf("%q %q", m, rest)
	}
}
