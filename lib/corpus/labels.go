package corpus

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Special labels a CRF adds to its tag dictionary for the transitions out
// of the sentence start and into the sentence end.
const (
	StartTag = "<START>"
	StopTag  = "<STOP>"
)

// Dictionary maps labels to dense ids and back. Ids are assigned in the
// order labels are added, so a saved dictionary restores the same ids. The
// zero value is an empty dictionary ready to use.
type Dictionary struct {
	items []string
	index map[string]int
}

// NewDictionary returns a dictionary holding labels in order (duplicates
// are added once).
func NewDictionary(labels ...string) *Dictionary {
	d := &Dictionary{index: map[string]int{}}
	for _, l := range labels {
		d.Add(l)
	}
	return d
}

// Add returns the id of label, adding it if it is new.
func (d *Dictionary) Add(label string) int {
	if id, ok := d.index[label]; ok {
		return id
	}
	if d.index == nil {
		d.index = map[string]int{}
	}
	d.index[label] = len(d.items)
	d.items = append(d.items, label)
	return len(d.items) - 1
}

// ID returns the id of label and whether it is known.
func (d *Dictionary) ID(label string) (int, bool) {
	id, ok := d.index[label]
	return id, ok
}

// Label returns the label with id; it panics if id is out of range.
func (d *Dictionary) Label(id int) string { return d.items[id] }

// Len returns the number of labels.
func (d *Dictionary) Len() int { return len(d.items) }

// Labels returns the labels in id order (a copy).
func (d *Dictionary) Labels() []string { return append([]string(nil), d.items...) }

// MarshalJSON writes the labels as a JSON array in id order ([] when
// empty). Its value receiver lets a Dictionary held by value (a struct
// field of a non-addressable struct) marshal as its labels too.
func (d Dictionary) MarshalJSON() ([]byte, error) {
	if d.items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(d.items)
}

// UnmarshalJSON reads a JSON array of distinct labels.
func (d *Dictionary) UnmarshalJSON(data []byte) error {
	var items []string
	if err := json.Unmarshal(data, &items); err != nil {
		return fmt.Errorf("label dictionary: %w", err)
	}
	*d = Dictionary{index: map[string]int{}}
	for _, l := range items {
		if _, dup := d.index[l]; dup {
			return fmt.Errorf("label dictionary: %q appears twice; expected distinct labels", l)
		}
		d.Add(l)
	}
	return nil
}

// TagDictionary builds the tag dictionary of the given corpora's ner
// columns in scheme: O first, then every tag that scheme needs for the
// entity types seen (sorted), so that a tagger can emit tags that happen
// not to occur in training (an S- of a type seen only in long spans). The
// context tag X is never included: context tokens are not tagged. With crf,
// <START> and <STOP> are appended.
func TagDictionary(scheme Scheme, crf bool, corpora ...*Corpus) (*Dictionary, error) {
	types := map[string]bool{}
	for _, c := range corpora {
		col, err := c.TagColumn()
		if err != nil {
			return nil, err
		}
		textCol := c.Column(TextColumn)
		for i := range c.Sentences {
			s := &c.Sentences[i]
			for _, tag := range sentenceTags(s, textCol, col) {
				if _, typ, ok := SplitTag(tag); ok && typ != "" && typ != ContextType {
					types[typ] = true
				}
			}
		}
	}
	names := make([]string, 0, len(types))
	for t := range types {
		names = append(names, t)
	}
	sort.Strings(names)
	prefixes := "BI"
	if scheme == BIOES {
		prefixes = "BIES"
	}
	d := NewDictionary(Outside)
	for _, t := range names {
		for _, p := range prefixes {
			d.Add(string(p) + "-" + t)
		}
	}
	if crf {
		d.Add(StartTag)
		d.Add(StopTag)
	}
	return d, nil
}
