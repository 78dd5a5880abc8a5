package corpus_test

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

func TestSplitView(t *testing.T) {
	for _, c := range []struct {
		name       string
		text, tags string
		len, total int
	}{
		{"<EOS> tagged X", "a b <EOS> c d", "O B-PER X X X", 2, 5},
		{"<EOS> tagged O", "a b <EOS> c d", "O B-PER O X X", 2, 5},
		{"<EOS> tagged B-X", "a b <EOS> c d", "O O B-X I-X I-X", 2, 5},
		{"<EOS> tagged S-X", "a b <EOS> c d", "O O S-X S-X X", 2, 5},
		{"context holds another <EOS>", "a b <EOS> c <EOS> d", "O O X X X X", 2, 6},
		{"context holds another <EOS>, first tagged O", "a b <EOS> c <EOS> d", "O O O X X X", 2, 6},
		{"context holds another <EOS> tagged O", "a b <EOS> c <EOS> d", "O O X X O X", 4, 6},
		{"no <EOS>", "a b c", "O O X", 3, 3},
		{"no <EOS>, all X", "a b", "X X", 2, 2},
		{"<EOS> tagged O mid-sentence, no context after", "a <EOS> b", "O O O", 3, 3},
		{"<EOS> tagged O mid-sentence, entity after", "a <EOS> b", "O O B-PER", 3, 3},
		{"<EOS> mid-sentence, then the real boundary", "a <EOS> b <EOS> c", "O O O O X", 3, 5},
		{"<EOS> tagged as an entity", "a <EOS> c", "O B-PER X", 3, 3},
		{"empty context, <EOS> tagged X", "a b <EOS>", "O O X", 2, 3},
		{"empty context, <EOS> tagged O", "a b <EOS>", "O O O", 2, 3},
		{"empty sentence", "<EOS> c", "X X", 0, 2},
		{"nothing", "", "", 0, 0},
		{"lengths differ", "a <EOS> c", "O X", 3, 3},
	} {
		v := corpus.SplitView(tags(c.text), tags(c.tags))
		if v.Len != c.len || v.Total != c.total {
			t.Errorf("%s: SplitView(%q, %q) = %+v, want {Len:%d Total:%d}", c.name, c.text, c.tags, v, c.len, c.total)
		}
		if v.HasContext() != (c.total > c.len) {
			t.Errorf("%s: HasContext() = %v", c.name, v.HasContext())
		}
	}
}

const viewText = `IMGID:1
w1 O
w2 B-PER
<EOS> X
c1 X
c2 X

w3 O

w4 B-LOC
<EOS> O
`

func TestSentenceAndContextPart(t *testing.T) {
	c := parse(t, viewText)
	if len(c.Sentences) != 3 {
		t.Fatalf("%d sentences", len(c.Sentences))
	}
	s0 := c.SentencePart(&c.Sentences[0])
	if want := [][]string{{"w1", "w2"}, {"O", "B-PER"}}; !slices.EqualFunc(s0.Columns, want, slices.Equal) {
		t.Errorf("SentencePart = %q, want %q", s0.Columns, want)
	}
	if s0.Line != 2 || !slices.Equal(s0.Meta, []string{"IMGID:1"}) {
		t.Errorf("SentencePart line %d meta %q", s0.Line, s0.Meta)
	}
	if got := c.ContextPart(&c.Sentences[0]); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("ContextPart = %q", got)
	}
	// The part shares memory with the sentence.
	s0.Columns[1][1] = "I-PER"
	if c.Sentences[0].Columns[1][1] != "I-PER" {
		t.Error("SentencePart does not share memory with the sentence")
	}
	s0.Columns[1][1] = "B-PER"
	s1 := c.SentencePart(&c.Sentences[1])
	if !slices.EqualFunc(s1.Columns, c.Sentences[1].Columns, slices.Equal) || s1.Line != 8 {
		t.Errorf("SentencePart of a plain sentence = %+v", s1)
	}
	if got := c.ContextPart(&c.Sentences[1]); got != nil {
		t.Errorf("ContextPart of a plain sentence = %q, want nil", got)
	}
	// <EOS> at the end: a view with an empty context.
	if got := c.ContextPart(&c.Sentences[2]); got == nil || len(got) != 0 {
		t.Errorf("ContextPart with empty context = %#v, want empty non-nil", got)
	}
	if s2 := c.SentencePart(&c.Sentences[2]); s2.Len() != 1 {
		t.Errorf("SentencePart with empty context has %d tokens", s2.Len())
	}
	// Without a ner column there are no views.
	one := parse(t, "a\n<EOS>\nb\n")
	if p := one.SentencePart(&one.Sentences[0]); p.Len() != 3 {
		t.Errorf("SentencePart without ner column has %d tokens", p.Len())
	}
	if p := one.ContextPart(&one.Sentences[0]); p != nil {
		t.Errorf("ContextPart without ner column = %q", p)
	}

	st := c.Stats()
	want := corpus.Stats{Sentences: 3, Tokens: 4, Tags: map[string]int{"O": 2, "B-PER": 1, "B-LOC": 1},
		Entities: map[string]int{"PER": 1, "LOC": 1}, Scheme: "bio", ContextSentences: 2, ContextTokens: 4, MaxLength: 2}
	if fmt.Sprint(st) != fmt.Sprint(want) {
		t.Errorf("Stats = %+v\nwant %+v", st, want)
	}
}

