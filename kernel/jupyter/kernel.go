package jupyter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"path"
	"runtime"
	"sync"

	"github.com/go-zeromq/zmq4"
)

// Handler is what a kernel does with requests. Execute, Complete,
// Inspect and IsComplete run on the shell goroutine, one at a time;
// Interrupt is called from the control goroutine while Execute runs.
type Handler interface {
	// Info is the kernel_info_reply content beyond status and
	// protocol_version (implementation, language_info, banner, ...).
	Info() map[string]any
	// Execute runs code and returns the MIME bundle of its value (nil for
	// none). Output produced meanwhile goes through out.
	Execute(ctx context.Context, code string, out *Output) (map[string]any, error)
	// Complete returns the matches for the code at cursor (a character
	// offset) and the character range they replace.
	Complete(code string, cursor int) (matches []string, start, end int)
	// Inspect returns documentation (a MIME bundle) of what is at cursor.
	Inspect(code string, cursor, detail int) (data map[string]any, found bool)
	// IsComplete reports "complete", "incomplete" (with an indent),
	// "invalid" or "unknown".
	IsComplete(code string) (status, indent string)
	// Interrupt asks the running Execute to stop.
	Interrupt()
}

// ExecError is an execution failure as Jupyter shows it.
type ExecError struct {
	Name, Value string
	Traceback   []string
}

func (e *ExecError) Error() string { return e.Name + ": " + e.Value }

// Kernel serves a Handler on the sockets of a connection file.
type Kernel struct {
	conn    *Connection
	signer  *Signer
	handler Handler
	session string
	log     *log.Logger

	shell, control, stdin, iopub, hb zmq4.Socket
	iopubMu                          sync.Mutex

	count   int        // execution counter
	history []entry    // stored executions, oldest first
	mu      sync.Mutex // guards cancel
	cancel  context.CancelFunc

	ctx  context.Context
	stop context.CancelFunc
}

// New binds the kernel's sockets. Logs (never the user's output) go to
// logw.
func New(conn *Connection, h Handler, logw io.Writer) (*Kernel, error) {
	signer, err := NewSigner(conn.Key, conn.SignatureScheme)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	k := &Kernel{conn: conn, signer: signer, handler: h, session: newID(), log: log.New(logw, "nerlab-kernel: ", log.LstdFlags),
		ctx: ctx, stop: stop}
	k.shell = zmq4.NewRouter(ctx)
	k.control = zmq4.NewRouter(ctx)
	k.stdin = zmq4.NewRouter(ctx)
	k.iopub = zmq4.NewPub(ctx)
	k.hb = zmq4.NewRep(ctx)
	for _, s := range []struct {
		sock zmq4.Socket
		port int
		name string
	}{{k.shell, conn.ShellPort, "shell"}, {k.control, conn.ControlPort, "control"}, {k.stdin, conn.StdinPort, "stdin"},
		{k.iopub, conn.IOPubPort, "iopub"}, {k.hb, conn.HBPort, "heartbeat"}} {
		if err := s.sock.Listen(conn.endpoint(s.port)); err != nil {
			k.Close()
			return nil, fmt.Errorf("%s socket on %s: %w", s.name, conn.endpoint(s.port), err)
		}
	}
	return k, nil
}

// Close closes the sockets.
func (k *Kernel) Close() {
	k.stop()
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
}

// Run serves until a shutdown_request (it returns restart as asked) or
// until ctx ends. The calling goroutine serves the shell socket (and runs
// the code, locked to its OS thread); control and heartbeat get their own.
func (k *Kernel) Run(ctx context.Context) (restart bool, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	done := make(chan bool, 1)
	go k.heartbeat()
	go k.serve(k.control, done)
	k.publish(nil, "status", map[string]any{"execution_state": "starting"})
	shellMsgs := make(chan *Message)
	go k.receive(k.shell, shellMsgs)
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case restart := <-done:
			return restart, nil
		case m, ok := <-shellMsgs:
			if !ok {
				return false, fmt.Errorf("shell socket closed")
			}
			if r, stop := k.handle(k.shell, m); stop {
				return r, nil
			}
		}
	}
}

// receive decodes messages from sock onto ch; malformed or wrongly signed
// messages are logged and dropped.
func (k *Kernel) receive(sock zmq4.Socket, ch chan<- *Message) {
	defer close(ch)
	for {
		raw, err := sock.Recv()
		if err != nil {
			if k.ctx.Err() == nil {
				k.log.Printf("receive: %v", err)
			}
			return
		}
		m, err := k.signer.Decode(raw.Frames)
		if err != nil {
			k.log.Printf("dropped a message: %v", err)
			continue
		}
		ch <- m
	}
}

// serve handles a socket's messages on its own goroutine (control).
func (k *Kernel) serve(sock zmq4.Socket, done chan<- bool) {
	ch := make(chan *Message)
	go k.receive(sock, ch)
	for m := range ch {
		if restart, stop := k.handle(sock, m); stop {
			done <- restart
			return
		}
	}
}

func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if err != nil {
			return
		}
		if err := k.hb.Send(msg); err != nil {
			return
		}
	}
}

