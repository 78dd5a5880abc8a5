package main

import (
	"strings"
	"testing"
)

// TestDeliverSplitsOutMarkersAcrossReads feeds a stream in pieces that cut
// a sync marker in two and checks the text, and that the waiter is
// released only once the whole marker has arrived.
func TestDeliverSplitsOutMarkersAcrossReads(t *testing.T) {
	var got strings.Builder
	c := &capture{waiters: map[string]chan struct{}{}}
	c.attach(func(name, text string) { got.WriteString(text) })
	ch := make(chan struct{})
	c.waiters["7"] = ch
	// Cut inside the marker, then between the token and its terminator.
	pieces := []string{"hello " + marker[:4], marker[4:] + "7", "\x00world\n"}
	var pending []byte
	for _, piece := range pieces {
		select {
		case <-ch:
			t.Fatal("waiter released before its marker was complete")
		default:
		}
		pending = c.deliver("stdout", append(pending, piece...))
	}
	select {
	case <-ch:
	default:
		t.Fatal("waiter not released")
	}
	if got.String() != "hello world\n" || len(pending) != 0 {
		t.Errorf("delivered %q, pending %q", got.String(), pending)
	}
}

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
