package embed

import (
	"encoding/json"
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
		{`{"dim": 3}`, `embedding without a "kind" string; expected one of char, word`},
		{`{"kind": 7}`, `without a "kind" string`},
		{`{"kind": "bert"}`, `embedding kind "bert"; this nerlab knows char, word`},
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
	if got := Kinds(); !reflect.DeepEqual(got, []string{CharKind, WordKind}) {
		t.Errorf("Kinds() = %v", got)
	}
}
