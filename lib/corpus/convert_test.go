package corpus_test

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

// tagsOf returns a copy of the ner column of every sentence.
func tagsOf(c *corpus.Corpus) [][]string {
	k := c.Column(corpus.NERColumn)
	out := make([][]string, len(c.Sentences))
	for i := range c.Sentences {
		out[i] = slices.Clone(c.Sentences[i].Columns[k])
	}
	return out
}

func spansOf(seqs [][]string) [][]corpus.Span {
	out := make([][]corpus.Span, len(seqs))
	for i, s := range seqs {
		out[i] = corpus.Spans(s)
	}
	return out
}

// illFormedBIOLines scans a TAB-separated BIO file on its own: the lines
// of I- tags that do not continue a span (after O, another type or a
// sentence break). It shares no code with the package.
func illFormedBIOLines(tb testing.TB, path string) []int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines []int
	prev := "O"
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 2 {
			prev = "O" // blank line or IMGID:
			continue
		}
		tag := cols[1]
		if strings.HasPrefix(tag, "I-") && prev[1:] != tag[1:] {
			lines = append(lines, n)
		}
		prev = tag
	}
	return lines
}

// TestConvertRealFiles converts every manifest file to each scheme: the
// entity spans of every sentence are unchanged, the result is well formed,
// and Stats counts the same entities. Files whose tags are ill-formed in
// their own scheme are refused without repair.
func TestConvertRealFiles(t *testing.T) {
	illFormed := map[string]bool{
		"cofee/twitter2015/train.txt": true, "cofee/twitter2015/valid.txt": true, "cofee/twitter2015/test.txt": true,
		"cofee/ecommerce/train.txt.bieos": true,
	}
	for _, m := range manifest {
		t.Run(m.path, func(t *testing.T) {
			c := readDataset(t, m.path)
			orig := tagsOf(c)
			want := spansOf(orig)
			for _, to := range []corpus.Scheme{corpus.IOB1, corpus.BIO, corpus.BIOES} {
				err := c.ConvertTags(to, false)
				if illFormed[m.path] {
					if err == nil {
						t.Fatalf("ConvertTags(%v, no repair) accepted ill-formed tags", to)
					}
					if !slices.EqualFunc(tagsOf(c), orig, slices.Equal) {
						t.Fatalf("a refused ConvertTags changed the tags")
					}
					err = c.ConvertTags(to, true)
				}
				if err != nil {
					t.Fatalf("ConvertTags(%v): %v", to, err)
				}
				got := tagsOf(c)
				if !reflect.DeepEqual(spansOf(got), want) {
					t.Fatalf("ConvertTags(%v) changed the entity spans", to)
				}
				for i, seq := range got {
					if p := corpus.Validate(seq, to); p != nil {
						t.Fatalf("ConvertTags(%v): sentence %d ill-formed: %v", to, i+1, p)
					}
				}
				st := c.Stats()
				if !maps.Equal(st.Entities, m.entities) || st.Tokens != m.tokens {
					t.Fatalf("after ConvertTags(%v): entities %v, want %v", to, st.Entities, m.entities)
				}
				if sc, _ := c.Scheme(); sc != to {
					t.Errorf("after ConvertTags(%v) the corpus detects as %v", to, sc)
				}
				// Back to the file's own scheme: unchanged for well-formed files.
				if !illFormed[m.path] {
					own := corpus.BIO
					if m.scheme == "bioes" {
						own = corpus.BIOES
					}
					if err := c.ConvertTags(own, false); err != nil {
						t.Fatal(err)
					}
					if !slices.EqualFunc(tagsOf(c), orig, slices.Equal) {
						t.Fatalf("%s -> %v -> %v is not the identity", m.scheme, to, own)
					}
				} else {
					for i := range c.Sentences { // restore the original tags
						copy(c.Sentences[i].Columns[c.Column(corpus.NERColumn)], orig[i])
					}
				}
			}
		})
	}
}

