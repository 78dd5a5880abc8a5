// Package jsonpos turns encoding/json decoding errors into messages that
// name the line of the input, so a corrupt model or checkpoint file is
// reported as "file: line N: ...".
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Describe returns err prefixed with the line of data it points at, when
// json reported an offset; otherwise err's text.
func Describe(data []byte, err error) string {
	off := int64(-1)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}
