package corpus_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

const seedDir = "testdata/fuzz-seeds"

// fuzzOptions are the ReadOptions every input is parsed with: zero options
// and two explicit column maps.
var fuzzOptions = []corpus.ReadOptions{
	{},
	{Columns: corpus.ColumnMap{0: corpus.TextColumn, 1: corpus.NERColumn}},
	{Columns: corpus.ColumnMap{0: corpus.TextColumn, 3: corpus.NERColumn}},
}

// FuzzParse: Parse never panics; its errors are *ParseError at a line of
// the input; what it accepts, Write writes and Parse reads back as the
// same corpus (sentences, metadata, documents, columns, Stats), and
// writing that again gives the same bytes. The corpus-level functions
// (Validate, ConvertTags, TagDictionary, views) do not panic on it either.
func FuzzParse(f *testing.F) {
	seeds, err := os.ReadDir(seedDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range seeds {
		data, err := os.ReadFile(filepath.Join(seedDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "\n", "\t\n", "\uFEFF", "a", "a\tO", "a O\r\n", "a\t\tO\n", "\tO\n", "a\tO \n",
		"a O\r\r\n", "a \r b O\n", "\uFEFF\uFEFFa\tO\n", "-DOCSTART-\n", "-DOCSTART-\tx y\na O\n",
		"IMGID:1\n", "IMGID:1\t\na\tO\n", "a\tB-\n", "a\tX\n<EOS>\tO\n", "<EOS>\tX\n",
		"a\v\tO\n", "\v O\n", "a\tO\n\xff\n", "x y z w\n", "a\tO\nIMGID:9\nb\tO\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, opt := range fuzzOptions {
			c, err := corpus.Parse(data, "fuzz.conll", opt)
			if err != nil {
				var pe *corpus.ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse error %T %v, want *ParseError", err, err)
				}
				if pe.Path != "fuzz.conll" || pe.Line < 0 || pe.Line > lines || pe.Msg == "" {
					t.Fatalf("Parse error %q: path %q line %d of %d lines", pe, pe.Path, pe.Line, lines)
				}
				if !strings.HasPrefix(pe.Error(), "fuzz.conll:") || !strings.Contains(pe.Msg, "expected") {
					t.Fatalf("Parse error %q does not say what was expected", pe)
				}
				continue
			}
			checkParsed(t, c, opt)
		}
	})
}

