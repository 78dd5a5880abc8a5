package corpus_test

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nerlab/nerlab/lib/corpus"
)

// sent is a sentence as columns of space-separated fields, for tables.
func sent(cols ...string) [][]string {
	out := make([][]string, len(cols))
	for i, c := range cols {
		out[i] = strings.Split(c, " ")
	}
	return out
}

// roundTrip writes c and reads it back, failing on any difference in
// sentences, documents, columns or separator.
func roundTrip(tb testing.TB, c *corpus.Corpus) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := corpus.Write(&buf, c); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	c2, err := corpus.Parse(buf.Bytes(), "written", corpus.ReadOptions{Columns: c.Columns})
	if err != nil {
		tb.Fatalf("reading back %q: %v", buf.Bytes(), err)
	}
	if d := sameSentences(c.Sentences, c2.Sentences); d != "" {
		tb.Errorf("round trip of %q: %s", buf.Bytes(), d)
	}
	if d := sameDocs(c.Docs, c2.Docs); d != "" {
		tb.Errorf("round trip of %q: %s", buf.Bytes(), d)
	}
	if !maps.Equal(c.Columns, c2.Columns) {
		tb.Errorf("round trip: columns %v, read back %v", c.Columns, c2.Columns)
	}
	return buf.Bytes()
}

func TestFormats(t *testing.T) {
	type want struct {
		sents [][][]string // columns of each sentence
		lines []int        // Line of each sentence
		sep   byte
	}
	for _, c := range []struct {
		name, text string
		want       want
	}{
		{"CRLF", "a\tO\r\nb\tB-PER\r\n\r\nc\tO\r\n",
			want{[][][]string{sent("a b", "O B-PER"), sent("c", "O")}, []int{1, 4}, '\t'}},
		{"CRLF, spaces", "a O\r\nb B-PER\r\n\r\n", want{[][][]string{sent("a b", "O B-PER")}, []int{1}, ' '}},
		{"BOM", "\uFEFFa\tO\nb\tO\n", want{[][][]string{sent("a b", "O O")}, []int{1}, '\t'}},
		{"BOM and CRLF", "\uFEFFa O\r\n\r\nb O", want{[][][]string{sent("a", "O"), sent("b", "O")}, []int{1, 3}, ' '}},
		{"BOM inside a token", "a\uFEFF\tO\n\uFEFFb\tO\n", want{[][][]string{sent("a\uFEFF \uFEFFb", "O O")}, []int{1}, '\t'}},
		{"lone TAB separator", "a\tO\n\t\nb\tO\n", want{[][][]string{sent("a", "O"), sent("b", "O")}, []int{1, 3}, '\t'}},
		{"spaces-only separator", "a\tO\n   \nb\tO\n \t \r\nc\tO\n",
			want{[][][]string{sent("a", "O"), sent("b", "O"), sent("c", "O")}, []int{1, 3, 5}, '\t'}},
		{"multiple blank lines", "\n\n\na\tO\n\n\n\nb\tO\n\n\n", want{[][][]string{sent("a", "O"), sent("b", "O")}, []int{4, 8}, '\t'}},
		{"no trailing newline", "a\tO\nb\tB-LOC", want{[][][]string{sent("a b", "O B-LOC")}, []int{1}, '\t'}},
		{"invisible tokens", "\uFE0F\tO\n\u200B\tO\nx\u200By\tO\n",
			want{[][][]string{sent("\uFE0F \u200B x\u200By", "O O O")}, []int{1}, '\t'}},
		{"invisible tokens, spaces", "\uFE0F O\n\u200B O\n", want{[][][]string{sent("\uFE0F \u200B", "O O")}, []int{1}, ' '}},
		{"NBSP token", "\u00A0\tO\n", want{[][][]string{sent("\u00A0", "O")}, []int{1}, '\t'}},
		{"space inside a token", "New York\tB-LOC\n is \tO\n", want{[][][]string{{{"New York", " is "}, {"B-LOC", "O"}}}, []int{1}, '\t'}},
		{"runs of spaces", "  a   O\nb O   \n", want{[][][]string{sent("a b", "O O")}, []int{1}, ' '}},
		{"trailing TABs and spaces", "a\tO\t \nb\tO \n", want{[][][]string{sent("a b", "O O")}, []int{1}, '\t'}},
		{"stray CRs", "a O\r\r\nb O\r\n", want{[][][]string{sent("a b", "O O")}, []int{1}, ' '}},
		{"mixed separators", "a O\nb\tI-PER\n", want{[][][]string{sent("a b", "O I-PER")}, []int{1}, ' '}},
		{"single column", "a\nb\n\nc\n", want{[][][]string{sent("a b"), sent("c")}, []int{1, 4}, '\t'}},
		{"four columns", "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n",
			want{[][][]string{sent("EU rejects", "NNP VBZ", "B-NP B-VP", "B-ORG O")}, []int{1}, ' '}},
		{"X and BILOU tags", "a\tU-PER\nb\tX\nc\tL-LOC\n", want{[][][]string{sent("a b c", "U-PER X L-LOC")}, []int{1}, '\t'}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := parse(t, c.text)
			if len(got.Sentences) != len(c.want.sents) {
				t.Fatalf("%d sentences, want %d", len(got.Sentences), len(c.want.sents))
			}
			for i, s := range got.Sentences {
				if !slices.EqualFunc(s.Columns, c.want.sents[i], slices.Equal) || s.Line != c.want.lines[i] {
					t.Errorf("sentence %d = %q at line %d, want %q at line %d", i+1, s.Columns, s.Line, c.want.sents[i], c.want.lines[i])
				}
			}
			if got.Separator != c.want.sep {
				t.Errorf("separator %q, want %q", got.Separator, c.want.sep)
			}
			if !maps.Equal(got.Columns, corpus.DefaultColumns(len(c.want.sents[0]))) {
				t.Errorf("columns %v", got.Columns)
			}
			roundTrip(t, got)
		})
	}
}

