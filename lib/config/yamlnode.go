package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// reader holds what one Parse call accumulates while walking the YAML tree.
type reader struct {
	path     string
	exp      *Experiment
	warnings []warning
	// budget bounds the mapping entries visited through merge keys, so a
	// file that nests aliases cannot make the walk explode; merging marks
	// the mappings being expanded, as yaml.v3 lets an anchor refer to
	// itself.
	budget  int
	merging map[*yaml.Node]bool
}

// pair is one key: value entry of a mapping.
type pair struct {
	key, val *yaml.Node
}

// name is the key's text.
func (p pair) name() string { return p.key.Value }

func (r *reader) fail(n *yaml.Node, key, format string, args ...any) *Error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{Path: r.path, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) warn(n *yaml.Node, format string, args ...any) {
	r.warnings = append(r.warnings, warning{line: n.Line, text: fmt.Sprintf(format, args...)})
}

// set records that the file set the native key at node n's line.
func (r *reader) set(key string, n *yaml.Node) { r.exp.Lines[key] = n.Line }

// deref follows aliases to the node they name. yaml.v3 rejects anchors
// that contain themselves, so the chain ends.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names a node's shape for messages: "a mapping", "the string
// \"ten\"".
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		return strconv.Quote(n.Value)
	}
	return "empty"
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// isNone reports whether n removes an optional section: null, or the word
// none.
func isNone(n *yaml.Node) bool {
	n = deref(n)
	return isNull(n) || (n.Kind == yaml.ScalarNode && strings.EqualFold(n.Value, "none"))
}

// pairs lists a mapping's entries, with YAML merge keys (<<: *base)
// expanded: explicit keys win over merged ones, earlier merges over later.
// Keys must be plain scalars.
func (r *reader) pairs(m *yaml.Node, where string) ([]pair, error) {
	m = deref(m)
	var out, merged []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, r.fail(k, where, "a key is %s; expected a plain name", describe(k))
		}
		if k.Tag == "!!merge" {
			more, err := r.mergeSources(k, v, where)
			if err != nil {
				return nil, err
			}
			merged = append(merged, more...)
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{k, v})
	}
	for _, p := range merged {
		if !seen[p.name()] {
			seen[p.name()] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// mergeSources returns the entries the merge key k brings in: one mapping
// or a list of mappings. Problems are placed at the key.
func (r *reader) mergeSources(k, v *yaml.Node, where string) ([]pair, error) {
	v = deref(v)
	var sources []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{v}
	case yaml.SequenceNode:
		sources = v.Content
	default:
		return nil, r.fail(k, where, "the merge key << holds %s; expected a mapping or a list of mappings", describe(v))
	}
	var out []pair
	for _, s := range sources {
		if s = deref(s); s.Kind != yaml.MappingNode {
			return nil, r.fail(k, where, "the merge key << lists %s; expected mappings", describe(s))
		}
		r.budget -= len(s.Content)/2 + 1
		if r.budget < 0 {
			return nil, r.fail(k, where, "merge keys expand to too many entries; expected a config of ordinary size")
		}
		if r.merging[s] {
			return nil, r.fail(k, where, "the merge key << brings in the mapping that holds it; expected a mapping defined elsewhere")
		}
		if r.merging == nil {
			r.merging = map[*yaml.Node]bool{}
		}
		r.merging[s] = true
		ps, err := r.pairs(s, where)
		delete(r.merging, s)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// checkDuplicates fails on the first key that a mapping anywhere in the
// tree repeats. Aliases are not followed: their anchors are checked where
// they are defined.
func (r *reader) checkDuplicates(n *yaml.Node, prefix string) error {
	switch n.Kind {
	case yaml.MappingNode:
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			if k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
				if line, dup := first[key]; dup {
					return r.fail(k, "", "duplicate key %s (first at line %d); expected each key once", join(prefix, key), line)
				}
				first[key] = k.Line
			}
			if err := r.checkDuplicates(k, prefix); err != nil {
				return err
			}
			if err := r.checkDuplicates(v, join(prefix, key)); err != nil {
				return err
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if err := r.checkDuplicates(c, prefix); err != nil {
				return err
			}
		}
	}
	return nil
}

// join builds a dotted key.
func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// str reads a scalar as text: any scalar is accepted (a number is its
// digits) and null is "".
func (r *reader) str(n *yaml.Node, key string) (string, error) {
	d := deref(n)
	if d.Kind != yaml.ScalarNode {
		return "", r.fail(n, key, "%s is not text; expected a string", describe(d))
	}
	if isNull(d) {
		return "", nil
	}
	return d.Value, nil
}
