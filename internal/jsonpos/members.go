package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Member is one member of a JSON object, with byte offsets into the
// object's text: a caller that decodes a member by itself (a value whose
// type depends on another member) can still report errors at the lines
// of the whole file.
type Member struct {
	Key    string
	KeyOff int64 // the key's opening quote
	ValOff int64 // the value's first byte
	End    int64 // just past the value
}

// Members lists the members of the JSON object data holds, in order
// (a key given twice is listed twice, as json keeps the last).
func Members(data []byte) ([]Member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok != json.Delim('{') {
		return nil, fmt.Errorf("expected a JSON object")
	}
	var out []Member
	for dec.More() {
		m := Member{KeyOff: skipSeparators(data, dec.InputOffset())}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		m.Key, _ = tok.(string)
		// The decoder reads the colon only when it reads the value, so
		// the value starts after the space and colon that follow the key.
		m.ValOff = skipSeparators(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		m.End = dec.InputOffset()
		out = append(out, m)
	}
	return out, nil
}

// Elements returns the [start, end) byte offsets of the elements of the
// JSON array data holds.
func Elements(data []byte) ([][2]int64, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok != json.Delim('[') {
		return nil, fmt.Errorf("expected a JSON array")
	}
	var out [][2]int64
	for dec.More() {
		start := skipSeparators(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, [2]int64{start, dec.InputOffset()})
	}
	return out, nil
}

// skipSeparators returns the offset of the first byte at or after off
// that is neither white space nor a comma or colon: the decoder's offset
// between tokens is before the separators it has not read yet.
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// Line returns the 1-based line of data that byte offset off is on.
func Line(data []byte, off int64) int {
	return 1 + bytes.Count(data[:min(max(off, 0), int64(len(data)))], []byte("\n"))
}

// Offset returns where in data the decoding error err points, or -1:
// json's syntax and type errors carry an offset, and its unknown-field
// error (which carries none) is placed at the key when data has exactly
// one key of that name (with two, either could be the one refused, and a
// wrong line would mislead).
func Offset(data []byte, err error) int64 {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return syntax.Offset
	case errors.As(err, &typ):
		return typ.Offset
	}
	// encoding/json writes this one as fmt.Sprintf("json: unknown field %q").
	const unknown = "json: unknown field "
	msg := err.Error()
	i := strings.LastIndex(msg, unknown)
	if i < 0 {
		return -1
	}
	key, uerr := strconv.Unquote(msg[i+len(unknown):])
	if uerr != nil {
		return -1
	}
	offs := keyOffsets(data, key)
	if len(offs) != 1 {
		return -1
	}
	return offs[0]
}

// keyOffsets returns the offsets of every object key named key, at any
// depth of data; it stops at the first syntax error.
func keyOffsets(data []byte, key string) []int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	// inObject[len-1] says the innermost container is an object; in one,
	// tokens alternate key, value (a value that is a container is one
	// token here, its '{' or '[', as its contents are another level).
	var inObject []bool
	var wantKey []bool
	var out []int64
	for {
		off := skipSeparators(data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		top := len(inObject) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			inObject, wantKey = inObject[:top], wantKey[:top]
			continue
		}
		if top >= 0 && inObject[top] {
			if wantKey[top] {
				if tok == key {
					out = append(out, off)
				}
				wantKey[top] = false
				continue
			}
			wantKey[top] = true
		}
		if d, ok := tok.(json.Delim); ok {
			inObject = append(inObject, d == '{')
			wantKey = append(wantKey, d == '{')
		}
	}
}