func TestWriteLayout(t *testing.T) {
	for _, c := range []struct{ name, in, out string }{
		{"TAB", "a\tO\nb\tB-PER\n\n\n\nc\tO", "a\tO\nb\tB-PER\n\nc\tO\n\n"},
		{"spaces", "a  O\n\nb O\n", "a O\n\nb O\n\n"},
		{"lone TAB lines become empty", "a\tO\n\t\nb\tO\n", "a\tO\n\nb\tO\n\n"},
		{"CRLF becomes LF, BOM dropped", "\uFEFFa\tO\r\n\r\n", "a\tO\n\n"},
		{"space in a token switches to TABs", "-DOCSTART- O\n\na O\n\nNY B-LOC\n", ""},
		{"documents", "-DOCSTART- -X- O\na O\n\n-DOCSTART- -X- O\n\n\nb O\n-DOCSTART- -X- O\n",
			"-DOCSTART- -X- O\n\na O\n\n-DOCSTART- -X- O\n\nb O\n\n-DOCSTART- -X- O\n\n"},
		{"metadata", "IMGID:1\na\tO\n\nIMGID:2\nIMGID:3\nb\tO\n", "IMGID:1\na\tO\n\nIMGID:2\nIMGID:3\nb\tO\n\n"},
		{"a BOM token first keeps its BOM", "\uFEFF\uFEFFa\tO\n", "\uFEFF\uFEFFa\tO\n\n"},
	} {
		c0 := parse(t, c.in)
		if c.name == "space in a token switches to TABs" {
			// Only an in-memory edit can put a space into a space-separated
			// corpus.
			c0.Sentences[1].Columns[0][0] = "New York"
			c.out = "-DOCSTART-\tO\n\na\tO\n\nNew York\tB-LOC\n\n"
		}
		out := roundTrip(t, c0)
		if string(out) != c.out {
			t.Errorf("%s: Write gave %q, want %q", c.name, out, c.out)
		}
	}
	// Separator 0 (in-memory corpora) writes TABs.
	mem := &corpus.Corpus{Sentences: []corpus.Sentence{{Columns: [][]string{{"a"}, {"O"}}}}}
	var buf bytes.Buffer
	if err := corpus.Write(&buf, mem); err != nil || buf.String() != "a\tO\n\n" {
		t.Errorf("Write(in-memory) = %q, %v", buf.String(), err)
	}
	// An empty corpus writes nothing.
	buf.Reset()
	if err := corpus.Write(&buf, &corpus.Corpus{}); err != nil || buf.Len() != 0 {
		t.Errorf("Write(empty) = %q, %v", buf.String(), err)
	}
}