// handle answers one request; stop reports a shutdown.
func (k *Kernel) handle(sock zmq4.Socket, m *Message) (restart, stop bool) {
	k.publish(m, "status", map[string]any{"execution_state": "busy"})
	defer k.publish(m, "status", map[string]any{"execution_state": "idle"})
	var req map[string]any
	json.Unmarshal(m.Content, &req)
	str := func(key string) string { s, _ := req[key].(string); return s }
	num := func(key string) int { f, _ := req[key].(float64); return int(f) }
	boolean := func(key string, def bool) bool {
		if b, ok := req[key].(bool); ok {
			return b
		}
		return def
	}
	switch m.Header.MsgType {
	case "kernel_info_request":
		info := k.handler.Info()
		info["status"], info["protocol_version"] = "ok", ProtocolVersion
		k.reply(sock, m, "kernel_info_reply", info)
	case "execute_request":
		k.execute(sock, m, str("code"), boolean("silent", false), boolean("store_history", true))
	case "complete_request":
		matches, start, end := k.handler.Complete(str("code"), num("cursor_pos"))
		if matches == nil {
			matches = []string{}
		}
		k.reply(sock, m, "complete_reply", map[string]any{"status": "ok", "matches": matches,
			"cursor_start": start, "cursor_end": end, "metadata": map[string]any{}})
	case "inspect_request":
		data, found := k.handler.Inspect(str("code"), num("cursor_pos"), num("detail_level"))
		if data == nil {
			data = map[string]any{}
		}
		k.reply(sock, m, "inspect_reply", map[string]any{"status": "ok", "found": found, "data": data, "metadata": map[string]any{}})
	case "is_complete_request":
		status, indent := k.handler.IsComplete(str("code"))
		content := map[string]any{"status": status}
		if status == "incomplete" {
			content["indent"] = indent
		}
		k.reply(sock, m, "is_complete_reply", content)
	case "history_request":
		k.reply(sock, m, "history_reply", map[string]any{"status": "ok", "history": k.historyFor(req)})
	case "comm_info_request":
		k.reply(sock, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "interrupt_request":
		k.mu.Lock()
		if k.cancel != nil {
			k.cancel()
		}
		k.mu.Unlock()
		k.handler.Interrupt()
		k.reply(sock, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		restart = boolean("restart", false)
		k.reply(sock, m, "shutdown_reply", map[string]any{"status": "ok", "restart": restart})
		return restart, true
	case "comm_open", "comm_msg", "comm_close":
		// No comm targets: Jupyter expects these to be ignored.
	default:
		k.log.Printf("unhandled message type %q", m.Header.MsgType)
	}
	return false, false
}

// execute runs a cell: execute_input, output while it runs, then the
// result or the error, then the reply.
func (k *Kernel) execute(sock zmq4.Socket, m *Message, code string, silent, store bool) {
	stored := !silent && store
	if stored {
		k.count++
		k.history = append(k.history, entry{line: k.count, input: code})
	}
	count := k.count
	if !silent {
		k.publish(m, "execute_input", map[string]any{"code": code, "execution_count": count})
	}
	ctx, cancel := context.WithCancel(k.ctx)
	k.mu.Lock()
	k.cancel = cancel
	k.mu.Unlock()
	out := &Output{k: k, parent: m, silent: silent}
	data, err := k.handler.Execute(ctx, code, out)
	k.mu.Lock()
	k.cancel = nil
	k.mu.Unlock()
	cancel()
	if err != nil {
		e, ok := err.(*ExecError)
		if !ok {
			e = &ExecError{Name: "Error", Value: err.Error()}
		}
		if e.Traceback == nil {
			e.Traceback = []string{e.Name + ": " + e.Value}
		}
		content := map[string]any{"ename": e.Name, "evalue": e.Value, "traceback": e.Traceback}
		if !silent {
			k.publish(m, "error", content)
		}
		content["status"], content["execution_count"] = "error", count
		k.reply(sock, m, "execute_reply", content)
		return
	}
	if text, ok := data["text/plain"].(string); ok && stored {
		k.history[len(k.history)-1].output = text
	}
	if data != nil && !silent {
		k.publish(m, "execute_result", map[string]any{"execution_count": count, "data": data, "metadata": map[string]any{}})
	}
	k.reply(sock, m, "execute_reply", map[string]any{"status": "ok", "execution_count": count,
		"payload": []any{}, "user_expressions": map[string]any{}})
}

// historyFor answers a history_request from this session's executions
// (session number 0): tail (the last n), range (lines start to stop), or
// search (a glob pattern; unique drops repeats; n keeps the last n). With
// output each item's input is an (input, output) pair.
func (k *Kernel) historyFor(req map[string]any) [][]any {
	n, _ := req["n"].(float64)
	pattern, _ := req["pattern"].(string)
	unique, _ := req["unique"].(bool)
	withOutput, _ := req["output"].(bool)
	start, _ := req["start"].(float64)
	stop, hasStop := req["stop"].(float64)
	item := func(e entry) []any {
		if withOutput {
			var out any
			if e.output != "" {
				out = e.output
			}
			return []any{0, e.line, []any{e.input, out}}
		}
		return []any{0, e.line, e.input}
	}
	var picked []entry
	switch req["hist_access_type"] {
	case "tail":
		picked = k.history[max(0, len(k.history)-int(n)):]
		if n <= 0 {
			picked = k.history
		}
	case "range":
		for _, e := range k.history {
			if e.line >= int(start) && (!hasStop || e.line < int(stop)) {
				picked = append(picked, e)
			}
		}
	case "search":
		seen := map[string]bool{}
		for i := len(k.history) - 1; i >= 0; i-- {
			e := k.history[i]
			if ok, _ := path.Match(pattern, e.input); !ok && pattern != "" && pattern != "*" {
				continue
			}
			if unique && seen[e.input] {
				continue
			}
			seen[e.input] = true
			picked = append([]entry{e}, picked...)
			if n > 0 && len(picked) >= int(n) {
				break
			}
		}
	}
	out := [][]any{}
	for _, e := range picked {
		out = append(out, item(e))
	}
	return out
}

// reply sends a reply to m on sock.
func (k *Kernel) reply(sock zmq4.Socket, m *Message, msgType string, content any) {
	data, err := json.Marshal(content)
	if err != nil {
		k.log.Printf("%s: %v", msgType, err)
		return
	}
	parent := m.Header
	r := &Message{Identities: m.Identities, Header: NewHeader(msgType, k.session, "kernel"), Parent: &parent, Content: data}
	frames, err := k.signer.Encode(r)
	if err != nil {
		k.log.Printf("%s: %v", msgType, err)
		return
	}
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Printf("sending %s: %v", msgType, err)
	}
}

// publish broadcasts an iopub message whose parent is m (nil: none).
func (k *Kernel) publish(m *Message, msgType string, content any) {
	data, err := json.Marshal(content)
	if err != nil {
		k.log.Printf("%s: %v", msgType, err)
		return
	}
	msg := &Message{Identities: [][]byte{[]byte("kernel." + msgType)}, Header: NewHeader(msgType, k.session, "kernel"), Content: data}
	if m != nil {
		parent := m.Header
		msg.Parent = &parent
	}
	frames, err := k.signer.Encode(msg)
	if err != nil {
		k.log.Printf("%s: %v", msgType, err)
		return
	}
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	if err := k.iopub.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		k.log.Printf("publishing %s: %v", msgType, err)
	}
}

