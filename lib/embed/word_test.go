package embed

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/wordvec"
)

func TestBuildWordVocabOrderIsDeterministic(t *testing.T) {
	counts := map[string]int{"the": 5, "a": 5, "Zebra": 1, "cat": 2, "of": 3, "b": 2}
	vecs := &wordvec.Vectors{Dim: 1, Words: []string{"cat", "dog", "the", "x", "Zebra"}, Values: []float32{1, 2, 3, 4, 5}}
	want := "<pad> <unk> a the of b cat dog x Zebra"
	for i := 0; i < 20; i++ { // map iteration order differs between runs
		if got := strings.Join(BuildWordVocab(counts, 2, vecs).Words(), " "); got != want {
			t.Fatalf("run %d: %s, want %s", i, got, want)
		}
	}
	if got := strings.Join(BuildWordVocab(counts, 0, nil).Words(), " "); got != "<pad> <unk> a the of b cat Zebra" {
		t.Errorf("minCount 0 without vectors: %s", got)
	}
}

func TestLookupFallbackOrder(t *testing.T) {
	vocab := NewVocab("Paris", "paris", "berlin", "ab00", "1999", "0000", "straße")
	w := &Word{vocab: vocab, fallback: true}
	id := func(s string) int { i, _ := vocab.ID(s); return i }
	for _, tc := range []struct {
		token string
		want  int
	}{
		{"Paris", id("Paris")},   // exact beats lowercase
		{"PARIS", id("paris")},   // lowercase
		{"Berlin", id("berlin")}, // lowercase
		{"1999", id("1999")},     // exact beats digits
		{"2024", id("0000")},     // digits → 0
		{"AB12", id("ab00")},     // lowercase, then digits
		{"STRASSE", UnkID},       // lowercase of STRASSE is strasse, not straße
		{"Straße", id("straße")},
		{"٣٤٥٦", id("0000")}, // Arabic-Indic digits are digits too (Python's \d)
		{"nowhere", UnkID},
		{PadWord, UnkID}, // only padding embeds to the padding row
		{UnkWord, UnkID},
	} {
		if got := w.Lookup(tc.token); got != tc.want {
			t.Errorf("Lookup(%q) = %d (%s), want %d (%s)", tc.token, got, vocab.Word(got), tc.want, vocab.Word(tc.want))
		}
	}
	exact := &Word{vocab: vocab, fallback: false}
	for _, token := range []string{"PARIS", "2024", "AB12"} {
		if got := exact.Lookup(token); got != UnkID {
			t.Errorf("without fallback, Lookup(%q) = %d, want <unk>", token, got)
		}
	}
}

// wordFixture is a three-dimensional table over a small vocabulary.
func wordFixture(t *testing.T, frozen bool) (*Word, *wordvec.Vectors, wordvec.Coverage) {
	t.Helper()
	vecs := &wordvec.Vectors{Dim: 3, Words: []string{"the", "paris", "0000"}, Values: []float32{0.25, -0.5, 1, 1.5, 2, -3, 0.125, 0, 7}}
	counts := map[string]int{"the": 10, "Paris": 3, "1999": 2, "zzz": 2}
	vocab := BuildWordVocab(counts, 2, vecs)
	vs := newStore(11)
	w, cov, err := NewWord(vs.Root().Sub("word"), vocab, 3, vecs, counts, true, frozen)
	if err != nil {
		t.Fatal(err)
	}
	return w, vecs, cov
}

func TestNewWordCopiesVectorRows(t *testing.T) {
	w, vecs, cov := wordFixture(t, false)
	if cov.Tokens != 17 || cov.ExactTokens != 10 || cov.FallbackTokens != 5 || cov.MissingTokens != 2 {
		t.Errorf("coverage %+v", cov)
	}
	v := w.Vocab()
	shapeIs(t, w.Weight(), int64(v.Len()), 3)
	table := values(t, w.Weight())
	row := func(word string) []float32 {
		id, ok := v.ID(word)
		if !ok {
			t.Fatalf("%q not in the vocabulary %q", word, v.Words())
		}
		return table[id*3 : id*3+3]
	}
	for i, word := range vecs.Words {
		if d := maxDiff(t, row(word), vecs.Vector(i)); d != 0 {
			t.Errorf("row %q = %v, want the vector %v", word, row(word), vecs.Vector(i))
		}
	}
	// Through the fallbacks: Paris → paris, 1999 → 0000.
	if d := maxDiff(t, row("Paris"), vecs.Vector(1)); d != 0 {
		t.Errorf("row Paris = %v, want paris's vector", row("Paris"))
	}
	if d := maxDiff(t, row("1999"), vecs.Vector(2)); d != 0 {
		t.Errorf("row 1999 = %v, want 0000's vector", row("1999"))
	}
	if d := maxDiff(t, table[:3], []float32{0, 0, 0}); d != 0 {
		t.Errorf("<pad> row %v, want zeros", table[:3])
	}
	// zzz and <unk> are random, non-zero, trainable.
	for _, word := range []string{"zzz", UnkWord} {
		r := row(word)
		if r[0] == 0 || r[1] == 0 || r[2] == 0 {
			t.Errorf("row %q = %v, want a random draw", word, r)
		}
	}
	if !w.Weight().MustRequiresGrad() || w.Frozen() {
		t.Error("a trainable table does not require a gradient")
	}
}