func TestDocStart(t *testing.T) {
	text := "a O\n-DOCSTART- -X- O\nb O\n\n-DOCSTART- -X- O\n\nc O\n\n-DOCSTART- -X- O\n-DOCSTART-\n"
	c := parse(t, text)
	if len(c.Sentences) != 3 || c.Sentences[1].Line != 3 || c.Sentences[2].Line != 7 {
		t.Fatalf("sentences %+v", c.Sentences)
	}
	want := []corpus.DocStart{
		{Fields: []string{"-DOCSTART-", "-X-", "O"}, Line: 2, Before: 1}, // mid-sentence: ends it
		{Fields: []string{"-DOCSTART-", "-X-", "O"}, Line: 5, Before: 2},
		{Fields: []string{"-DOCSTART-", "-X-", "O"}, Line: 9, Before: 3}, // at the end
		{Fields: []string{"-DOCSTART-"}, Line: 10, Before: 3},
	}
	if !slicesEqualDocs(c.Docs, want) {
		t.Errorf("Docs = %+v\nwant %+v", c.Docs, want)
	}
	if st := c.Stats(); st.Documents != 4 || st.Sentences != 3 || st.Tokens != 3 {
		t.Errorf("Stats %+v", st)
	}
	out := roundTrip(t, c)
	if want := "a O\n\n-DOCSTART- -X- O\n\nb O\n\n-DOCSTART- -X- O\n\nc O\n\n-DOCSTART- -X- O\n\n-DOCSTART-\n\n"; string(out) != want {
		t.Errorf("Write = %q\nwant %q", out, want)
	}
	// A TAB file's -DOCSTART- with a field holding a space forces TABs
	// even where the tokens are space-separated.
	c = parse(t, "-DOCSTART-\tdoc one\na O\n")
	if c.Separator != ' ' || !slices.Equal(c.Docs[0].Fields, []string{"-DOCSTART-", "doc one"}) {
		t.Fatalf("separator %q docs %+v", c.Separator, c.Docs)
	}
	if out := roundTrip(t, c); string(out) != "-DOCSTART-\tdoc one\n\na\tO\n\n" {
		t.Errorf("Write = %q", out)
	}
	// Only -DOCSTART- lines decide the separator when tokens have one column.
	if c := parse(t, "-DOCSTART- x\na\n"); c.Separator != ' ' {
		t.Errorf("separator %q", c.Separator)
	}
}

func slicesEqualDocs(a, b []corpus.DocStart) bool {
	return slices.EqualFunc(a, b, func(x, y corpus.DocStart) bool {
		return slices.Equal(x.Fields, y.Fields) && x.Line == y.Line && x.Before == y.Before
	})
}

func TestMeta(t *testing.T) {
	text := "IMGID:17\na\tO\nb\tB-LOC\n\nIMGID:18\nIMGID:19\nc\tO\nIMGID:20\nd\tO\n\nIMGID:99\n"
	c := parse(t, text)
	if c.Separator != '\t' {
		t.Errorf("separator %q: the IMGID: line before the first token must not decide it", c.Separator)
	}
	wantMeta := [][]string{{"IMGID:17"}, {"IMGID:18", "IMGID:19"}, {"IMGID:20"}}
	wantLines := []int{2, 7, 9}
	if len(c.Sentences) != 3 {
		t.Fatalf("%d sentences", len(c.Sentences))
	}
	for i, s := range c.Sentences {
		if !slices.Equal(s.Meta, wantMeta[i]) || s.Line != wantLines[i] {
			t.Errorf("sentence %d: meta %q line %d, want %q line %d", i+1, s.Meta, s.Line, wantMeta[i], wantLines[i])
		}
	}
	if st := c.Stats(); st.Tokens != 4 || st.Tags["O"] != 3 {
		t.Errorf("metadata counted as tokens: %+v", st)
	}
	roundTrip(t, c)

	// Other prefixes; an empty list reads every line as a token.
	c, err := corpus.Parse([]byte("#id=1\na\tO\n"), "m", corpus.ReadOptions{MetaPrefixes: []string{"#"}})
	if err != nil || !slices.Equal(c.Sentences[0].Meta, []string{"#id=1"}) {
		t.Errorf("MetaPrefixes #: %v %+v", err, c)
	}
	pe := parseErr(t, "IMGID:1\na\tO\n", "m", corpus.ReadOptions{MetaPrefixes: []string{}})
	if pe.Error() != "m:2: 2 columns; expected 1 like line 1 (the first token line)" {
		t.Errorf("MetaPrefixes {}: %v", pe)
	}
	c, err = corpus.Parse([]byte("IMGID:1\nb\n"), "m", corpus.ReadOptions{MetaPrefixes: []string{}})
	if err != nil || c.Tokens() != 2 {
		t.Errorf("MetaPrefixes {} on one column: %v", err)
	}
	// A metadata prefix on a line with more fields is a token.
	c = parse(t, "IMGID:1 O\n")
	if c.Tokens() != 1 || c.Sentences[0].Meta != nil {
		t.Errorf("IMGID: token line read as metadata")
	}
}

