package main

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// capture relays what the evaluator writes to its file descriptors 1 and 2
// (interpreted code, compiled Go and C++ alike) to the running cell as
// stream output; without a running cell the text goes to the kernel log.
// The readers never stop draining, so a dying evaluator's last words (a
// fatal error's trace) never block on a full pipe, and the last bytes of
// stderr are kept to name the cause.
type capture struct {
	mu      sync.Mutex
	sink    func(name, text string) // the running cell's stream, or nil
	log     io.Writer               // the kernel's log
	seen    map[string]int          // the last sync token each stream delivered
	changed chan struct{}           // closed (and replaced) when seen changes
	tail    []byte                  // the last tailSize bytes of stderr
	// The runtime's last words: from the first line of a fatal error or
	// panic on stderr (since the last sync), the text goes to the log and
	// is kept in last (bounded), not shown in the cell: a fatal error's
	// trace of every goroutine says nothing to a notebook user, and the
	// cell's error names the cause.
	dying   bool
	partial string // stderr's unterminated last line, up to 256 bytes
	last    []byte
	readers sync.WaitGroup
}

// tailSize bounds the stderr kept to explain an evaluator's death: a fatal
// error's message and the first lines of its trace.
const tailSize = 16 << 10

func newCapture(log io.Writer) *capture {
	return &capture{log: log, seen: map[string]int{}, changed: make(chan struct{})}
}

// marker brackets a sync token in the stream; NUL bytes do not occur in
// text output. The evaluator writes one to both streams after a cell's
// output, so the kernel knows when all of it has arrived.
const marker = "\x00nerlab-sync\x00"

// syncMark is what the evaluator writes for token n.
func syncMark(n int) string { return marker + strconv.Itoa(n) + "\x00" }

// start drains r (the evaluator's stream name) until EOF.
func (c *capture) start(r io.ReadCloser, name string) {
	c.readers.Add(1)
	go func() {
		defer c.readers.Done()
		defer r.Close()
		buf := make([]byte, 64<<10)
		var pending []byte
		for {
			n, err := r.Read(buf)
			if n > 0 {
				if name == "stderr" {
					c.keepTail(buf[:n])
				}
				pending = append(pending, buf[:n]...)
				pending = c.deliver(name, pending)
			}
			if err != nil {
				c.emit(name, string(pending))
				return
			}
		}
	}()
}

func (c *capture) keepTail(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tail = append(c.tail, p...)
	if over := len(c.tail) - tailSize; over > 0 {
		c.tail = append(c.tail[:0], c.tail[over:]...)
	}
}

// stderrTail returns what names an evaluator's death: the runtime's last
// words (their start) and the last bytes written to stderr.
func (c *capture) stderrTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.last) + "\n" + string(c.tail)
}

// runtimeLine reports whether a line on stderr starts the runtime's
// message about a fatal error or an unrecovered panic.
func runtimeLine(line string) bool {
	for _, p := range []string{"fatal error: ", "panic: ", "runtime: "} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// splitDying splits stderr text into what the cell shows and what starts
// (or continues) the runtime's last words.
func (c *capture) splitDying(text string) (show, dying string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dying {
		// Look at each line start, the first one continuing the
		// unterminated line of the text before.
		probe := c.partial + text
		at := -1
		for i := 0; i < len(probe); {
			if runtimeLine(probe[i:]) {
				at = i
				break
			}
			j := strings.IndexByte(probe[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
		}
		switch {
		case at < 0:
			show = text
		case at < len(c.partial):
			// It began in text already shown; the rest is its continuation.
			c.dying = true
			dying = text
		default:
			c.dying = true
			show, dying = text[:at-len(c.partial)], text[at-len(c.partial):]
		}
		if i := strings.LastIndexByte(probe, '\n'); i >= 0 {
			c.partial = probe[i+1:]
		} else {
			c.partial = probe
		}
		if len(c.partial) > 256 {
			c.partial = c.partial[len(c.partial)-256:]
		}
	} else {
		dying = text
	}
	if dying != "" && len(c.last) < tailSize {
		c.last = append(c.last, dying[:min(len(dying), tailSize-len(c.last))]...)
	}
	return show, dying
}

// closed waits up to d for both streams to end (the evaluator exited and
// no child of it holds them) and reports whether they did.
func (c *capture) closed(d time.Duration) bool {
	done := make(chan struct{})
	go func() { c.readers.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// deliver sends the text in data up to any sync marker, records the
// marker's token, and returns what must wait for more bytes (a marker cut
// in two).
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
		if n, err := strconv.Atoi(string(rest[:end])); err == nil {
			c.mu.Lock()
			if name == "stderr" {
				// A cell ended: what looked like last words was not.
				c.dying, c.partial, c.last = false, "", nil
			}
			c.seen[name] = max(c.seen[name], n)
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
		data = rest[end+1:]
	}
	return nil
}

func (c *capture) emit(name, text string) {
	if text == "" {
		return
	}
	if name == "stderr" {
		show, dying := c.splitDying(text)
		if dying != "" {
			io.WriteString(c.log, dying)
		}
		if text = show; text == "" {
			return
		}
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

// detach stops routing output to the cell.
func (c *capture) detach() {
	c.mu.Lock()
	c.sink = nil
	c.mu.Unlock()
}

// waitSync waits until both streams have delivered sync token n (all the
// output written before it), for at most d; it reports whether they did.
func (c *capture) waitSync(n int, d time.Duration) bool {
	timeout := time.After(d)
	for {
		c.mu.Lock()
		ok := c.seen["stdout"] >= n && c.seen["stderr"] >= n
		changed := c.changed
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-timeout:
			return false
		}
	}
}
