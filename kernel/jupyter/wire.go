// Package jupyter speaks the Jupyter messaging protocol (version 5.3) for a
// kernel: the connection file, the signed multipart wire format, and the
// five ZeroMQ sockets (shell, control, iopub, stdin, heartbeat). What a
// request does is the Handler's business; this package only moves
// messages.
package jupyter

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ProtocolVersion is the messaging protocol version this kernel speaks.
const ProtocolVersion = "5.3"

// delimiter separates the routing identities from the signed frames.
var delimiter = []byte("<IDS|MSG>")

// Header is a message header (and a parent header).
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one protocol message with its routing identities.
type Message struct {
	Identities [][]byte
	Header     Header
	Parent     *Header // nil for messages with no parent (sent as {})
	Metadata   map[string]any
	Content    json.RawMessage
	Buffers    [][]byte
}

// Signer signs and checks messages with HMAC-SHA256 over the header,
// parent header, metadata and content frames. An empty key disables
// signing, as the protocol allows.
type Signer struct {
	key []byte
}

// NewSigner returns a signer for the connection file's key and scheme.
func NewSigner(key, scheme string) (*Signer, error) {
	if key != "" && scheme != "hmac-sha256" {
		return nil, fmt.Errorf("signature scheme %q is not supported; expected hmac-sha256", scheme)
	}
	return &Signer{key: []byte(key)}, nil
}

func (s *Signer) sign(frames [][]byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, s.key)
	for _, f := range frames {
		mac.Write(f)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// ErrSignature is returned for a message whose signature does not match.
var ErrSignature = errors.New("invalid message signature")

// Decode parses the frames of a received message and checks its signature.
func (s *Signer) Decode(frames [][]byte) (*Message, error) {
	at := -1
	for i, f := range frames {
		if bytes.Equal(f, delimiter) {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, errors.New("no <IDS|MSG> delimiter in the message")
	}
	rest := frames[at+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("%d frames after the delimiter; expected a signature, header, parent header, metadata and content", len(rest))
	}
	if want := s.sign(rest[1:5]); len(s.key) > 0 && !hmac.Equal(want, rest[0]) {
		return nil, ErrSignature
	}
	m := &Message{Identities: frames[:at], Content: json.RawMessage(rest[4]), Buffers: rest[5:]}
	if err := json.Unmarshal(rest[1], &m.Header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if m.Header.MsgType == "" {
		return nil, errors.New("header has no msg_type")
	}
	var parent Header
	if err := json.Unmarshal(rest[2], &parent); err != nil {
		return nil, fmt.Errorf("parent header: %w", err)
	}
	if parent.MsgID != "" {
		m.Parent = &parent
	}
	if err := json.Unmarshal(rest[3], &m.Metadata); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if !json.Valid(m.Content) {
		return nil, errors.New("content is not JSON")
	}
	return m, nil
}

// Encode renders a message as signed frames.
func (s *Signer) Encode(m *Message) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, err
	}
	parent := []byte("{}")
	if m.Parent != nil {
		if parent, err = json.Marshal(m.Parent); err != nil {
			return nil, err
		}
	}
	meta := []byte("{}")
	if len(m.Metadata) > 0 {
		if meta, err = json.Marshal(m.Metadata); err != nil {
			return nil, err
		}
	}
	content := []byte(m.Content)
	if len(content) == 0 {
		content = []byte("{}")
	}
	signed := [][]byte{header, parent, meta, content}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, delimiter, s.sign(signed))
	frames = append(frames, signed...)
	return append(frames, m.Buffers...), nil
}

// NewHeader returns a header for a new message of msgType in session.
func NewHeader(msgType, session, username string) Header {
	return Header{MsgID: newID(), Session: session, Username: username,
		Date: time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), MsgType: msgType, Version: ProtocolVersion}
}

// newID returns a random UUID (version 4) string.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
