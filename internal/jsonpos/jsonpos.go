// Package jsonpos turns encoding/json decoding errors into messages that
// name the line of the input, so a corrupt model or checkpoint file is
// reported as "file: line N: ...".
package jsonpos

import (
	"fmt"
)

// Describe returns err prefixed with the line of data it points at, when
// json reported an offset; otherwise err's text.
func Describe(data []byte, err error) string {
	off := Offset(data, err)
	if off < 0 {
		return err.Error()
	}
	return fmt.Sprintf("line %d: %v", Line(data, off), err)
}