// TestConvertConll03Train: bio -> bioes -> bio and iob1 -> bio -> iob1 on
// the real CoNLL-2003 train tags give back the very same tags.
func TestConvertConll03Train(t *testing.T) {
	c := readDataset(t, "conll03/train.txt")
	bio := tagsOf(c)
	step := func(to corpus.Scheme) [][]string {
		t.Helper()
		if err := c.ConvertTags(to, false); err != nil {
			t.Fatalf("ConvertTags(%v): %v", to, err)
		}
		return tagsOf(c)
	}
	bioes := step(corpus.BIOES)
	if got := step(corpus.BIO); !slices.EqualFunc(got, bio, slices.Equal) {
		t.Fatal("bio -> bioes -> bio changed the tags")
	}
	iob1 := step(corpus.IOB1)
	if got := step(corpus.BIO); !slices.EqualFunc(got, bio, slices.Equal) {
		t.Fatal("bio -> iob1 -> bio changed the tags")
	}
	if got := step(corpus.IOB1); !slices.EqualFunc(got, iob1, slices.Equal) {
		t.Fatal("iob1 -> bio -> iob1 changed the tags")
	}
	if got := step(corpus.BIOES); !slices.EqualFunc(got, bioes, slices.Equal) {
		t.Fatal("iob1 -> bioes differs from bio -> bioes")
	}
	// BIOES tag counts, counted with awk on the BIO file: a B- not followed
	// by its I- is an S-, the last I- of a span an E-.
	st := c.Stats()
	wantBIOES := map[string]int{
		"B-LOC": 1041, "B-MISC": 858, "B-ORG": 2485, "B-PER": 4284,
		"E-LOC": 1041, "E-MISC": 858, "E-ORG": 2485, "E-PER": 4284,
		"I-LOC": 116, "I-MISC": 297, "I-ORG": 1219, "I-PER": 244,
		"S-LOC": 6099, "S-MISC": 2580, "S-ORG": 3836, "S-PER": 2316, "O": 169578}
	if !maps.Equal(st.Tags, wantBIOES) || st.Scheme != "bioes" {
		t.Errorf("BIOES tag counts %v, scheme %s; want %v", st.Tags, st.Scheme, wantBIOES)
	}
	step(corpus.IOB1)
	st = c.Stats()
	// In IOB1 a span starts with B- only right after a span of its type:
	// the train file has 11 LOC, 35 MISC, 24 ORG and no PER spans that
	// directly follow one of their type (counted with awk on the file).
	wantIOB1 := map[string]int{"B-LOC": 11, "B-MISC": 35, "B-ORG": 24,
		"I-LOC": 7140 + 1157 - 11, "I-MISC": 3438 + 1155 - 35, "I-ORG": 6321 + 3704 - 24, "I-PER": 6600 + 4528, "O": 169578}
	if !maps.Equal(st.Tags, wantIOB1) || st.Scheme != "iob1" {
		t.Errorf("IOB1 tag counts %v, scheme %s; want %v", st.Tags, st.Scheme, wantIOB1)
	}
}

