package config

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/nerlab/nerlab/internal/safefile"
)

// Marshal writes the whole experiment as a native file, every key present
// (a removed section as none), so that Parse reads it back to an equal
// Experiment whatever dialect it came from. Path, Dir, Warnings and Lines
// are not written.
func (e *Experiment) Marshal() ([]byte, error) {
	root, err := nodeOf(reflect.ValueOf(*e), "")
	if err != nil {
		return nil, err
	}
	root.HeadComment = "nerlab experiment (native keys; config.Keys lists them)"
	if e.Path != "" {
		root.HeadComment += "\nread from " + e.Path
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("marshal experiment: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal experiment: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFile writes Marshal's YAML to path atomically (the run folder's copy
// of the experiment).
func (e *Experiment) WriteFile(path string) error {
	data, err := e.Marshal()
	if err != nil {
		return err
	}
	return safefile.WriteBytes(path, data)
}

// nodeOf renders a value of the Experiment types, found at key, as a YAML
// node.
func nodeOf(v reflect.Value, key string) (*yaml.Node, error) {
	switch v.Kind() {
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			fv := v.Field(i)
			if fv.Kind() == reflect.Pointer && fv.IsNil() && t == reflect.TypeOf(Data{}) && name == "context" {
				continue // no context view: the key is simply absent
			}
			val, err := nodeOf(fv, join(key, name))
			if err != nil {
				return nil, err
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, val)
		}
		return m, nil
	case reflect.Pointer:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "none"}, nil
		}
		return nodeOf(v.Elem(), key)
	case reflect.Map:
		// A table: its entries in name order, so the run folder's copy
		// reads the same every time; {} when empty.
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
		names := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			names = append(names, k.String())
		}
		slices.Sort(names)
		for _, n := range names {
			val, err := nodeOf(v.MapIndex(reflect.ValueOf(n)), join(key, n))
			if err != nil {
				return nil, err
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n}, val)
		}
		return m, nil
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return nil, fmt.Errorf("marshal experiment: %s: %q is not valid UTF-8; expected text YAML can hold", key, v.String())
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.String()}, nil
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}, nil
	case reflect.Int, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}, nil
	case reflect.Float64:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("marshal experiment: %s: %g is not a finite number; expected one", key, f)
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: formatFloat(f)}, nil
	}
	return nil, fmt.Errorf("marshal experiment: %s: a %s value has no YAML form", key, v.Kind())
}

// formatFloat writes the shortest text that reads back to f, always with a
// point or an exponent so it reads as a float (1 → 1.0).
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
