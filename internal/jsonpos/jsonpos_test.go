package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestDescribe(t *testing.T) {
	var v struct{ A int }
	data := []byte("{\n  \"A\":\n  \"x\"\n}")
	err := json.Unmarshal(data, &v)
	if got := Describe(data, err); got[:7] != "line 3:" {
		t.Errorf("type error: %q", got)
	}
	data = []byte("{\n\n  \"A\": 1,,\n}")
	err = json.Unmarshal(data, &v)
	if got := Describe(data, err); got[:7] != "line 3:" {
		t.Errorf("syntax error: %q", got)
	}
	if got := Describe(nil, errors.New("plain")); got != "plain" {
		t.Errorf("plain error: %q", got)
	}
}

func TestOffsetOfUnknownField(t *testing.T) {
	var v struct{ A struct{ B int } }
	data := []byte("{\n \"A\": {\n  \"B\": 1,\n  \"C\": 2\n }\n}")
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&v)
	if got := Describe(data, err); got != `line 4: json: unknown field "C"` {
		t.Errorf("unknown field: %q", got)
	}
	// With two keys of that name, either could be the one refused: no
	// line rather than perhaps the wrong one.
	data = []byte("{\n \"C\": {},\n \"A\": {\"C\": 2}\n}")
	if got := Describe(data, errors.New(`json: unknown field "C"`)); got != `json: unknown field "C"` {
		t.Errorf("ambiguous unknown field: %q", got)
	}
}

func TestMembersAndElements(t *testing.T) {
	data := []byte(`{"a" : [1, {"x": 2} ,"s"], "b":{}}`)
	ms, err := Members(data)
	if err != nil || len(ms) != 2 {
		t.Fatalf("%v %+v", err, ms)
	}
	for _, m := range ms {
		if string(data[m.KeyOff:m.KeyOff+3]) != `"`+m.Key+`"` || (m.Key == "b" && string(data[m.ValOff:m.End]) != "{}") {
			t.Errorf("member %+v: key %q, value %q", m, data[m.KeyOff:m.KeyOff+3], data[m.ValOff:m.End])
		}
	}
	arr := data[ms[0].ValOff:ms[0].End]
	els, err := Elements(arr)
	if err != nil || len(els) != 3 {
		t.Fatalf("%v %v", err, els)
	}
	for i, want := range []string{`1`, `{"x": 2}`, `"s"`} {
		if got := string(arr[els[i][0]:els[i][1]]); got != want {
			t.Errorf("element %d: %q, want %q", i, got, want)
		}
	}
}
