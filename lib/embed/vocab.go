package embed

import (
	"encoding/json"
	"fmt"
)

// Reserved vocabulary entries: every Vocab starts with them.
const (
	PadWord = "<pad>" // id PadID: padding positions, embedded as zeros
	UnkWord = "<unk>" // id UnkID: anything not in the vocabulary

	PadID = 0
	UnkID = 1
)

// Vocab maps strings (words or characters) to dense ids. Id 0 is "<pad>"
// and id 1 is "<unk>". It marshals to JSON as an array of its strings in id
// order, so a saved model's vocabulary is readable and diffable.
//
// The zero Vocab is not ready for use; make one with NewVocab.
type Vocab struct {
	words []string
	index map[string]int
}

// NewVocab returns a vocabulary of "<pad>", "<unk>", then words in order;
// a word that appears again (including the reserved ones) keeps its first id.
func NewVocab(words ...string) *Vocab {
	v := &Vocab{
		words: make([]string, 0, len(words)+2),
		index: make(map[string]int, len(words)+2),
	}
	v.Add(PadWord)
	v.Add(UnkWord)
	for _, w := range words {
		v.Add(w)
	}
	return v
}

// Add returns w's id, giving it the next free id if it is new.
func (v *Vocab) Add(w string) int {
	if id, ok := v.index[w]; ok {
		return id
	}
	id := len(v.words)
	v.words = append(v.words, w)
	v.index[w] = id
	return id
}

// ID returns w's id and true, or UnkID and false when w is not in the
// vocabulary, so that `id, _ := v.ID(w)` is the usual lookup.
func (v *Vocab) ID(w string) (int, bool) {
	if id, ok := v.index[w]; ok {
		return id, true
	}
	return UnkID, false
}

// Word returns the string with the given id; it panics when id is not in
// [0, Len()), like indexing a slice.
func (v *Vocab) Word(id int) string { return v.words[id] }

// Len returns the number of entries, the two reserved ones included.
func (v *Vocab) Len() int { return len(v.words) }

// Words returns a copy of the entries in id order.
func (v *Vocab) Words() []string { return append([]string(nil), v.words...) }

// MarshalJSON writes the entries as a JSON array in id order. The value
// receiver lets a Vocab held by value inside another struct marshal too.
func (v Vocab) MarshalJSON() ([]byte, error) {
	if v.words == nil {
		return json.Marshal([]string{PadWord, UnkWord})
	}
	return json.Marshal(v.words)
}

// UnmarshalJSON reads a JSON array of distinct strings that starts with
// "<pad>", "<unk>".
func (v *Vocab) UnmarshalJSON(data []byte) error {
	var words []string
	if err := json.Unmarshal(data, &words); err != nil {
		return fmt.Errorf("vocabulary: %w", err)
	}
	if len(words) < 2 || words[PadID] != PadWord || words[UnkID] != UnkWord {
		return fmt.Errorf("vocabulary: starts with %s; expected %q, %q first", head(words, 2), PadWord, UnkWord)
	}
	fresh := Vocab{words: make([]string, 0, len(words)), index: make(map[string]int, len(words))}
	for i, w := range words {
		if first, dup := fresh.index[w]; dup {
			return fmt.Errorf("vocabulary: %q is both entry %d and entry %d; expected distinct entries", w, first, i)
		}
		fresh.Add(w)
	}
	*v = fresh
	return nil
}

// head formats the first n strings for an error message.
func head(words []string, n int) string {
	if len(words) < n {
		n = len(words)
	}
	b, _ := json.Marshal(words[:n])
	return string(b)
}
