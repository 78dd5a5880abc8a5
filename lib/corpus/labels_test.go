package corpus_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

func TestDictionary(t *testing.T) {
	d := corpus.NewDictionary("O", "B-PER", "O", "I-PER")
	if d.Len() != 3 || !slices.Equal(d.Labels(), []string{"O", "B-PER", "I-PER"}) {
		t.Fatalf("NewDictionary: %d %q", d.Len(), d.Labels())
	}
	if id := d.Add("B-LOC"); id != 3 {
		t.Errorf("Add(new) = %d, want 3", id)
	}
	if id := d.Add("B-PER"); id != 1 || d.Len() != 4 {
		t.Errorf("Add(known) = %d (len %d), want 1 (len 4)", id, d.Len())
	}
	if id, ok := d.ID("I-PER"); id != 2 || !ok {
		t.Errorf("ID(I-PER) = %d, %v", id, ok)
	}
	if id, ok := d.ID("S-PER"); ok || id != 0 {
		t.Errorf("ID(unknown) = %d, %v", id, ok)
	}
	if d.Label(3) != "B-LOC" || d.Label(0) != "O" {
		t.Errorf("Label: %q %q", d.Label(3), d.Label(0))
	}
	labels := d.Labels()
	labels[0] = "changed"
	if d.Label(0) != "O" {
		t.Error("Labels is not a copy")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Label(out of range) did not panic")
			}
		}()
		d.Label(4)
	}()

	data, err := json.Marshal(d)
	if err != nil || string(data) != `["O","B-PER","I-PER","B-LOC"]` {
		t.Fatalf("Marshal = %s, %v", data, err)
	}
	var back corpus.Dictionary
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Labels(), d.Labels()) {
		t.Errorf("round trip %q, want %q", back.Labels(), d.Labels())
	}
	for i, l := range d.Labels() {
		if id, ok := back.ID(l); id != i || !ok {
			t.Errorf("after round trip ID(%q) = %d, %v; want %d", l, id, ok, i)
		}
	}
	// Held by value inside a struct that is marshalled by value.
	type model struct {
		Tags corpus.Dictionary `json:"tags"`
	}
	data, err = json.Marshal(model{Tags: *d})
	if err != nil || string(data) != `{"tags":["O","B-PER","I-PER","B-LOC"]}` {
		t.Errorf("Marshal(struct by value) = %s, %v", data, err)
	}
	var m model
	if err := json.Unmarshal(data, &m); err != nil || m.Tags.Len() != 4 {
		t.Errorf("Unmarshal(struct) = %v, %d labels", err, m.Tags.Len())
	}
}

func TestDictionaryZeroAndErrors(t *testing.T) {
	var d corpus.Dictionary // the zero value is usable
	if d.Len() != 0 {
		t.Error("zero Dictionary not empty")
	}
	if _, ok := d.ID("O"); ok {
		t.Error("zero Dictionary knows O")
	}
	if data, err := json.Marshal(&d); err != nil || string(data) != "[]" {
		t.Errorf("Marshal(empty) = %s, %v", data, err)
	}
	if id := d.Add("O"); id != 0 || d.Len() != 1 {
		t.Errorf("zero Dictionary Add = %d", id)
	}

	var dup corpus.Dictionary
	err := json.Unmarshal([]byte(`["O","B-PER","O"]`), &dup)
	if err == nil || err.Error() != `label dictionary: "O" appears twice; expected distinct labels` {
		t.Errorf("duplicate labels: %v", err)
	}
	for _, bad := range []string{`{"O":0}`, `["O",1]`, `"O"`} {
		if err := json.Unmarshal([]byte(bad), &dup); err == nil || !strings.HasPrefix(err.Error(), "label dictionary: ") {
			t.Errorf("Unmarshal(%s): %v", bad, err)
		}
	}
	// Unmarshal replaces what was there.
	d2 := corpus.NewDictionary("a", "b", "c")
	if err := json.Unmarshal([]byte(`["x"]`), d2); err != nil || !slices.Equal(d2.Labels(), []string{"x"}) {
		t.Errorf("Unmarshal over a full dictionary: %v %q", err, d2.Labels())
	}
	if _, ok := d2.ID("a"); ok {
		t.Error("old label survived Unmarshal")
	}
}

func TestTagDictionaryWnut17(t *testing.T) {
	train := readDataset(t, "wnut17/train.txt")
	types := []string{"corporation", "creative-work", "group", "location", "person", "product"}
	for _, c := range []struct {
		scheme   corpus.Scheme
		crf      bool
		prefixes []string
	}{
		{corpus.BIO, false, []string{"B-", "I-"}},
		{corpus.BIO, true, []string{"B-", "I-"}},
		{corpus.BIOES, false, []string{"B-", "I-", "E-", "S-"}},
		{corpus.BIOES, true, []string{"B-", "I-", "E-", "S-"}},
		{corpus.IOB1, false, []string{"B-", "I-"}},
	} {
		want := []string{"O"}
		for _, typ := range types {
			for _, p := range c.prefixes {
				want = append(want, p+typ)
			}
		}
		if c.crf {
			want = append(want, "<START>", "<STOP>")
		}
		d, err := corpus.TagDictionary(c.scheme, c.crf, train)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(d.Labels(), want) {
			t.Errorf("TagDictionary(%v, crf=%v) = %q\nwant %q", c.scheme, c.crf, d.Labels(), want)
		}
	}
	// Spelled out once, so that a change in the order shows plainly.
	d, _ := corpus.TagDictionary(corpus.BIOES, true, train)
	if got := strings.Join(d.Labels(), " "); got != "O B-corporation I-corporation E-corporation S-corporation "+
		"B-creative-work I-creative-work E-creative-work S-creative-work B-group I-group E-group S-group "+
		"B-location I-location E-location S-location B-person I-person E-person S-person "+
		"B-product I-product E-product S-product <START> <STOP>" {
		t.Errorf("BIOES+CRF labels: %s", got)
	}
	if d.Len() != 1+6*4+2 {
		t.Errorf("Len = %d", d.Len())
	}
	// Several corpora: the union of their types.
	other := parse(t, "a\tB-zeta\nb\tS-alpha\nc\tX\n<EOS>\tX\nd\tB-X\n")
	d, err := corpus.TagDictionary(corpus.BIO, false, train, other)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1+8*2 || d.Label(1) != "B-alpha" || d.Label(d.Len()-1) != "I-zeta" {
		t.Errorf("union: %q", d.Labels())
	}
	if _, ok := d.ID("B-X"); ok {
		t.Error("context type X in the tag dictionary")
	}
	if _, err := corpus.TagDictionary(corpus.BIO, false, parse(t, "a\nb\n")); err == nil || !strings.Contains(err.Error(), `no "ner" column`) {
		t.Errorf("TagDictionary without ner column: %v", err)
	}
}
