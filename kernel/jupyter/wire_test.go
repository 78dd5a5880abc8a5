package jupyter

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEncodeDecodeRoundTripAndSignature(t *testing.T) {
	s, err := NewSigner("secret", "hmac-sha256")
	if err != nil {
		t.Fatal(err)
	}
	parent := NewHeader("execute_request", "client", "me")
	m := &Message{Identities: [][]byte{[]byte("id1"), []byte("id2")}, Header: NewHeader("execute_reply", "k", "kernel"),
		Parent: &parent, Metadata: map[string]any{"a": 1.0}, Content: json.RawMessage(`{"status":"ok"}`), Buffers: [][]byte{[]byte("buf")}}
	frames, err := s.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(frames[2]) != "<IDS|MSG>" || len(frames[3]) != 64 {
		t.Fatalf("frames %q", frames)
	}
	got, err := s.Decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header != m.Header || *got.Parent != parent || string(got.Content) != `{"status":"ok"}` ||
		len(got.Identities) != 2 || string(got.Buffers[0]) != "buf" || got.Metadata["a"] != 1.0 {
		t.Errorf("round trip: %+v", got)
	}
	// Any change to a signed frame, or another key, is refused.
	for i := 4; i < 8; i++ {
		bad := append([][]byte(nil), frames...)
		bad[i] = append(append([]byte(nil), frames[i]...), ' ')
		if _, err := s.Decode(bad); !errors.Is(err, ErrSignature) {
			t.Errorf("tampered frame %d: %v", i, err)
		}
	}
	other, _ := NewSigner("other", "hmac-sha256")
	if _, err := other.Decode(frames); !errors.Is(err, ErrSignature) {
		t.Errorf("another key: %v", err)
	}
	unsigned := append([][]byte(nil), frames...)
	unsigned[3] = nil
	if _, err := s.Decode(unsigned); !errors.Is(err, ErrSignature) {
		t.Errorf("unsigned message: %v", err)
	}
}

func TestDecodeRejectsMalformedMessages(t *testing.T) {
	s, _ := NewSigner("", "")
	ok := [][]byte{[]byte("<IDS|MSG>"), nil, []byte(`{"msg_type":"x","msg_id":"1"}`), []byte(`{}`), []byte(`{}`), []byte(`{}`)}
	if _, err := s.Decode(ok); err != nil {
		t.Fatalf("unsigned message with an empty key: %v", err)
	}
	for name, frames := range map[string][][]byte{
		"no delimiter":   {[]byte("a"), []byte("b")},
		"too few frames": {[]byte("<IDS|MSG>"), nil, []byte(`{}`)},
		"bad header":     {[]byte("<IDS|MSG>"), nil, []byte(`{`), []byte(`{}`), []byte(`{}`), []byte(`{}`)},
		"no msg_type":    {[]byte("<IDS|MSG>"), nil, []byte(`{}`), []byte(`{}`), []byte(`{}`), []byte(`{}`)},
		"bad content":    {[]byte("<IDS|MSG>"), nil, []byte(`{"msg_type":"x"}`), []byte(`{}`), []byte(`{}`), []byte(`nope`)},
	} {
		if _, err := s.Decode(frames); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewSigner("k", "hmac-md5"); err == nil {
		t.Error("hmac-md5 accepted")
	}
}

func TestReadConnection(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"iopub_port":3,"stdin_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`), 0o600)
	c, err := ReadConnection(good)
	if err != nil || c.endpoint(c.ShellPort) != "tcp://127.0.0.1:1" {
		t.Fatalf("%+v %v", c, err)
	}
	for body, want := range map[string]string{
		"{\n\"transport\": tcp}":       "line 2",
		`{"transport":"udp","ip":"x"}`: "transport",
		`{"transport":"tcp","ip":"127.0.0.1","shell_port":0,"control_port":2,"iopub_port":3,"stdin_port":4,"hb_port":5}`: "shell_port 0",
	} {
		p := filepath.Join(dir, "bad.json")
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := ReadConnection(p); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v; want the file and %q", body, err, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := NewSigner("key", "hmac-sha256")
	h := NewHeader("execute_request", "s", "u")
	frames, _ := s.Encode(&Message{Header: h, Content: json.RawMessage(`{"code":"1"}`)})
	f.Add(strings.Join(bytesToStrings(frames), "\x00"))
	f.Fuzz(func(t *testing.T, joined string) {
		var fr [][]byte
		for _, p := range strings.Split(joined, "\x00") {
			fr = append(fr, []byte(p))
		}
		s.Decode(fr) // must not panic
	})
}

func bytesToStrings(b [][]byte) []string {
	out := make([]string, len(b))
	for i, x := range b {
		out[i] = string(x)
	}
	return out
}
