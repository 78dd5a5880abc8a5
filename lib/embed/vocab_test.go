package embed

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNewVocabReservesPadAndUnkAndDeduplicates(t *testing.T) {
	v := NewVocab("b", "a", "b", UnkWord, "c")
	want := []string{PadWord, UnkWord, "b", "a", "c"}
	if got := v.Words(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("words %q, want %q", got, want)
	}
	if v.Len() != 5 {
		t.Fatalf("Len %d, want 5", v.Len())
	}
	if id, ok := v.ID("a"); !ok || id != 3 {
		t.Errorf("ID(a) = %d, %v; want 3, true", id, ok)
	}
	if id, ok := v.ID("zzz"); ok || id != UnkID {
		t.Errorf("ID(zzz) = %d, %v; want %d, false", id, ok, UnkID)
	}
	if v.Word(PadID) != PadWord || v.Word(4) != "c" {
		t.Errorf("Word(0), Word(4) = %q, %q", v.Word(PadID), v.Word(4))
	}
	if id := v.Add("d"); id != 5 || v.Len() != 6 {
		t.Errorf("Add(d) = %d with Len %d; want 5 and 6", id, v.Len())
	}
}

func TestVocabJSONRoundTrip(t *testing.T) {
	v := NewVocab("Paris", "é", "<x>", `quo"te`)
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var plain []string
	if err := json.Unmarshal(data, &plain); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(plain, "|"), `<pad>|<unk>|Paris|é|<x>|quo"te`; got != want {
		t.Fatalf("JSON %s holds %s, want %s", data, got, want)
	}
	var back Vocab
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Len() != v.Len() {
		t.Fatalf("Len %d after round trip, want %d", back.Len(), v.Len())
	}
	for id := 0; id < v.Len(); id++ {
		if back.Word(id) != v.Word(id) {
			t.Errorf("word %d: %q, want %q", id, back.Word(id), v.Word(id))
		}
		if got, ok := back.ID(v.Word(id)); !ok || got != id {
			t.Errorf("ID(%q) = %d, %v; want %d", v.Word(id), got, ok, id)
		}
	}
	// Held by value inside a struct, it still marshals as its words.
	holder := struct{ V Vocab }{*v}
	data2, _ := json.Marshal(holder)
	if !strings.Contains(string(data2), `"V":["\u003cpad\u003e","\u003cunk\u003e","Paris"`) {
		t.Errorf("struct field marshals as %s", data2)
	}
}

func TestVocabUnmarshalRejectsBadArrays(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`["a","b"]`, `expected "<pad>", "<unk>" first`},
		{`["<pad>"]`, `expected "<pad>", "<unk>" first`},
		{`["<pad>","<unk>","a","a"]`, `"a" is both entry 2 and entry 3`},
		{`{"a":1}`, "vocabulary:"},
	} {
		var v Vocab
		err := json.Unmarshal([]byte(tc.in), &v)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}