// TestConvertEcommerceTrain: the one malformed BIOES span (a B-HC at line
// 82 followed by another B-HC) is refused without repair, naming the file
// and line 82; with repair it converts, as conlleval reads it.
func TestConvertEcommerceTrain(t *testing.T) {
	path := dataset(t, "cofee/ecommerce/train.txt.bieos")
	c := readDataset(t, "cofee/ecommerce/train.txt.bieos")
	if got := lineOf(t, path, 82); !strings.HasSuffix(got, "\tB-HC") {
		t.Fatalf("line 82 is %q, want a B-HC token", got)
	}
	if got := lineOf(t, path, 83); !strings.HasSuffix(got, "\tB-HC") {
		t.Fatalf("line 83 is %q, want a B-HC token", got)
	}
	errs, err := c.Validate(corpus.SchemeUnknown, 0)
	if err != nil || len(errs) != 1 {
		t.Fatalf("Validate = %v, %v; want one problem", errs, err)
	}
	var pe *corpus.ParseError
	if !errors.As(errs[0], &pe) || pe.Path != path || pe.Line != 82 {
		t.Fatalf("Validate problem %v, want %s line 82", errs[0], path)
	}
	err = c.ConvertTags(corpus.BIO, false)
	wantMsg := path + ":82: HC span is not closed by E-HC; expected well-formed bioes\n(ill-formed tags; repair them with --repair)"
	if err == nil || err.Error() != wantMsg {
		t.Fatalf("ConvertTags without repair: %v\nwant %s", err, wantMsg)
	}
	if err := c.ConvertTags(corpus.BIO, true); err != nil {
		t.Fatal(err)
	}
	// Lines 82-84 are tokens of the second sentence (lines 43-…).
	s := &c.Sentences[1]
	k := c.Column(corpus.NERColumn)
	for _, lc := range []struct {
		line int
		tag  string
	}{{82, "B-HC"}, {83, "B-HC"}, {84, "I-HC"}} {
		i := lc.line - s.Line
		if i < 0 || i >= s.Len() {
			t.Fatalf("line %d is not in sentence 2 (lines %d-%d)", lc.line, s.Line, s.Line+s.Len()-1)
		}
		if s.Columns[k][i] != lc.tag {
			t.Errorf("line %d: tag %q after repair, want %q", lc.line, s.Columns[k][i], lc.tag)
		}
	}
	st := c.Stats()
	if st.Scheme != "bio" || st.Entities["HC"] != 10480 || st.Entities["HP"] != 1630 {
		t.Errorf("after repair: %+v", st)
	}
	if errs, _ := c.Validate(corpus.SchemeUnknown, 0); len(errs) != 0 {
		t.Errorf("after repair Validate = %v", errs)
	}
}

