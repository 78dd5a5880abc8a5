package config

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Set applies one override written as KEY=VALUE, where KEY is a dotted key
// of Keys (train.max_epochs=3, data.context.train=ctx/train.txt) and VALUE
// is read as the field's type. A section key takes "none" to remove the
// section (embeddings.char=none); setting a key inside a removed section
// brings the section back with its defaults. An unknown key is an error
// that names the closest key.
func (e *Experiment) Set(assign string) error { return e.set(assign, true) }

// set is Set; check false skips the value's validation (for tests that
// build invalid experiments on purpose).
func (e *Experiment) set(assign string, check bool) error {
	key, value, ok := strings.Cut(assign, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return &Error{Path: "--set", Msg: fmt.Sprintf("%q is not KEY=VALUE; expected e.g. train.max_epochs=3", assign)}
	}
	f, ok := fieldByKey[key]
	fail := func(format string, args ...any) error {
		return &Error{Path: "--set", Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if table, entry, isEntry := tableEntry(key); !ok && isEntry {
		// Named by the table: its rules name the entry themselves.
		return e.setEntry(table, entry, value, check, func(format string, args ...any) error {
			return &Error{Path: "--set", Key: table, Msg: fmt.Sprintf(format, args...)}
		})
	}
	if !ok {
		return &Error{Path: "--set", Key: key, Msg: "unknown key; " + suggestKey(key)}
	}
	switch {
	case f.kind == reflect.Map:
		if !strings.EqualFold(strings.TrimSpace(value), "none") {
			return fail("is a table; expected %s.NAME=VALUE for one entry, or none to empty it", key)
		}
		v, _ := locate(e, key, true)
		v.Set(reflect.Zero(v.Type()))
		e.forget(key)
		return nil
	case f.group:
		return fail("is a group of keys; expected one of its keys, e.g. %s.%s", key, childNames(key)[0])
	case f.section:
		if !strings.EqualFold(strings.TrimSpace(value), "none") {
			return fail("is a section; expected none to remove it, or one of its keys, e.g. %s.%s=...", key, childNames(key)[0])
		}
		if v, ok := locate(e, key, false); ok {
			v.Set(reflect.Zero(v.Type()))
		}
		e.forget(key)
		return nil
	}
	v, _ := locate(e, key, true)
	old := reflect.New(v.Type()).Elem()
	old.Set(v)
	if msg := setFromText(v, value); msg != "" {
		return fail("%s", msg)
	}
	// A value the experiment cannot train with is refused now, not when
	// train runs (set train.max_epochs=0 was accepted and failed later).
	if msg := e.keyProblem(key); check && msg != "" {
		v.Set(old)
		return fail("%s", msg)
	}
	e.forget(key)
	return nil
}

// tableEntry splits a key such as train.lr_multipliers.crf into its table
// key and entry name, when its parent is a table.
func tableEntry(key string) (table, entry string, ok bool) {
	i := strings.LastIndex(key, ".")
	if i < 0 {
		return "", "", false
	}
	f, known := fieldByKey[key[:i]]
	return key[:i], key[i+1:], known && f.kind == reflect.Map && key[i+1:] != ""
}

// setEntry sets one entry of a table key (a group's learning-rate
// multiplier), parsed as a number and checked with the table's rules.
func (e *Experiment) setEntry(table, entry, value string, check bool, fail func(string, ...any) error) error {
	var x float64
	if msg := setFromText(reflect.ValueOf(&x).Elem(), value); msg != "" {
		return fail("%s", msg)
	}
	v, _ := locate(e, table, true)
	old := maps.Clone(v.Interface().(map[string]float64))
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	v.SetMapIndex(reflect.ValueOf(entry), reflect.ValueOf(x))
	if msg := e.keyProblem(table); check && msg != "" {
		v.Set(reflect.ValueOf(old))
		return fail("%s", msg)
	}
	e.forget(table)
	return nil
}

// keyProblem is what Validate says of key alone ("" when nothing).
func (e *Experiment) keyProblem(key string) string {
	var problems []string
	var walk func(err error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, x := range joined.Unwrap() {
				walk(x)
			}
			return
		}
		var ce *Error
		if errors.As(err, &ce) && ce.Key == key && !ce.related {
			problems = append(problems, ce.Msg)
		}
	}
	walk(e.Validate())
	return strings.Join(problems, "; ")
}

// forget drops the file lines of key and of the keys under it: after an
// override the file no longer says where the value came from.
func (e *Experiment) forget(key string) {
	for k := range e.Lines {
		if k == key || strings.HasPrefix(k, key+".") {
			delete(e.Lines, k)
		}
	}
}

// suggestKey names the settable key closest to key, judged on the whole
// key and on its last segment.
func suggestKey(key string) string {
	keys := Keys()
	if c := closest(key, keys); c != "" {
		return "did you mean " + c + "?"
	}
	last := key[strings.LastIndex(key, ".")+1:]
	var lasts []string
	for _, k := range keys {
		lasts = append(lasts, k[strings.LastIndex(k, ".")+1:])
	}
	if c := closest(last, lasts); c != "" {
		for _, k := range keys {
			if strings.HasSuffix(k, "."+c) || k == c {
				return "did you mean " + k + "?"
			}
		}
	}
	return "expected a key such as train.max_epochs (the set command lists them all)"
}

// Clone returns a deep copy, so that overrides on the copy leave e as it is.
func (e *Experiment) Clone() *Experiment {
	c := *e
	if w := e.Embeddings.Word; w != nil {
		cw := *w
		c.Embeddings.Word = &cw
	}
	if ch := e.Embeddings.Char; ch != nil {
		cc := *ch
		c.Embeddings.Char = &cc
	}
	if ctx := e.Data.Context; ctx != nil {
		cx := *ctx
		c.Data.Context = &cx
	}
	c.Train.LRMultipliers = maps.Clone(e.Train.LRMultipliers)
	c.Warnings = append([]string(nil), e.Warnings...)
	c.Lines = maps.Clone(e.Lines)
	return &c
}

// Get returns the value of a dotted key of Keys as Set would read it back:
// "none" for a removed section, the value's text otherwise; a section that is
// present reads "(section)".
func (e *Experiment) Get(key string) (string, error) {
	f, ok := fieldByKey[key]
	if !ok {
		return "", &Error{Path: "get", Key: key, Msg: "unknown key; " + suggestKey(key)}
	}
	v, ok := locate(e, key, false)
	if !ok {
		return "none", nil
	}
	switch {
	case f.group:
		return "(group)", nil
	case f.section:
		if v.IsNil() {
			return "none", nil
		}
		return "(section)", nil
	case f.kind == reflect.Map:
		return tableText(v.Interface().(map[string]float64)), nil
	}
	return fmt.Sprint(v.Interface()), nil
}

// tableText is a table key's value as Get shows it: {crf: 50, word: 0.1},
// entries in name order; {} when empty.
func tableText(m map[string]float64) string {
	names := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + strconv.FormatFloat(m[n], 'g', -1, 64)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
