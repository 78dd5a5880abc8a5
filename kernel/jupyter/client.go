package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Client is a minimal Jupyter client for tests and benchmarks: it sends
// signed requests on the shell and control sockets and receives their
// replies (iopub is not read).
type Client struct {
	Signer  *Signer
	session string
	sockets map[string]zmq4.Socket
	replies map[string]chan *Message
}

// dialRetries × zmq4's 250 ms retry is how long Dial waits for a kernel
// that is still starting to listen: loading libtorch takes about a second
// on an idle machine and several on a loaded one.
const dialRetries = 120

// Dial connects to a kernel's shell and control sockets, waiting up to 30 s
// for a starting kernel to listen.
func Dial(conn *Connection) (*Client, error) {
	signer, err := NewSigner(conn.Key, conn.SignatureScheme)
	if err != nil {
		return nil, err
	}
	c := &Client{Signer: signer, session: newID(), sockets: map[string]zmq4.Socket{}, replies: map[string]chan *Message{}}
	for name, port := range map[string]int{"shell": conn.ShellPort, "control": conn.ControlPort} {
		s := zmq4.NewDealer(context.Background(), zmq4.WithDialerMaxRetries(dialRetries))
		if err := s.Dial(conn.endpoint(port)); err != nil {
			c.Close()
			return nil, err
		}
		ch := make(chan *Message, 16)
		c.sockets[name], c.replies[name] = s, ch
		go c.read(s, ch)
	}
	return c, nil
}

func (c *Client) read(s zmq4.Socket, ch chan<- *Message) {
	defer close(ch)
	for {
		raw, err := s.Recv()
		if err != nil {
			return
		}
		if m, err := c.Signer.Decode(raw.Frames); err == nil {
			ch <- m
		}
	}
}

// Send sends a request on "shell" or "control", signed by signer (nil: the
// connection's key), and returns its message id.
func (c *Client) Send(channel, msgType string, content any, signer *Signer) (string, error) {
	if signer == nil {
		signer = c.Signer
	}
	data, err := json.Marshal(content)
	if err != nil {
		return "", err
	}
	h := NewHeader(msgType, c.session, "client")
	frames, err := signer.Encode(&Message{Header: h, Content: data})
	if err != nil {
		return "", err
	}
	s, ok := c.sockets[channel]
	if !ok {
		return "", fmt.Errorf("no %s channel", channel)
	}
	return h.MsgID, s.Send(zmq4.NewMsgFrom(frames...))
}

// ErrTimeout is returned when no reply arrives in time.
var ErrTimeout = errors.New("no reply in time")

// Receive waits for the next reply on channel.
func (c *Client) Receive(channel string, timeout time.Duration) (*Message, error) {
	select {
	case m, ok := <-c.replies[channel]:
		if !ok {
			return nil, fmt.Errorf("%s socket closed", channel)
		}
		return m, nil
	case <-time.After(timeout):
		return nil, ErrTimeout
	}
}

// Call sends a request and waits for its reply, skipping replies to
// other requests.
func (c *Client) Call(channel, msgType string, content any, timeout time.Duration) (*Message, error) {
	id, err := c.Send(channel, msgType, content, nil)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.Receive(channel, time.Until(deadline))
		if err != nil {
			return nil, err
		}
		if m.Parent != nil && m.Parent.MsgID == id {
			return m, nil
		}
	}
}

// Close closes the sockets.
func (c *Client) Close() {
	for _, s := range c.sockets {
		s.Close()
	}
}

// LocalConnection returns a connection on free TCP ports of 127.0.0.1
// with a random key (for starting a kernel in tests and benchmarks).
func LocalConnection() (*Connection, error) {
	c := &Connection{Transport: "tcp", IP: "127.0.0.1", Key: newID(), SignatureScheme: "hmac-sha256", KernelName: "nerlab"}
	for _, p := range []*int{&c.ShellPort, &c.ControlPort, &c.IOPubPort, &c.StdinPort, &c.HBPort} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		*p = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	return c, nil
}