// TestValidateTwitter2015: every I- that does not continue a span is one
// problem, at its own line, as an independent scan of the file finds them;
// max limits the list.
func TestValidateTwitter2015(t *testing.T) {
	for _, f := range []struct {
		path string
		n    int // spans minus B- tags in the manifest
	}{
		{"cofee/twitter2015/train.txt", (2135 - 2091) + (957 - 927) + (975 - 931) + (2285 - 2217)},
		{"cofee/twitter2015/valid.txt", (543 - 522) + (251 - 247) + (233 - 220) + (567 - 552)},
		{"cofee/twitter2015/test.txt", (1720 - 1697) + (860 - 839) + (754 - 720) + (1873 - 1816)},
	} {
		path := dataset(t, f.path)
		c := readDataset(t, f.path)
		lines := illFormedBIOLines(t, path)
		if len(lines) != f.n {
			t.Fatalf("%s: the independent scan finds %d ill-formed I- tags, the manifest implies %d", f.path, len(lines), f.n)
		}
		errs, err := c.Validate(corpus.SchemeUnknown, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != f.n {
			t.Fatalf("%s: Validate found %d problems, want %d", f.path, len(errs), f.n)
		}
		for i, e := range errs {
			var pe *corpus.ParseError
			if !errors.As(e, &pe) || pe.Path != path || pe.Line != lines[i] {
				t.Fatalf("%s: problem %d is %v, want line %d", f.path, i+1, e, lines[i])
			}
			if !strings.Contains(pe.Msg, "does not continue a") || !strings.HasSuffix(pe.Msg, "; expected well-formed bio") {
				t.Errorf("%s: message %q", f.path, pe.Msg)
			}
		}
		for _, max := range []int{1, 3, f.n, f.n + 5, -1} {
			errs, _ := c.Validate(corpus.BIO, max)
			want := min(max, f.n)
			if max <= 0 {
				want = f.n
			}
			if len(errs) != want {
				t.Errorf("%s: Validate(bio, %d) gave %d problems, want %d", f.path, max, len(errs), want)
			}
		}
		// Without repair ConvertTags names the first five problems.
		err = c.ConvertTags(corpus.BIOES, false)
		if err == nil {
			t.Fatalf("%s: ConvertTags without repair succeeded", f.path)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, fmt.Sprintf("%s:%d: ", path, lines[0])) || strings.Count(msg, "\n") != 5 ||
			!strings.HasSuffix(msg, "(ill-formed tags; repair them with --repair)") {
			t.Errorf("%s: ConvertTags error\n%s", f.path, msg)
		}
	}
}

func TestCorpusLevel(t *testing.T) {
	c := parse(t, "a\tO\nb\tB-PER\nc\tI-PER\n<EOS>\tX\nd\tX\ne\tB-X\n\nf\tI-LOC\n")
	if sc, err := c.Scheme(); err != nil || sc != corpus.BIO {
		t.Errorf("Scheme = %v, %v", sc, err)
	}
	// IOB1 evidence wins when I- starts outnumber B- starts.
	if sc, _ := parse(t, "a\tI-PER\n\nb\tI-LOC\n\nc\tB-ORG\n").Scheme(); sc != corpus.IOB1 {
		t.Errorf("Scheme = %v, want iob1", sc)
	}
	errs, err := c.Validate(corpus.SchemeUnknown, 0)
	if err != nil || len(errs) != 1 || errs[0].Error() != "inline.conll:8: I-LOC does not continue a LOC span (previous tag O); expected well-formed bio" {
		t.Errorf("Validate = %v, %v", errs, err)
	}
	if errs, _ := c.Validate(corpus.IOB1, 0); len(errs) != 1 || errs[0].Error() != "inline.conll:2: B-PER in IOB1 must follow a PER span (previous tag O); expected well-formed iob1" {
		t.Errorf("Validate(iob1) = %v", errs)
	}
	if err := c.ConvertTags(corpus.BIOES, false); err == nil || !strings.HasPrefix(err.Error(), "inline.conll:8: ") {
		t.Errorf("ConvertTags without repair: %v", err)
	}
	if err := c.ConvertTags(corpus.BIOES, true); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"O", "B-PER", "E-PER", "X", "X", "B-X"}, {"S-LOC"}}
	if got := tagsOf(c); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ConvertTags(bioes) = %q, want %q (context tags kept)", got, want)
	}
	if err := c.ConvertTags(corpus.SchemeUnknown, true); err == nil || err.Error() != "convert inline.conll: no target scheme; expected iob1, bio or bioes" {
		t.Errorf("ConvertTags(unknown): %v", err)
	}
	mem := &corpus.Corpus{Columns: corpus.ColumnMap{0: "text", 1: "ner"}, Sentences: []corpus.Sentence{{Columns: [][]string{{"a"}, {"I-PER"}}}}}
	if errs, _ := mem.Validate(corpus.BIO, 0); len(errs) != 1 || errs[0].Error() != "corpus: I-PER does not continue a PER span (previous tag O); expected well-formed bio" {
		t.Errorf("in-memory Validate = %v", errs)
	}
	// No ner column.
	text := parse(t, "a\nb\n")
	wantErr := `inline.conll: no "ner" column; columns are {0: text}`
	if _, err := text.TagColumn(); err == nil || err.Error() != wantErr {
		t.Errorf("TagColumn: %v", err)
	}
	if _, err := text.Scheme(); err == nil || err.Error() != wantErr {
		t.Errorf("Scheme: %v", err)
	}
	if _, err := text.Validate(corpus.BIO, 0); err == nil || err.Error() != wantErr {
		t.Errorf("Validate: %v", err)
	}
	if err := text.ConvertTags(corpus.BIO, true); err == nil || err.Error() != wantErr {
		t.Errorf("ConvertTags: %v", err)
	}
	st := text.Stats()
	if st.Tokens != 2 || st.Sentences != 1 || st.Scheme != "" || len(st.Tags) != 0 || len(st.Entities) != 0 || st.MaxLength != 2 {
		t.Errorf("Stats without ner column: %+v", st)
	}
	if k, err := c.TagColumn(); k != 1 || err != nil {
		t.Errorf("TagColumn = %d, %v", k, err)
	}
}