// entry is one stored execution: its line (execution count), input and
// the text of its result ("" when none).
type entry struct {
	line          int
	input, output string
}

// Output is how a running cell shows things: stream text, rich displays
// (updatable by display id) and clearing. It may be used from any
// goroutine while the cell runs.
type Output struct {
	k      *Kernel
	parent *Message
	silent bool
	// emit, when set, receives the messages instead of iopub: an Output
	// made by NewOutput in a process that relays them to the kernel.
	emit func(msgType string, content map[string]any)
}

// NewOutput returns an Output that hands each message it would publish
// (stream, display_data, update_display_data, clear_output) to emit: for
// code that runs a cell in another process, which relays the messages to
// the kernel's Output with Forward.
func NewOutput(emit func(msgType string, content map[string]any)) *Output {
	return &Output{emit: emit}
}

// Forward publishes a message that an Output made by NewOutput emitted.
// Only output messages pass; anything else is an error, so a relay
// cannot publish replies or status in a cell's name.
func (o *Output) Forward(msgType string, content map[string]any) error {
	switch msgType {
	case "stream", "display_data", "update_display_data", "clear_output":
	default:
		return fmt.Errorf("forward: %q is not an output message", msgType)
	}
	o.send(msgType, content)
	return nil
}

// send publishes an output message, or hands it to emit.
func (o *Output) send(msgType string, content map[string]any) {
	if o.silent {
		return
	}
	if o.emit != nil {
		o.emit(msgType, content)
		return
	}
	o.k.publish(o.parent, msgType, content)
}

// Stream sends text to the cell's stdout or stderr.
func (o *Output) Stream(name, text string) {
	if o.silent || text == "" {
		return
	}
	o.send("stream", map[string]any{"name": name, "text": text})
}

// Display shows a MIME bundle. With a display id the output can later be
// replaced in place with Update.
func (o *Output) Display(data, metadata map[string]any, displayID string) {
	o.display("display_data", data, metadata, displayID)
}

// Update replaces the output shown under displayID.
func (o *Output) Update(data, metadata map[string]any, displayID string) {
	o.display("update_display_data", data, metadata, displayID)
}

func (o *Output) display(kind string, data, metadata map[string]any, displayID string) {
	if o.silent {
		return
	}
	if metadata == nil {
		metadata = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": metadata, "transient": map[string]any{}}
	if displayID != "" {
		content["transient"] = map[string]any{"display_id": displayID}
	}
	o.send(kind, content)
}

// Clear clears the cell's output (when the next output arrives, with wait).
func (o *Output) Clear(wait bool) {
	o.send("clear_output", map[string]any{"wait": wait})
}

// NewDisplayID returns a fresh display id.
func NewDisplayID() string { return newID() }
