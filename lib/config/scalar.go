package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// kindName says what a field of kind k expects, for messages.
func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	}
	return "a string"
}

// yaml11Bools are the YAML 1.1 spellings PyYAML (and so flair and CLNER)
// reads as booleans; yaml.v3 reads them as strings.
var yaml11Bools = map[string]bool{"yes": true, "no": false, "on": true, "off": false, "y": true, "n": false}

// setFromNode stores the scalar node n into v, whose kind decides what is
// accepted. It returns "" or a message "what is wrong; what was expected".
func setFromNode(v reflect.Value, n *yaml.Node) string {
	d := deref(n)
	want := kindName(v.Kind())
	if d.Kind != yaml.ScalarNode {
		return fmt.Sprintf("%s is not %s; expected %s", describe(d), want, want)
	}
	if v.Kind() == reflect.String {
		if isNull(d) {
			v.SetString("")
		} else {
			v.SetString(d.Value)
		}
		return ""
	}
	if isNull(d) {
		return fmt.Sprintf("the value is empty; expected %s", want)
	}
	bad := fmt.Sprintf("%q is not %s; expected %s", d.Value, want, want)
	switch v.Kind() {
	case reflect.Bool:
		switch {
		case d.Tag == "!!bool":
			var b bool
			if d.Decode(&b) != nil {
				return bad
			}
			v.SetBool(b)
		case d.Style == 0 && d.Tag == "!!str":
			b, ok := yaml11Bools[strings.ToLower(d.Value)]
			if !ok {
				return bad
			}
			v.SetBool(b)
		default:
			return bad
		}
	case reflect.Int, reflect.Int64:
		var i int64
		if d.Tag != "!!int" || d.Decode(&i) != nil || v.OverflowInt(i) {
			return bad
		}
		v.SetInt(i)
	case reflect.Float64:
		var f float64
		if (d.Tag != "!!float" && d.Tag != "!!int") || d.Decode(&f) != nil {
			return fmt.Sprintf("%q is not a number; expected a number", d.Value)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprintf("%q is not a finite number; expected a finite number", d.Value)
		}
		v.SetFloat(f)
	default:
		return fmt.Sprintf("a %s field cannot be set from YAML", v.Kind())
	}
	return ""
}

// setFromText stores an override's value text into v, parsed as v's kind.
// It returns "" or a message "what is wrong; what was expected".
func setFromText(v reflect.Value, text string) string {
	want := kindName(v.Kind())
	t := strings.TrimSpace(text)
	bad := fmt.Sprintf("%q is not %s; expected %s", text, want, want)
	switch v.Kind() {
	case reflect.String:
		v.SetString(t)
	case reflect.Bool:
		if b, ok := yaml11Bools[strings.ToLower(t)]; ok {
			v.SetBool(b)
			return ""
		}
		b, err := strconv.ParseBool(t)
		if err != nil {
			return bad
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(t, 0, 64)
		if err != nil || v.OverflowInt(i) {
			return bad
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return fmt.Sprintf("%q is not a number; expected a number", text)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Sprintf("%q is not a finite number; expected a finite number", text)
		}
		v.SetFloat(f)
	default:
		return fmt.Sprintf("a %s field cannot be set", v.Kind())
	}
	return ""
}
