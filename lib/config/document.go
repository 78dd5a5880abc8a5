package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// readDocument parses data as exactly one YAML document holding a mapping.
func readDocument(data []byte, path string) (root *yaml.Node, err error) {
	// yaml.v3 has panicked on hostile input in the past; bad input must
	// never take the process down.
	defer func() {
		if p := recover(); p != nil {
			root, err = nil, &Error{Path: path, Msg: fmt.Sprintf("the YAML parser failed (%v); expected valid YAML", p)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Path: path, Msg: "the file is empty; expected a YAML mapping such as \"train: {max_epochs: 10}\""}
		}
		return nil, syntaxError(data, path, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Error{Path: path, Line: docStart(next), Msg: "a second YAML document starts here; expected one document per experiment file"}
	case !errors.Is(err, io.EOF):
		return nil, &Error{Path: path, Msg: "a second YAML document follows the first and does not parse; expected one document per experiment file", Err: err}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{Path: path, Line: doc.Line, Msg: "the document is empty; expected a YAML mapping"}
	}
	root = deref(doc.Content[0])
	if isNull(root) {
		return nil, &Error{Path: path, Line: doc.Line, Msg: "the document is empty; expected a mapping of keys such as train: and model:"}
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Path: path, Line: root.Line, Msg: fmt.Sprintf("the document is %s; expected a mapping of keys such as train: and model:", describe(root))}
	}
	return root, nil
}

// docStart is the line of a document's first node, or of the document
// marker when it holds nothing.
func docStart(doc yaml.Node) int {
	if len(doc.Content) > 0 {
		return doc.Content[0].Line
	}
	return doc.Line
}

var lineInYAMLError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 error into an Error with a line. yaml.v3 names
// the line for most problems but not all; for the others the line is the
// first one at which a prefix of the file fails the same way.
func syntaxError(data []byte, path string, err error) error {
	msg := err.Error()
	if m := lineInYAMLError.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Path: path, Line: line, Msg: m[2] + "; expected valid YAML", Err: err}
	}
	text := strings.TrimPrefix(msg, "yaml: ")
	return &Error{Path: path, Line: failingLine(data, msg), Msg: text + "; expected valid YAML", Err: err}
}

// failingLine returns the first line at which the file's prefix fails with
// msg, or 0 when none does (or the file is too long to search).
func failingLine(data []byte, msg string) (line int) {
	const maxLines = 2000
	defer func() {
		if recover() != nil {
			line = 0
		}
	}()
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxLines {
		return 0
	}
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(prefix)).Decode(&n); err != nil && err.Error() == msg {
			return i + 1
		}
	}
	return 0
}
