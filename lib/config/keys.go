package config

import (
	"reflect"
	"strings"
)

// field is one key of the native dialect, found from the yaml tags of the
// Experiment types, so the keys cannot drift from the structs.
type field struct {
	key     string
	kind    reflect.Kind
	section bool // an optional section (a pointer field) that "none" removes
	group   bool // a fixed group of keys (data, model, ...), not settable itself
}

var (
	fields     = schema()
	fieldByKey = indexFields(fields)
)

func schema() []field {
	var out []field
	walkType(reflect.TypeOf(Experiment{}), "", map[reflect.Type]int{}, &out)
	return out
}

// walkType appends t's keys under prefix. A section of the type being
// walked (Data.Context) is entered once: a context has no context.
func walkType(t reflect.Type, prefix string, depth map[reflect.Type]int, out *[]field) {
	depth[t]++
	defer func() { depth[t]-- }()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name := yamlName(sf)
		if name == "" {
			continue
		}
		key := join(prefix, name)
		ft := sf.Type
		switch {
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
			if depth[ft.Elem()] >= 2 {
				continue
			}
			*out = append(*out, field{key: key, kind: reflect.Pointer, section: true})
			walkType(ft.Elem(), key, depth, out)
		case ft.Kind() == reflect.Struct:
			*out = append(*out, field{key: key, kind: reflect.Struct, group: true})
			walkType(ft, key, depth, out)
		default:
			*out = append(*out, field{key: key, kind: ft.Kind()})
		}
	}
}

// yamlName is the key a struct field is read from, "" for fields that are
// not part of the file.
func yamlName(sf reflect.StructField) string {
	if !sf.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func indexFields(fs []field) map[string]*field {
	m := make(map[string]*field, len(fs))
	for i := range fs {
		m[fs[i].key] = &fs[i]
	}
	return m
}

// Keys returns every dotted key that a native file and Set accept, in the
// order the types declare them: scalar keys such as train.max_epochs, and
// the optional sections embeddings.word, embeddings.char,
// embeddings.transformer and data.context,
// which "none" removes.
func Keys() []string {
	var out []string
	for _, f := range fields {
		if !f.group {
			out = append(out, f.key)
		}
	}
	return out
}

// childNames lists the last segments of the keys directly under prefix.
func childNames(prefix string) []string {
	var out []string
	for _, f := range fields {
		rest, ok := strings.CutPrefix(f.key, prefix+".")
		if prefix == "" {
			rest, ok = f.key, true
		}
		if ok && rest != "" {
			name, _, _ := strings.Cut(rest, ".")
			if len(out) == 0 || out[len(out)-1] != name {
				out = append(out, name)
			}
		}
	}
	return out
}

// structField finds the field of struct value v read from key name.
func structField(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if yamlName(t.Field(i)) == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// locate returns the field of e named by a key of the schema. Sections on
// the way that are nil are created with their defaults when alloc is set;
// otherwise ok is false. The last field itself is returned as it is, so a
// section comes back as its pointer.
func locate(e *Experiment, key string, alloc bool) (v reflect.Value, ok bool) {
	v = reflect.ValueOf(e).Elem()
	segs := strings.Split(key, ".")
	for i, seg := range segs {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		owner := v
		if v, ok = structField(owner, seg); !ok {
			return reflect.Value{}, false
		}
		if i < len(segs)-1 && v.Kind() == reflect.Pointer && v.IsNil() {
			if !alloc {
				return reflect.Value{}, false
			}
			v.Set(newSection(owner, v.Type()))
		}
	}
	return v, true
}

// newSection makes a section that a file or an override brings back: the
// default word or character encoder, or a context view read like the data
// that owns it.
func newSection(owner reflect.Value, t reflect.Type) reflect.Value {
	def := Default()
	switch t {
	case reflect.TypeOf(def.Embeddings.Word):
		w := *def.Embeddings.Word
		return reflect.ValueOf(&w)
	case reflect.TypeOf(def.Embeddings.Char):
		c := *def.Embeddings.Char
		return reflect.ValueOf(&c)
	case reflect.TypeOf(&TransformerEmbeddings{}):
		return reflect.ValueOf(DefaultTransformer())
	case reflect.TypeOf(&Data{}):
		parent := owner.Interface().(Data)
		return reflect.ValueOf(&Data{Columns: parent.Columns, TagScheme: parent.TagScheme})
	}
	return reflect.New(t.Elem())
}
