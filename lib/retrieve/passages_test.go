package retrieve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/wiki"
)

func TestSplitSentences(t *testing.T) {
	for text, want := range map[string][]string{
		"Razaerholm is a town. It has a port! Is it old? Yes.": {"Razaerholm is a town.", "It has a port!", "Is it old?", "Yes."},
		"J. R. R. Tolkien wrote it. Mr. Smith read it.":        {"J. R. R. Tolkien wrote it.", "Mr. Smith read it."},
		"It grew (e.g. in 1990) fast. \"Then\" it fell.":       {"It grew (e.g. in 1990) fast.", "\"Then\" it fell."},
		"Version 2.0 shipped in the U.S. market.":              {"Version 2.0 shipped in the U.S. market."},
		"He left.\"She stayed.\" Then 1990 came.":              {"He left.\"She stayed.\"", "Then 1990 came."},
		"no end": {"no end"},
	} {
		if got := SplitSentences(text); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q:\n got %q\nwant %q", text, got, want)
		}
	}
}

func TestPassagesWindowTheSentences(t *testing.T) {
	a := &wiki.Article{ID: "9", Title: "Town", Paragraphs: []string{"One. Two. Three.", "Four. Five."}}
	ps := Passages(a, PassageOptions{Sentences: 2})
	var texts []string
	for _, p := range ps {
		texts = append(texts, p.Text)
		if p.Title != "Town" || p.ArticleID != "9" {
			t.Errorf("passage %+v", p)
		}
	}
	if strings.Join(texts, "|") != "One. Two.|Three. Four.|Five." || ps[2].ID != "9-2" {
		t.Errorf("passages %q", texts)
	}
	overlap := Passages(a, PassageOptions{Sentences: 3, Stride: 2})
	if len(overlap) != 2 || overlap[1].Text != "Three. Four. Five." {
		t.Errorf("overlapping: %+v", overlap)
	}
	capped := Passages(a, PassageOptions{Sentences: 5, MaxChars: 9})
	if capped[0].Text != "One. Two." {
		t.Errorf("capped: %+v", capped)
	}
	if err := (PassageOptions{Sentences: 2, Stride: 3}).Validate(); err == nil {
		t.Error("a stride past the window was accepted")
	}
	if len(Passages(&wiki.Article{ID: "x"}, PassageOptions{})) != 0 {
		t.Error("an empty article gave passages")
	}
}

// write puts a test file in a temporary folder and returns its path.
func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
