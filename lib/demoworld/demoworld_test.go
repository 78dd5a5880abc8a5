package demoworld

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

func TestWorldIsReproducibleAndSplitsAreDisjoint(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	opt := Options{Seed: 3, EntitiesPerType: [3]int{30, 10, 10}, Sentences: [3]int{200, 50, 50}}
	if err := Write(a, opt); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, opt); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"train.conll", "dev.conll", "test.conll", "knowledge.jsonl"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", f)
		}
	}
	names := map[string]map[string]bool{}
	for _, split := range []string{"train", "dev", "test"} {
		c, err := corpus.ReadFile(filepath.Join(a, split+".conll"), corpus.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"train": 200, "dev": 50, "test": 50}[split]; len(c.Sentences) != want {
			t.Errorf("%s: %d sentences", split, len(c.Sentences))
		}
		names[split] = map[string]bool{}
		for _, s := range c.Sentences {
			for _, sp := range corpus.Spans(s.Columns[1]) {
				names[split][strings.Join(s.Columns[0][sp.Start:sp.End], " ")] = true
			}
		}
	}
	for n := range names["dev"] {
		if names["train"][n] {
			t.Errorf("dev entity %q also occurs in training", n)
		}
	}
	for n := range names["test"] {
		if names["train"][n] || names["dev"][n] {
			t.Errorf("test entity %q also occurs in train or dev", n)
		}
	}
	kb, _ := os.ReadFile(filepath.Join(a, "knowledge.jsonl"))
	if lines := strings.Count(string(kb), "\n"); lines != 4*(30+10+10) {
		t.Errorf("%d articles", lines)
	}
	if !strings.Contains(string(kb), " is a ") {
		t.Error("articles do not state types")
	}
	// Sentences never state the type: no type word of the articles.
	train, _ := os.ReadFile(filepath.Join(a, "train.conll"))
	for _, w := range []string{"painter", "town", "company", "loom"} {
		if strings.Contains(string(train), "\n"+w+" ") {
			t.Errorf("a sentence holds the type word %q", w)
		}
	}
}

// TestNameCue: with NameCue 1 every name ends in one of its type's
// endings; with 0 no name ends in any type's.
func TestNameCue(t *testing.T) {
	for _, cue := range []float64{0, 1} {
		dir := t.TempDir()
		if err := Write(dir, Options{Seed: 5, EntitiesPerType: [3]int{20, 5, 5}, Sentences: [3]int{100, 20, 20}, NameCue: cue}); err != nil {
			t.Fatal(err)
		}
		c, err := corpus.ReadFile(filepath.Join(dir, "train.conll"), corpus.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		names := 0
		for _, s := range c.Sentences {
			for _, sp := range corpus.Spans(s.Columns[1]) {
				names++
				last := s.Columns[0][sp.End-1]
				own, any := false, false
				for typ, ends := range endings {
					for _, e := range ends {
						if strings.HasSuffix(last, e) {
							any = true
							own = own || typ == sp.Type
						}
					}
				}
				if cue == 1 && !own || cue == 0 && any {
					t.Errorf("name cue %g: %s name %q", cue, sp.Type, strings.Join(s.Columns[0][sp.Start:sp.End], " "))
				}
			}
		}
		if names < 100 {
			t.Errorf("name cue %g: %d names", cue, names)
		}
	}
}
