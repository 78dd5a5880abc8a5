package config

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

func reflectExperiment(e *Experiment) reflect.Value { return reflect.ValueOf(e).Elem() }

// decodeStruct overlays the mapping m on the struct v, whose keys sit under
// prefix. An unknown key is an error naming the closest known one: as a
// warning, `trian:` left the whole train section at its defaults and
// `max_epoch: 1` started a 100-epoch run. Top-level keys starting with x-
// are the file's own (a place for YAML anchors, as in Compose files).
func (r *reader) decodeStruct(v reflect.Value, m *yaml.Node, prefix string) error {
	d := deref(m)
	if isNull(d) {
		return nil // an empty section ("train:" with its keys commented out) changes nothing
	}
	if d.Kind != yaml.MappingNode {
		what := "the file"
		if prefix != "" {
			what = prefix
		}
		return r.fail(m, prefix, "%s is not a section; expected a mapping of the keys of %s", describe(d), what)
	}
	ps, err := r.pairs(d, prefix)
	if err != nil {
		return err
	}
	for _, p := range ps {
		key := join(prefix, p.name())
		f, known := fieldByKey[key]
		fv, found := structField(v, p.name())
		if prefix == "" && strings.HasPrefix(p.name(), "x-") {
			continue
		}
		if !known || !found {
			return r.fail(p.key, key, "unknown key %s%s; expected one of the keys of %s (x-NAME at the top for your own)", key, didYouMean(p.name(), childNames(prefix)), sectionName(prefix))
		}
		if err := r.decodeField(v, fv, f, p); err != nil {
			return err
		}
	}
	return nil
}

// decodeField stores one entry of a native mapping into the field fv of
// the struct owner.
func (r *reader) decodeField(owner, fv reflect.Value, f *field, p pair) error {
	switch {
	case f.section:
		if isNone(p.val) && !isNull(p.val) {
			fv.Set(reflect.Zero(fv.Type()))
			r.set(f.key, p.val)
			return nil
		}
		if isNull(p.val) {
			return nil
		}
		if fv.IsNil() {
			fv.Set(newSection(owner, fv.Type()))
		}
		r.set(f.key, p.key)
		return r.decodeStruct(fv.Elem(), p.val, f.key)
	case fv.Kind() == reflect.Struct:
		return r.decodeStruct(fv, p.val, f.key)
	case fv.Kind() == reflect.Map:
		return r.decodeTable(fv, p, f.key)
	}
	if msg := setFromNode(fv, p.val); msg != "" {
		return r.fail(p.val, f.key, "%s", msg)
	}
	r.set(f.key, p.val)
	return nil
}

// decodeTable reads a table key (train.lr_multipliers): a mapping of
// names to numbers. Its entries replace the defaults' (there are none).
func (r *reader) decodeTable(fv reflect.Value, p pair, key string) error {
	d := deref(p.val)
	if isNull(d) {
		return nil
	}
	if d.Kind != yaml.MappingNode {
		return r.fail(p.val, key, "%s is not a table; expected a mapping of names to numbers, e.g. {crf: 50}", describe(d))
	}
	ps, err := r.pairs(d, key)
	if err != nil {
		return err
	}
	// An empty table ({}, as Marshal writes one) is no table: nil, as in
	// the defaults.
	table := reflect.Zero(fv.Type())
	if len(ps) > 0 {
		table = reflect.MakeMap(fv.Type())
	}
	for _, e := range ps {
		var x float64
		if msg := setFromNode(reflect.ValueOf(&x).Elem(), e.val); msg != "" {
			return r.fail(e.val, join(key, e.name()), "%s", msg)
		}
		table.SetMapIndex(reflect.ValueOf(e.name()), reflect.ValueOf(x))
	}
	fv.Set(table)
	r.set(key, p.key)
	return nil
}

func sectionName(prefix string) string {
	if prefix == "" {
		return "the file"
	}
	return prefix
}