func checkParsed(t *testing.T, c *corpus.Corpus, opt corpus.ReadOptions) {
	if len(c.Sentences) == 0 {
		t.Fatal("Parse succeeded without sentences")
	}
	for i, s := range c.Sentences {
		if s.Len() == 0 || s.Line <= 0 {
			t.Fatalf("sentence %d: %d tokens at line %d", i+1, s.Len(), s.Line)
		}
		for _, col := range s.Columns {
			if len(col) != s.Len() {
				t.Fatalf("sentence %d: ragged columns", i+1)
			}
			for _, f := range col {
				if f == "" {
					t.Fatalf("sentence %d: empty field", i+1)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := corpus.Write(&buf, c); err != nil {
		t.Fatalf("Write after a successful Parse: %v", err)
	}
	written := slices.Clone(buf.Bytes())
	c2, err := corpus.Parse(written, "fuzz.conll", opt)
	if err != nil {
		t.Fatalf("Parse of the written %q: %v", written, err)
	}
	if d := sameSentences(c.Sentences, c2.Sentences); d != "" {
		t.Fatalf("read back from %q: %s", written, d)
	}
	if d := sameDocs(c.Docs, c2.Docs); d != "" {
		t.Fatalf("read back from %q: %s", written, d)
	}
	if !reflect.DeepEqual(c.Columns, c2.Columns) {
		t.Fatalf("columns %v, read back %v", c.Columns, c2.Columns)
	}
	if c2.Separator != c.Separator && !(c.Separator == ' ' && c2.Separator == '\t') {
		t.Fatalf("separator %q, read back %q", c.Separator, c2.Separator)
	}
	st, st2 := c.Stats(), c2.Stats()
	if !reflect.DeepEqual(st, st2) {
		t.Fatalf("Stats %+v, read back %+v", st, st2)
	}
	buf.Reset()
	if err := corpus.Write(&buf, c2); err != nil || !bytes.Equal(buf.Bytes(), written) {
		t.Fatalf("writing again: %v\n%q\n%q", err, buf.Bytes(), written)
	}

	// The rest of the package copes with whatever Parse accepts.
	if st.Tokens+st.ContextTokens != c.Tokens() {
		t.Fatalf("tokens %d + context %d != %d", st.Tokens, st.ContextTokens, c.Tokens())
	}
	if c.Column(corpus.NERColumn) < 0 {
		return
	}
	if _, err := c.Validate(corpus.SchemeUnknown, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := corpus.TagDictionary(corpus.BIOES, true, c); err != nil {
		t.Fatal(err)
	}
	for i := range c.Sentences {
		c.SentencePart(&c.Sentences[i])
		c.ContextPart(&c.Sentences[i])
	}
	k := c.Column(corpus.NERColumn)
	before := make([][]corpus.Span, len(c.Sentences))
	for i := range c.Sentences {
		before[i] = corpus.Spans(c.SentencePart(&c.Sentences[i]).Columns[k])
	}
	if err := c.ConvertTags(corpus.BIOES, true); err != nil {
		t.Fatal(err)
	}
	for i := range c.Sentences {
		if got := corpus.Spans(c.SentencePart(&c.Sentences[i]).Columns[k]); !reflect.DeepEqual(got, before[i]) {
			t.Fatalf("sentence %d: ConvertTags changed spans %v to %v", i+1, before[i], got)
		}
	}
	buf.Reset()
	if err := corpus.Write(&buf, c); err != nil {
		t.Fatalf("Write after ConvertTags: %v", err)
	}
}

// TestFuzzSeeds pins what the seed files are: the bad_* ones fail at a
// known line, the others parse with zero options.
func TestFuzzSeeds(t *testing.T) {
	want := map[string]struct {
		sentences, tokens int
		errLine           int
	}{
		"bad_ragged.conll":             {errLine: 2},
		"bad_utf8_tags.conll":          {errLine: 2},
		"bioes.bieos":                  {sentences: 2, tokens: 10},
		"context_view.conll":           {sentences: 3, tokens: 2 + 1 + 3},
		"crlf_bom.conll":               {sentences: 2, tokens: 3},
		"imgid_meta.conll":             {sentences: 3, tokens: 6},
		"invisible.conll":              {sentences: 1, tokens: 7},
		"iob1.conll":                   {sentences: 2, tokens: 6},
		"lone_tab_sep.conll":           {sentences: 4, tokens: 5},
		"single_column_no_newline.txt": {sentences: 2, tokens: 3},
		"space4_docstart.conll":        {sentences: 2, tokens: 6},
		"tab_bio.conll":                {sentences: 2, tokens: 7},
	}
	seeds, err := os.ReadDir(seedDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) != len(want) {
		t.Errorf("%d seed files, want %d", len(seeds), len(want))
	}
	for _, e := range seeds {
		w, ok := want[e.Name()]
		if !ok {
			t.Errorf("unexpected seed %s", e.Name())
			continue
		}
		data, err := os.ReadFile(filepath.Join(seedDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		c, err := corpus.Parse(data, e.Name(), corpus.ReadOptions{})
		if w.errLine > 0 {
			var pe *corpus.ParseError
			if !errors.As(err, &pe) || pe.Line != w.errLine {
				t.Errorf("%s: error %v, want one at line %d", e.Name(), err, w.errLine)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if st := c.Stats(); st.Sentences != w.sentences || st.Tokens != w.tokens {
			t.Errorf("%s: %d sentences, %d tokens; want %d, %d", e.Name(), st.Sentences, st.Tokens, w.sentences, w.tokens)
		}
	}
}
