package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// capture sends everything written to file descriptors 1 and 2 (by
// interpreted code, compiled Go and C++ alike) to the running cell as
// stream output. Without a running cell the text goes to the kernel log.
type capture struct {
	mu      sync.Mutex
	sink    func(name, text string) // the running cell's stream, or nil
	log     io.Writer               // the original stderr
	waiters map[string]chan struct{}
	seq     int
	files   map[string]*os.File // write ends, for sync markers
}

// startCapture points fds 1 and 2 at pipes read by this process and
// returns the capture and a writer on the original stderr for logs.
func startCapture() (*capture, *os.File, error) {
	origErr, err := unix.Dup(2)
	if err != nil {
		return nil, nil, err
	}
	logf := os.NewFile(uintptr(origErr), "stderr")
	c := &capture{log: logf, waiters: map[string]chan struct{}{}, files: map[string]*os.File{}}
	for _, s := range []struct {
		fd   int
		name string
	}{{1, "stdout"}, {2, "stderr"}} {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, err
		}
		if err := unix.Dup2(int(w.Fd()), s.fd); err != nil {
			return nil, nil, fmt.Errorf("redirecting %s: %w", s.name, err)
		}
		c.files[s.name] = w
		go c.read(r, s.name)
	}
	return c, logf, nil
}

// marker brackets a sync token in the stream; NUL bytes do not occur in
// text output.
const marker = "\x00nerlab-sync\x00"

func (c *capture) read(r *os.File, name string) {
	buf := make([]byte, 64<<10)
	var pending []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			pending = c.deliver(name, pending)
		}
		if err != nil {
			return
		}
	}
}

// deliver sends the text in data up to any sync marker, releases the
// marker's waiter, and returns what must wait for more bytes (a marker
// cut in two).
func (c *capture) deliver(name string, data []byte) []byte {
	for len(data) > 0 {
		i := bytes.Index(data, []byte(marker))
		if i < 0 {
			// Keep a possible marker prefix at the end for the next read.
			keep := 0
			for k := min(len(marker)-1, len(data)); k > 0; k-- {
				if bytes.HasSuffix(data, []byte(marker[:k])) {
					keep = k
					break
				}
			}
			c.emit(name, string(data[:len(data)-keep]))
			return data[len(data)-keep:]
		}
		c.emit(name, string(data[:i]))
		rest := data[i+len(marker):]
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			return data[i:] // the token is not complete yet
		}
		token := string(rest[:end])
		c.mu.Lock()
		if ch := c.waiters[token]; ch != nil {
			close(ch)
			delete(c.waiters, token)
		}
		c.mu.Unlock()
		data = rest[end+1:]
	}
	return nil
}

func (c *capture) emit(name, text string) {
	if text == "" {
		return
	}
	c.mu.Lock()
	sink := c.sink
	c.mu.Unlock()
	if sink != nil {
		sink(name, text)
	} else if text = dropImportWarnings(text); text != "" {
		io.WriteString(c.log, text)
	}
}

// attach routes output to a cell until detach.
func (c *capture) attach(sink func(name, text string)) {
	c.mu.Lock()
	c.sink = sink
	c.mu.Unlock()
}

// detach waits until everything written so far has been delivered, then
// stops routing output to the cell.
func (c *capture) detach() {
	c.sync()
	c.mu.Lock()
	c.sink = nil
	c.mu.Unlock()
}

// sync writes a marker into both pipes and waits for the readers to reach
// it, so all earlier output has been delivered.
func (c *capture) sync() {
	var chans []chan struct{}
	for _, name := range []string{"stdout", "stderr"} {
		c.mu.Lock()
		c.seq++
		token := strconv.Itoa(c.seq)
		ch := make(chan struct{})
		c.waiters[token] = ch
		c.mu.Unlock()
		c.files[name].WriteString(marker + token + "\x00")
		chans = append(chans, ch)
	}
	for _, ch := range chans {
		<-ch
	}
}