func TestColumnMaps(t *testing.T) {
	conll := "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n"
	for _, c := range []struct {
		spec    string
		want    corpus.ColumnMap
		str     string
		tagCol  int
		posCol  int
		entName string
	}{
		{"0:text,3:ner", corpus.ColumnMap{0: "text", 3: "ner"}, "{0: text, 3: ner}", 3, -1, "col1"},
		{"{0: text, 3: ner}", corpus.ColumnMap{0: "text", 3: "ner"}, "{0: text, 3: ner}", 3, -1, "col1"},
		{" { 3 : ner , 0 : text } ", corpus.ColumnMap{0: "text", 3: "ner"}, "{0: text, 3: ner}", 3, -1, "col1"},
		{"text,pos,chunk,ner", corpus.ColumnMap{0: "text", 1: "pos", 2: "chunk", 3: "ner"}, "{0: text, 1: pos, 2: chunk, 3: ner}", 3, 1, "pos"},
		{"text,_,_,ner", corpus.ColumnMap{0: "text", 3: "ner"}, "{0: text, 3: ner}", 3, -1, "col1"},
		{"text, -, -, ner", corpus.ColumnMap{0: "text", 3: "ner"}, "{0: text, 3: ner}", 3, -1, "col1"},
		{"text", corpus.ColumnMap{0: "text"}, "{0: text}", -1, -1, "col1"},
		{"0:text,1:pos", corpus.ColumnMap{0: "text", 1: "pos"}, "{0: text, 1: pos}", -1, 1, "pos"},
	} {
		m, err := corpus.ParseColumns(c.spec)
		if err != nil || !maps.Equal(m, c.want) || m.String() != c.str {
			t.Errorf("ParseColumns(%q) = %v, %v; want %v", c.spec, m, err, c.want)
			continue
		}
		if m.Name(1) != c.entName || m.Name(7) != "col7" {
			t.Errorf("%v: Name(1) = %q, Name(7) = %q", m, m.Name(1), m.Name(7))
		}
		got, err := corpus.Parse([]byte(conll), "x.conll", corpus.ReadOptions{Columns: m})
		if err != nil {
			t.Errorf("Parse with %q: %v", c.spec, err)
			continue
		}
		if got.Column("ner") != c.tagCol || got.Column("pos") != c.posCol || got.Column("text") != 0 || len(got.Sentences[0].Columns) != 4 {
			t.Errorf("%q: ner %d pos %d", c.spec, got.Column("ner"), got.Column("pos"))
		}
		st := got.Stats()
		if c.tagCol == 3 && (st.Entities["ORG"] != 1 || st.Tags["B-ORG"] != 1) {
			t.Errorf("%q: stats %+v", c.spec, st)
		}
		if c.tagCol < 0 && (len(st.Tags) != 0 || st.Scheme != "") {
			t.Errorf("%q: stats without a ner column %+v", c.spec, st)
		}
		roundTrip(t, got)
	}
	for _, c := range []struct{ spec, err string }{
		{"", "empty column map; expected e.g. 0:text,3:ner or text,pos,chunk,ner"},
		{"{ }", "empty column map; expected e.g. 0:text,3:ner or text,pos,chunk,ner"},
		{"0:text,ner", `column map "0:text,ner": "ner" is not INDEX:NAME; expected e.g. 0:text,3:ner`},
		{"x:text", `column map "x:text": "x:text" is not INDEX:NAME; expected e.g. 0:text,3:ner`},
		{"-1:text", `column map "-1:text": "-1:text" is not INDEX:NAME; expected e.g. 0:text,3:ner`},
		{"0:text,1:", `column map "0:text,1:": column 1 has no name`},
		{"text,,ner", `column map "text,,ner": column 1 has no name`},
		{"text,ner,text", `column map "text,ner,text": "text" names both column 0 and 2`},
		{"0:text,0:ner", `column map "0:text,0:ner": column 0 is named twice`},
		{"pos,ner", `column map "pos,ner": no "text" column; expected one column named text`},
	} {
		m, err := corpus.ParseColumns(c.spec)
		if err == nil || err.Error() != c.err || m != nil {
			t.Errorf("ParseColumns(%q) = %v, %v; want error %q", c.spec, m, err, c.err)
		}
	}
	// A map that makes POS tags the ner column: the tag check catches it,
	// NoTagCheck lets it through.
	m, _ := corpus.ParseColumns("0:text,1:ner")
	pe := parseErr(t, conll, "x.conll", corpus.ReadOptions{Columns: m})
	if pe.Error() != `x.conll:1: tag "NNP" in column 1 (ner) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type` {
		t.Errorf("POS as ner: %v", pe)
	}
	if c, err := corpus.Parse([]byte(conll), "x.conll", corpus.ReadOptions{Columns: m, NoTagCheck: true}); err != nil || c.Stats().Tags["NNP"] != 1 {
		t.Errorf("NoTagCheck: %v", err)
	}
}

