package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	prompt "github.com/c-bata/go-prompt"
	"golang.org/x/sys/unix"
)

// ttyParser is go-prompt's input layer on /dev/tty with a correct restore.
// go-prompt v0.2.6 keeps the "original" terminal settings in a variable
// that its raw-mode switch then overwrites, so its restore leaves echo off;
// this parser keeps the settings from before the REPL started and puts
// exactly those back, on every path go-prompt tears down (after each
// command, on Ctrl-D, on SIGTERM) and on ours (exit, second Ctrl-C, panic).
type ttyParser struct {
	tty     *os.File
	fd      int
	orig    unix.Termios
	pending []byte // input read but not yet handed to go-prompt
	// tabs, when set, answers each Tab handed to go-prompt (see afterTab).
	tabs     chan tabReply
	tabsSent int // Tabs handed to go-prompt
	tabOwed  bool
}

// tabReply says whether the shell's Tab binding inserted the candidates'
// common prefix for the n-th Tab.
type tabReply struct {
	n        int
	inserted bool
}

// backTab is the key that moves go-prompt's completion menu back one.
const backTab = "\x1b[Z"

// tabWait bounds the wait for the shell's answer to a Tab; it answers
// every Tab in a moment, so this only guards against a missed one.
const tabWait = 2 * time.Second

func openTTY() (*ttyParser, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("/dev/tty: %w", err)
	}
	return &ttyParser{tty: f, fd: fd, orig: *t}, nil
}

// Setup switches to raw input: no echo, no line editing, no signals from
// Ctrl-C (it is a key at the prompt), non-blocking reads so go-prompt's
// reader can stop. Output processing is left alone, as go-prompt expects.
func (t *ttyParser) Setup() error {
	if err := syscall.SetNonblock(t.fd, true); err != nil {
		return err
	}
	raw := t.orig
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Lflag &^= unix.ECHO | unix.ICANON | unix.IEXTEN | unix.ISIG | unix.ECHONL
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(t.fd, unix.TCSETS, &raw)
}

// TearDown restores the terminal as it was before the REPL started (echo,
// canonical input, Ctrl-C sending SIGINT) and blocking reads.
func (t *ttyParser) TearDown() error {
	if err := syscall.SetNonblock(t.fd, false); err != nil {
		return err
	}
	return t.restore()
}

func (t *ttyParser) restore() error {
	return unix.IoctlSetTermios(t.fd, unix.TCSETS, &t.orig)
}

// Read returns the next key of the input: an escape sequence, one control
// byte, or a run of text. go-prompt maps a read to one key, so pasted text
// such as "stats\r" must come out as "stats" and then Enter, or the Enter
// would be inserted into the line as text.
func (t *ttyParser) Read() ([]byte, error) {
	if t.tabOwed {
		t.tabOwed = false
		if t.afterTab() {
			return []byte(backTab), nil
		}
	}
	if len(t.pending) == 0 {
		buf := make([]byte, 1024)
		n, err := syscall.Read(t.fd, buf)
		if err != nil {
			return []byte{}, err
		}
		t.pending = buf[:n]
	}
	n := nextKey(t.pending)
	key := append([]byte(nil), t.pending[:n]...)
	t.pending = t.pending[n:]
	if t.tabs != nil && string(key) == "\t" {
		t.tabsSent++
		t.tabOwed = true
	}
	return key, nil
}

// afterTab waits until the shell's Tab binding has handled the last Tab
// and reports whether it inserted a common prefix. go-prompt selects the
// first candidate on every Tab, before any binding runs, and offers no
// way to undo that but a BackTab; a Tab that completed a common prefix
// must leave nothing selected, as in bash. The wait makes the answer the
// one for this Tab: go-prompt handles keys in the order this parser
// hands them out, so the binding has seen the line as the Tab found it.
func (t *ttyParser) afterTab() bool {
	timeout := time.After(tabWait)
	for {
		select {
		case r := <-t.tabs:
			if r.n == t.tabsSent {
				return r.inserted
			}
		case <-timeout:
			return false
		}
	}
}

// nextKey returns the length of the first key in b: a whole read starting
// with ESC (an escape sequence: arrows, function keys, Alt-x), a single
// control byte, or the text up to the next control byte.
func nextKey(b []byte) int {
	switch {
	case len(b) == 0:
		return 0
	case b[0] == 0x1b:
		return len(b)
	case b[0] < 0x20 || b[0] == 0x7f:
		return 1
	}
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			return i
		}
	}
	return len(b)
}

// GetWinSize returns the terminal's size (80×24 if it cannot be read).
func (t *ttyParser) GetWinSize() *prompt.WinSize {
	ws, err := unix.IoctlGetWinsize(t.fd, unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return &prompt.WinSize{Row: 24, Col: 80}
	}
	return &prompt.WinSize{Row: ws.Row, Col: ws.Col}
}

var _ prompt.ConsoleParser = (*ttyParser)(nil)
