package embed

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSpecJSONRoundTrip(t *testing.T) {
	specs := []Spec{
		{Config: &WordConfig{Dim: 3, LowercaseFallback: true, Vocab: NewVocab("a", "b"), MinCount: 2}},
		{Config: &CharConfig{Encoder: CharCNN, Dim: 4, Hidden: 5, Kernel: 3, Alphabet: NewVocab("x")}},
	}
	data, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"kind":"word","dim":3,"lowercase_fallback":true,"frozen":false,"vocab":["\u003cpad\u003e","\u003cunk\u003e","a","b"]},` +
		`{"kind":"char","encoder":"cnn","dim":4,"hidden":5,"kernel":3,"alphabet":["\u003cpad\u003e","\u003cunk\u003e","x"]}]`
	if string(data) != want {
		t.Errorf("JSON\n%s\nwant\n%s", data, want)
	}
	var back []Spec
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	specs[0].Config.(*WordConfig).MinCount = 0 // not saved: the vocabulary holds what it gave
	if !reflect.DeepEqual(back, specs) {
		t.Errorf("read back %+v, %+v; want %+v, %+v", back[0].Config, back[1].Config, specs[0].Config, specs[1].Config)
	}
}

func TestSpecJSONErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"dim": 3}`, `embedding without a "kind" string; expected one of char, transformer, word`},
		{`{"kind": 7}`, `without a "kind" string`},
		{`{"kind": "bert"}`, `embedding kind "bert"; this nerlab knows char, transformer, word`},
		{`{"kind": "word", "dims": 3}`, `word embedding: json: unknown field "dims"`},
		{`{"kind": "char", "hidden": "x"}`, `char embedding: json: cannot unmarshal string`},
		{`[1]`, `embedding: json: cannot unmarshal array`},
	} {
		var s Spec
		err := json.Unmarshal([]byte(tc.json), &s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; expected one containing %q", tc.json, err, tc.want)
		}
	}
	if _, err := json.Marshal(Spec{}); err == nil {
		t.Error("a Spec without a Config marshalled")
	}
}

// TestSpecErrorOffsets checks that a type error's offset is an offset in
// the Spec's own text wherever "kind" is among its fields, so a caller can
// name the line of the file.
func TestSpecErrorOffsets(t *testing.T) {
	for _, text := range []string{
		"{\"kind\": \"char\",\n\"dim\": 3,\n\"hidden\": \"x\"}",
		"{\"dim\": 3, \"kind\": \"char\",\n\n\"hidden\": \"x\"}",
		"{\"dim\": 3,\n\n\"hidden\": \"x\", \"kind\": \"char\"}",
	} {
		var s Spec
		err := s.UnmarshalJSON([]byte(text))
		var typ *json.UnmarshalTypeError
		if !errors.As(err, &typ) {
			t.Errorf("%q: error %v; want a type error", text, err)
			continue
		}
		if line := 1 + strings.Count(text[:typ.Offset], "\n"); line != 3 || typ.Field != "hidden" {
			t.Errorf("%q: %v at line %d; want hidden's line, 3", text, err, line)
		}
	}
	var s Spec
	if err := s.UnmarshalJSON([]byte(`{"encoder": "cnn", "kind": "char", "dim": 5}`)); err != nil || s.Config.(*CharConfig).Dim != 5 || s.Config.(*CharConfig).Encoder != "cnn" {
		t.Errorf("kind between fields: %v %+v", err, s.Config)
	}
}

func TestRegisterRefusesMistakes(t *testing.T) {
	for name, fn := range map[string]func(){
		"twice":      func() { Register(WordKind, func() Config { return new(WordConfig) }) },
		"other kind": func() { Register("words", func() Config { return new(WordConfig) }) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			fn()
		}()
	}
	if got := Kinds(); !reflect.DeepEqual(got, []string{CharKind, TransformerKind, WordKind}) {
		t.Errorf("Kinds() = %v", got)
	}
}