func TestDefaultColumns(t *testing.T) {
	for n, want := range map[int]corpus.ColumnMap{
		-1: {},
		0:  {},
		1:  {0: "text"},
		2:  {0: "text", 1: "ner"},
		3:  {0: "text", 1: "col1", 2: "ner"},
		4:  {0: "text", 1: "pos", 2: "chunk", 3: "ner"},
		5:  {0: "text", 1: "col1", 2: "col2", 3: "col3", 4: "ner"},
	} {
		if got := corpus.DefaultColumns(n); !maps.Equal(got, want) || got == nil {
			t.Errorf("DefaultColumns(%d) = %v, want %v", n, got, want)
		}
	}
	m := corpus.DefaultColumns(4)
	if m.Index("chunk") != 2 || m.Index("nothing") != -1 || m.String() != "{0: text, 1: pos, 2: chunk, 3: ner}" {
		t.Errorf("ColumnMap methods on %v", m)
	}
	if (corpus.ColumnMap{}).String() != "{}" {
		t.Error("empty ColumnMap String")
	}
}

// TestBadInput: every problem is a *ParseError at the exact line, and the
// message says what was expected.
func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		name, text string
		opt        corpus.ReadOptions
		line       int
		msg        string
	}{
		{"ragged: more columns", "a\tO\nb\tO\tO\n", corpus.ReadOptions{}, 2,
			"3 columns; expected 2 like line 1 (the first token line)"},
		{"ragged: fewer columns, later sentence", "\n\na O\n\nb\n", corpus.ReadOptions{}, 5,
			"1 columns; expected 2 like line 3 (the first token line)"},
		{"ragged after BOM and CRLF", "\uFEFFa\tO\r\nb\tO\r\n\r\nc\tO\tO\r\n", corpus.ReadOptions{}, 4,
			"3 columns; expected 2 like line 1 (the first token line)"},
		{"invalid UTF-8", "a\tO\nb\xff\tO\n", corpus.ReadOptions{}, 2,
			"invalid UTF-8 at byte 1 of the line; expected UTF-8 text"},
		{"invalid UTF-8, truncated rune", "a\tO\n\nb\tO\nab\xe2\x82\tO\n", corpus.ReadOptions{}, 4,
			"invalid UTF-8 at byte 2 of the line; expected UTF-8 text"},
		{"unknown prefix Z-", "a\tO\nb\tZ-PER\n", corpus.ReadOptions{}, 2,
			`tag "Z-PER" in column 1 (ner) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type`},
		{"underscore B_PER", "a\tB_PER\n", corpus.ReadOptions{}, 1,
			`tag "B_PER" in column 1 (ner) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type`},
		{"no dash BPER", "a O\n\nb BPER\n", corpus.ReadOptions{}, 3,
			`tag "BPER" in column 1 (ner) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type`},
		{"no type B-", "a O\nb B-\n", corpus.ReadOptions{}, 2,
			`tag "B-" in column 1 (ner) has an unknown form; expected O, X, or B-/I-/E-/S- followed by a type`},
		{"empty file", "", corpus.ReadOptions{}, 1,
			"empty file; expected CoNLL token lines (a token and its tags per line)"},
		{"BOM only", "\uFEFF", corpus.ReadOptions{}, 1,
			"empty file; expected CoNLL token lines (a token and its tags per line)"},
		{"only blank lines", "\n\t\n  \r\n", corpus.ReadOptions{}, 3,
			"end of file after 3 lines without a token line; expected CoNLL token lines (a token and its tags per line)"},
		{"only documents and metadata", "-DOCSTART- O\n\nIMGID:1\n\n", corpus.ReadOptions{}, 4,
			"end of file after 4 lines without a token line; expected CoNLL token lines (a token and its tags per line)"},
		{"column map names a missing column", "\na\tO\n", corpus.ReadOptions{Columns: corpus.ColumnMap{0: "text", 3: "ner"}}, 2,
			"2 columns, but the column map names column 3 (ner); expected at least 4 columns"},
		{"column map names missing columns", "a\tO\n", corpus.ReadOptions{Columns: corpus.ColumnMap{0: "text", 3: "ner", 5: "pos", 2: "chunk"}}, 1,
			"2 columns, but the column map names column 5 (pos); expected at least 6 columns"},
		{"column map with a negative index", "a\tO\n", corpus.ReadOptions{Columns: corpus.ColumnMap{0: "text", -1: "ner"}}, 1,
			"the column map names column -1 (ner); expected column indexes from 0"},
		{"two TABs in a row", "a\tO\nb\t\tO\n", corpus.ReadOptions{}, 2,
			"column 1 is empty (two TABs in a row); expected one TAB between non-empty columns"},
		{"leading TAB", "a\tO\n\tO\n", corpus.ReadOptions{}, 2,
			"column 0 is empty (two TABs in a row); expected one TAB between non-empty columns"},
		{"two TABs in a -DOCSTART- line", "-DOCSTART-\t\tO\na\tO\n", corpus.ReadOptions{}, 1,
			"column 1 is empty (two TABs in a row); expected one TAB between non-empty columns"},
	} {
		for _, name := range []string{"bad.conll", "dir/with space/x.txt"} {
			pe := parseErr(t, c.text, name, c.opt)
			if pe.Path != name || pe.Line != c.line || pe.Msg != c.msg {
				t.Errorf("%s: error %q (path %q line %d), want line %d: %q", c.name, pe, pe.Path, pe.Line, c.line, c.msg)
			}
			if prefix := name + ":" + strconv.Itoa(c.line) + ": "; !strings.HasPrefix(pe.Error(), prefix) {
				t.Errorf("%s: error %q does not start with %q", c.name, pe, prefix)
			}
		}
	}
}

func TestReadFileAndWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.conll")
	if err := os.WriteFile(path, []byte("a\tO\nb\tB-PER\n\nc\tO\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := corpus.ReadFile(path, corpus.ReadOptions{})
	if err != nil || c.Path != path || len(c.Sentences) != 2 {
		t.Fatalf("ReadFile: %v %+v", err, c)
	}
	out := filepath.Join(dir, "b.conll")
	if err := corpus.WriteFile(out, c); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(out); string(data) != "a\tO\nb\tB-PER\n\nc\tO\n\n" {
		t.Errorf("WriteFile wrote %q", data)
	}
	// WriteFile refuses an unwritable corpus and leaves the old file.
	c.Sentences[0].Columns[1][0] = ""
	err = corpus.WriteFile(out, c)
	var pe *corpus.ParseError
	if !errors.As(err, &pe) || pe.Line != 1 {
		t.Errorf("WriteFile of an empty field: %v", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "a\tO\nb\tB-PER\n\nc\tO\n\n" {
		t.Errorf("failed WriteFile changed the file: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("temporary files left: %v", entries)
	}

	if _, err := corpus.ReadFile(filepath.Join(dir, "missing.conll"), corpus.ReadOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(missing) = %v", err)
	}
	_, err = corpus.Read(iotest.ErrReader(errors.New("disk on fire")), "r.conll", corpus.ReadOptions{})
	if err == nil || err.Error() != "read r.conll: disk on fire" {
		t.Errorf("Read(failing reader) = %v", err)
	}
	c, err = corpus.Read(strings.NewReader("a O\n"), "r.conll", corpus.ReadOptions{})
	if err != nil || c.Path != "r.conll" || c.Tokens() != 1 {
		t.Errorf("Read = %v", err)
	}
}

// TestWriteRefuses: what CoNLL cannot represent is a *ParseError naming the
// corpus, the sentence's source line and what was expected, and nothing is
// written.
func TestWriteRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(c *corpus.Corpus)
		line int
		msg  string
	}{
		{"empty field", func(c *corpus.Corpus) { c.Sentences[1].Columns[1][1] = "" }, 5,
			"sentence 2, token 2: column 1 (ner) is empty; CoNLL cannot represent empty fields, expected a non-empty value"},
		{"empty token", func(c *corpus.Corpus) { c.Sentences[0].Columns[0][0] = "" }, 1,
			"sentence 1, token 1: column 0 (text) is empty; CoNLL cannot represent empty fields, expected a non-empty value"},
		{"TAB in a field", func(c *corpus.Corpus) { c.Sentences[0].Columns[0][1] = "a\tb" }, 2,
			`sentence 1, token 2: column 0 (text) is "a\tb"; expected a value without TABs or line breaks`},
		{"line break in a field", func(c *corpus.Corpus) { c.Sentences[0].Columns[1][0] = "O\nO" }, 1,
			`sentence 1, token 1: column 1 (ner) is "O\nO"; expected a value without TABs or line breaks`},
		{"trailing space in the last column", func(c *corpus.Corpus) { c.Sentences[0].Columns[1][0] = "O " }, 1,
			`sentence 1, token 1: last column (ner) is "O "; expected no trailing space or CR, which readers trim`},
		{"blank token line", func(c *corpus.Corpus) { c.Sentences[0].Columns[0][0], c.Sentences[0].Columns[1][0] = " ", "\v" }, 1,
			"sentence 1, token 1: every column is blank; expected a token line, which must hold more than whitespace"},
		{"-DOCSTART- token", func(c *corpus.Corpus) { c.Sentences[1].Columns[0][0] = "-DOCSTART-" }, 4,
			"sentence 2, token 1: column 0 is -DOCSTART-; expected a token, not a document marker"},
		{"ragged columns", func(c *corpus.Corpus) { c.Sentences[1].Columns[1] = c.Sentences[1].Columns[1][:1] }, 4,
			"sentence 2, token 1: column 1 has 1 entries but column 0 has 2; expected one entry per token in every column"},
		{"column count differs", func(c *corpus.Corpus) { c.Sentences[1].Columns = c.Sentences[1].Columns[:1] }, 4,
			"sentence 2, token 1: 1 columns; expected 2 like sentence 1"},
		{"empty sentence", func(c *corpus.Corpus) { c.Sentences[1].Columns = [][]string{{}, {}} }, 4,
			"sentence 2, token 1: no tokens; CoNLL cannot represent an empty sentence, expected at least one token"},
		{"metadata line break", func(c *corpus.Corpus) { c.Sentences[1].Meta = []string{"IMGID:1\nx"} }, 4,
			`sentence 2, token 1: metadata line "IMGID:1\nx"; expected one non-blank line without a line break or a trailing CR`},
		{"bad document", func(c *corpus.Corpus) { c.Docs = []corpus.DocStart{{Fields: []string{"DOC"}, Line: 7}} }, 7,
			`document 1: fields ["DOC"]; expected -DOCSTART- first`},
	} {
		cp := parse(t, "a\tO\nb\tB-PER\n\nc\tO\nd\tI-PER\n")
		cp.Path = "in.conll"
		c.edit(cp)
		var buf bytes.Buffer
		err := corpus.Write(&buf, cp)
		var pe *corpus.ParseError
		if !errors.As(err, &pe) || pe.Path != "in.conll" || pe.Line != c.line || pe.Msg != c.msg {
			t.Errorf("%s: Write error %v, want in.conll:%d: %s", c.name, err, c.line, c.msg)
			continue
		}
		if !strings.HasPrefix(err.Error(), "in.conll:"+strconv.Itoa(c.line)+": ") {
			t.Errorf("%s: %q", c.name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: Write wrote %q before failing", c.name, buf.Bytes())
		}
	}
	// In-memory corpora: no path, no line.
	mem := &corpus.Corpus{Columns: corpus.ColumnMap{0: "text"}, Sentences: []corpus.Sentence{{Columns: [][]string{{"IMGID:3"}}}}}
	err := corpus.Write(&bytes.Buffer{}, mem)
	if err == nil || err.Error() != `corpus: sentence 1, token 1: token "IMGID:3" of a single-column corpus reads as a metadata line; expected a token not starting with "IMGID:"` {
		t.Errorf("Write(in-memory IMGID token) = %v", err)
	}
}
