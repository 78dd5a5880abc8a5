package retrieve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTestViews(t *testing.T) string {
	t.Helper()
	idx := testIndex(t, viewsKnowledge)
	in := write(t, "train.txt", viewsData)
	out := filepath.Join(t.TempDir(), "train.txt")
	opt := ViewOptions{Budget: 8, Workers: 2, Retrieve: RetrieveOptions{Keep: 2}}
	if _, err := WriteViews(context.Background(), idx, in, out, opt); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestViewFileSplitsContextIntoPassages(t *testing.T) {
	path := writeTestViews(t)
	v, err := OpenViewFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != 3 {
		t.Fatalf("%d sentences", v.Len())
	}
	cv, err := v.View(0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cv.Tokens, " ") != "Stedian Restous left ." || strings.Join(cv.Tags, " ") != "B-PER I-PER O O" {
		t.Errorf("sentence: %q %q", cv.Tokens, cv.Tags)
	}
	// The first passage is the painter's article, cut at the budget of 8
	// tokens together with whatever follows it.
	if len(cv.Passages) == 0 || cv.Passages[0].Title != "Stedian Restous" {
		t.Fatalf("passages %+v", cv.Passages)
	}
	total := 0
	for _, p := range cv.Passages {
		if len(p.Tokens) != p.Used {
			t.Errorf("%s: %d tokens, %d used", p.ID, len(p.Tokens), p.Used)
		}
		total += len(p.Tokens)
	}
	if total > 8 || strings.Join(cv.Passages[0].Tokens, " ") != strings.Join(strings.Fields("Stedian Restous is a painter . He lives in")[:cv.Passages[0].Used], " ") {
		t.Errorf("context %+v", cv.Passages)
	}
	if cv.Line != 3 {
		t.Errorf("line %d, want 3", cv.Line)
	}
	if i := v.Find("systems GREW", 0); i != 1 {
		t.Errorf("Find = %d, want 1", i)
	}
	if i := v.Find("Razaerholm", 0); i != 2 {
		t.Errorf("Find skips context words: got %d, want 2", i)
	}
	if i := v.Find("Razaerholm", 3); i != -1 {
		t.Errorf("Find from the end = %d", i)
	}
	if _, err := v.View(3); err == nil || !strings.Contains(err.Error(), "no sentence 3") {
		t.Errorf("View(3): %v", err)
	}
}

func TestViewFileRejectsMismatchedProvenance(t *testing.T) {
	path := writeTestViews(t)
	prov, _ := os.ReadFile(path + ".provenance.jsonl")
	lines := strings.SplitAfter(string(prov), "\n")
	cases := map[string]struct {
		prov string // "" removes the file
		want string
	}{
		"missing":   {"", "not a context view written by retrieve"},
		"short":     {lines[0] + lines[1], "an unfinished retrieve?"},
		"corrupt":   {lines[0] + "{\"sentence\": 1,\n", ".provenance.jsonl:2:"},
		"reordered": {lines[1] + lines[0] + lines[2], ".provenance.jsonl:1: sentence 1 where 0 was expected"},
		"tokens":    {strings.Replace(lines[0], `"tokens_used":`, `"tokens_used":1`, 1) + lines[1] + lines[2], ".provenance.jsonl:1: "},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "train.txt")
			data, _ := os.ReadFile(path)
			os.WriteFile(p, data, 0o644)
			if c.prov != "" {
				os.WriteFile(p+".provenance.jsonl", []byte(c.prov), 0o644)
			}
			_, err := OpenViewFile(p, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// FuzzOpenViewFile feeds arbitrary provenance to a fixed view file: it is
// accepted only when it matches, and then every sentence can be viewed.
func FuzzOpenViewFile(f *testing.F) {
	dir := f.TempDir()
	view := filepath.Join(dir, "train.txt")
	os.WriteFile(view, []byte("A\tB-PER\nb\tO\n<EOS>\tX\nx\tX\ny\tX\n\nC\tO\n<EOS>\tX\n"), 0o644)
	f.Add([]byte(`{"sentence":0,"passages":[{"id":"p","tokens_used":1},{"id":"q","tokens_used":1}]}` + "\n" + `{"sentence":1,"passages":[]}` + "\n"))
	f.Add([]byte(`{"sentence":0,"passages":[{"id":"p","tokens_used":-1},{"id":"q","tokens_used":3}]}` + "\n"))
	f.Fuzz(func(t *testing.T, prov []byte) {
		os.WriteFile(view+".provenance.jsonl", prov, 0o644)
		v, err := OpenViewFile(view, nil)
		if err != nil {
			if !strings.Contains(err.Error(), "train.txt") {
				t.Errorf("error names no file: %v", err)
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			if _, err := v.View(i); err != nil {
				t.Error(err)
			}
		}
	})
}