// contextViews builds the CLNER view file of plain: every sentence gets
// <EOS> and three context tokens (tagged X, B-X, I-X), and Write lays it
// out.
func contextViews(tb testing.TB, plain *corpus.Corpus) []byte {
	tb.Helper()
	v := &corpus.Corpus{Columns: plain.Columns, Separator: plain.Separator, Docs: plain.Docs}
	for i, s := range plain.Sentences {
		text := append(slices.Clip(s.Columns[0]), corpus.EOS, "ctx", fmt.Sprintf("c%d", i), "<EOS>")
		tg := append(slices.Clip(s.Columns[1]), "X", "B-X", "I-X", "X")
		v.Sentences = append(v.Sentences, corpus.Sentence{Columns: [][]string{text, tg}, Meta: s.Meta})
	}
	var buf bytes.Buffer
	if err := corpus.Write(&buf, v); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// lineOf returns line n (1-based) of a file.
func lineOf(tb testing.TB, path string, n int) string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return sc.Text()
		}
	}
	tb.Fatalf("%s has no line %d", path, n)
	return ""
}

func TestPairRealFile(t *testing.T) {
	plainPath := dataset(t, "wnut17/dev.txt")
	plain := readDataset(t, "wnut17/dev.txt")
	viewBytes := contextViews(t, plain)
	const viewName = "dev.view.conll"
	view, err := corpus.Parse(viewBytes, viewName, corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := corpus.Pair(plain, view); err != nil {
		t.Fatalf("Pair: %v", err)
	}

	// Stats of the views: the sentences' counts, context apart.
	ps, vs := plain.Stats(), view.Stats()
	if vs.Tokens != ps.Tokens || vs.Sentences != ps.Sentences || vs.MaxLength != ps.MaxLength ||
		!maps.Equal(vs.Tags, ps.Tags) || !maps.Equal(vs.Entities, ps.Entities) || vs.Scheme != "bio" {
		t.Errorf("view stats %+v\nplain stats %+v", vs, ps)
	}
	if vs.ContextSentences != 1009 || vs.ContextTokens != 1009*4 { // <EOS> and 3 context tokens each
		t.Errorf("context sentences/tokens = %d/%d, want 1009/%d", vs.ContextSentences, vs.ContextTokens, 1009*4)
	}
	if _, ok := vs.Entities["X"]; ok {
		t.Error("X counted as an entity type")
	}
	if sc, _ := view.Scheme(); sc != corpus.BIO {
		t.Errorf("view scheme %v", sc)
	}
	if errs, err := view.Validate(corpus.BIO, 0); err != nil || len(errs) != 0 {
		t.Errorf("view Validate: %v %v", errs, err)
	}
	pd, _ := corpus.TagDictionary(corpus.BIOES, true, plain)
	vd, _ := corpus.TagDictionary(corpus.BIOES, true, view)
	if !slices.Equal(pd.Labels(), vd.Labels()) {
		t.Errorf("TagDictionary of the views %q, of the plain file %q", vd.Labels(), pd.Labels())
	}

	// lines of sentence i, token t in the plain file and the view file.
	pline := func(i, tok int) int { return plain.Sentences[i].Line + tok }
	vline := func(i, tok int) int { return view.Sentences[i].Line + tok }
	edit := func(mutate func(lines []string) []string) *corpus.Corpus {
		lines := strings.Split(string(viewBytes), "\n")
		lines = mutate(lines)
		c, err := corpus.Parse([]byte(strings.Join(lines, "\n")), viewName, corpus.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Sentence 101, token 3 (0-based 100, 2).
	const si, tok = 100, 2
	word, tag := plain.Sentences[si].Columns[0][tok], plain.Sentences[si].Columns[1][tok]
	if got := lineOf(t, plainPath, pline(si, tok)); got != word+"\t"+tag {
		t.Fatalf("line %d of the plain file is %q, sentence %d token %d is %q %q", pline(si, tok), got, si+1, tok+1, word, tag)
	}
	for _, c := range []struct {
		name   string
		mutate func([]string) []string
		want   string
	}{
		{"token", func(l []string) []string {
			l[vline(si, tok)-1] = "XXtokenXX\t" + tag
			return l
		}, fmt.Sprintf("%s:%d: token %q; expected %q like %s:%d (sentence %d)", viewName, vline(si, tok), "XXtokenXX", word, plainPath, pline(si, tok), si+1)},
		{"tag", func(l []string) []string {
			other := "B-person"
			if tag == other {
				other = "O"
			}
			l[vline(si, tok)-1] = word + "\t" + other
			return l
		}, fmt.Sprintf("%s:%d: tag %q; expected %q like %s:%d (sentence %d)", viewName, vline(si, tok), func() string {
			if tag == "B-person" {
				return "O"
			}
			return "B-person"
		}(), tag, plainPath, pline(si, tok), si+1)},
		{"drop a sentence", func(l []string) []string {
			// Remove sentence si with its blank line: sentence si+1 of the
			// views (now at index si) is compared with plain sentence si.
			from, to := vline(si, 0)-1, vline(si+1, 0)-1
			return slices.Delete(l, from, to)
		}, ""},
		{"drop the last sentence", func(l []string) []string {
			n := len(view.Sentences) - 1
			return l[:vline(n, 0)-1]
		}, fmt.Sprintf("%s has %d sentences but %s has %d; expected one context view per sentence (first missing: sentence %d, %s:%d)",
			viewName, 1008, plainPath, 1009, 1009, plainPath, plain.Sentences[1008].Line)},
		{"add a sentence at the end", func(l []string) []string {
			l[len(l)-1] = "extra\tO" // the empty string after the last LF
			return append(l, "")
		}, fmt.Sprintf("%s:%d: %s has %d sentences but %s has only %d; expected one context view per sentence",
			viewName, strings.Count(string(viewBytes), "\n")+1, viewName, 1010, plainPath, 1009)},
	} {
		err := corpus.Pair(plain, edit(c.mutate))
		if err == nil {
			t.Errorf("%s: Pair succeeded", c.name)
			continue
		}
		if c.want != "" && err.Error() != c.want {
			t.Errorf("%s: Pair error\n%s\nwant\n%s", c.name, err, c.want)
		}
		if !strings.Contains(err.Error(), viewName) || !strings.Contains(err.Error(), plainPath) {
			t.Errorf("%s: Pair error %q does not name both files", c.name, err)
		}
		if c.name == "drop a sentence" {
			// The view now at index si is plain's sentence si+1, read at
			// the line where the dropped one was.
			prefix := fmt.Sprintf("%s:%d: ", viewName, vline(si, 0))
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), fmt.Sprintf("%s:%d", plainPath, pline(si, 0))) {
				t.Errorf("drop a sentence: error %q, want it to start with %q and name %s:%d", err, prefix, plainPath, pline(si, 0))
			}
		}
	}
	// Adding a sentence in the middle misaligns the rest.
	err = corpus.Pair(plain, edit(func(l []string) []string {
		return slices.Insert(l, vline(si, 0)-1, "inserted\tO", "")
	}))
	if err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d: ", viewName, vline(si, 0))) {
		t.Errorf("inserted sentence: %v", err)
	}
	// A view without an ner column cannot be paired.
	if err := corpus.Pair(plain, parse(t, "a\nb\n")); err == nil || !strings.Contains(err.Error(), `no "ner" column`) {
		t.Errorf("Pair with a text-only file: %v", err)
	}
}