func TestNewWordRandomRowsTakeTheVectorsScale(t *testing.T) {
	// 2000 random rows of 50 values: their spread must match the vectors'
	// (σ = 2 here), not the 0.1 fallback.
	const dim = 50
	vals := make([]float32, 2*dim)
	for i := range vals {
		vals[i] = float32(2 * (1 - 2*(i%2))) // ±2: σ = 2
	}
	vecs := &wordvec.Vectors{Dim: dim, Words: []string{"a", "b"}, Values: vals}
	words := make([]string, 2000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	vocab := NewVocab(words...)
	vs := newStore(3)
	w, _, err := NewWord(vs.Root(), vocab, dim, vecs, nil, false, true)
	if err != nil {
		t.Fatal(err)
	}
	table := values(t, w.Weight())
	// Rows 0 (pad) and 1 (unk, frozen) are zero; the rest are random.
	if maxDiff(t, table[:2*dim], make([]float32, 2*dim)) != 0 {
		t.Errorf("frozen table: <pad> and <unk> rows must be zero")
	}
	sd := wordvec.StdDev(table[2*dim:])
	if math.Abs(sd-2) > 0.05 {
		t.Errorf("random rows have σ = %.3f, want 2 (the vectors' σ)", sd)
	}
	if w.Weight().MustRequiresGrad() {
		t.Error("frozen table requires a gradient")
	}
}

func TestWordForwardPadsWithZerosAndLooksUp(t *testing.T) {
	w, vecs, _ := wordFixture(t, false)
	batch := [][]string{{"the", "PARIS", "nowhere"}, {"2024"}}
	out := w.Forward(batch, true)
	defer out.MustDrop()
	shapeIs(t, out, 2, 3, 3)
	got := values(t, out)
	unk, _ := w.Vocab().ID(UnkWord)
	unkRow := values(t, w.Weight())[unk*3 : unk*3+3]
	want := append(append(append(append([]float32{},
		vecs.Vector(0)...), // the
		vecs.Vector(1)...), // PARIS → paris
		unkRow...), // nowhere → <unk>
		vecs.Vector(2)...) // 2024 → 0000
	want = append(want, make([]float32, 6)...) // two padding positions
	if d := maxDiff(t, got, want); d != 0 {
		t.Fatalf("Forward = %v, want %v", got, want)
	}
	if !out.MustRequiresGrad() {
		t.Error("output of a trainable table does not require a gradient")
	}

	// The gradient reaches the rows used and nothing else, not even <pad>.
	loss := out.MustSum(gotch.Float, false)
	loss.MustBackward()
	grad := values(t, w.Weight().MustGrad(false))
	loss.MustDrop()
	used := map[int]bool{}
	for _, s := range batch {
		for _, tok := range s {
			used[w.Lookup(tok)] = true
		}
	}
	for id := 0; id < w.Vocab().Len(); id++ {
		g := grad[id*3]
		if used[id] != (g != 0) {
			t.Errorf("row %d (%s): gradient %v, used %v", id, w.Vocab().Word(id), g, used[id])
		}
	}
}

func TestWordFrozenHasNoGradient(t *testing.T) {
	w, _, _ := wordFixture(t, true)
	out := w.Forward([][]string{{"the", "zzz"}}, true)
	defer out.MustDrop()
	if w.Weight().MustRequiresGrad() || out.MustRequiresGrad() {
		t.Fatal("a frozen table or its output requires a gradient")
	}
	if got := values(t, out)[3:]; maxDiff(t, got, make([]float32, 3)) == 0 {
		t.Error("zzz (random row) embeds to zeros")
	}
}

func TestNewWordRejectsMismatchedSizes(t *testing.T) {
	vs := newStore(1)
	vecs := &wordvec.Vectors{Dim: 2, Words: []string{"a"}, Values: []float32{1, 2}}
	_, _, err := NewWord(vs.Root(), NewVocab("a"), 3, vecs, nil, false, false)
	if err == nil || !strings.Contains(err.Error(), "the vectors have 2 dimensions; expected 3") {
		t.Errorf("error %v", err)
	}
	if _, _, err := NewWord(vs.Root(), NewVocab("a"), 0, nil, nil, false, false); err == nil {
		t.Error("dimension 0 accepted")
	}
}

func TestEmptyBatches(t *testing.T) {
	w, _, _ := wordFixture(t, false)
	for _, batch := range [][][]string{nil, {{}, {}}} {
		out := w.Forward(batch, false)
		shapeIs(t, out, int64(len(batch)), 0, 3)
		out.MustDrop()
	}
}
