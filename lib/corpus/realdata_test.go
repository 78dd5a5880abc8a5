package corpus_test

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

// manifestEntry is one file of shared/datasets/MANIFEST.md (sections 1-4
// and 8), transcribed by hand: its sentences, tokens, -DOCSTART- documents,
// tag counts and entity spans counted as conlleval reads them.
type manifestEntry struct {
	path                         string
	sentences, tokens, documents int
	scheme                       string
	entities, tags               map[string]int
}

var manifest = []manifestEntry{
	{path: "wnut17/train.txt", sentences: 3394, tokens: 62730, documents: 0, scheme: "bio",
		entities: map[string]int{"corporation": 221, "creative-work": 140, "group": 264, "location": 548, "person": 660, "product": 142},
		tags:     map[string]int{"B-corporation": 221, "B-creative-work": 140, "B-group": 264, "B-location": 548, "B-person": 660, "B-product": 142, "I-corporation": 46, "I-creative-work": 206, "I-group": 150, "I-location": 245, "I-person": 335, "I-product": 203, "O": 59570}},
	{path: "wnut17/dev.txt", sentences: 1009, tokens: 15733, documents: 0, scheme: "bio",
		entities: map[string]int{"corporation": 34, "creative-work": 105, "group": 39, "location": 74, "person": 470, "product": 114},
		tags:     map[string]int{"B-corporation": 34, "B-creative-work": 105, "B-group": 39, "B-location": 74, "B-person": 470, "B-product": 114, "I-corporation": 12, "I-creative-work": 133, "I-group": 25, "I-location": 33, "I-person": 117, "I-product": 94, "O": 14483}},
	{path: "wnut17/test.txt", sentences: 1287, tokens: 23394, documents: 0, scheme: "bio",
		entities: map[string]int{"corporation": 66, "creative-work": 142, "group": 165, "location": 150, "person": 429, "product": 127},
		tags:     map[string]int{"B-corporation": 66, "B-creative-work": 142, "B-group": 165, "B-location": 150, "B-person": 429, "B-product": 127, "I-corporation": 22, "I-creative-work": 218, "I-group": 70, "I-location": 94, "I-person": 131, "I-product": 126, "O": 21654}},
	{path: "wnut16/train.txt", sentences: 2394, tokens: 46469, documents: 0, scheme: "bio",
		entities: map[string]int{"company": 171, "facility": 104, "geo-loc": 276, "movie": 34, "musicartist": 55, "other": 225, "person": 449, "product": 97, "sportsteam": 51, "tvshow": 34},
		tags:     map[string]int{"B-company": 171, "B-facility": 104, "B-geo-loc": 276, "B-movie": 34, "B-musicartist": 55, "B-other": 225, "B-person": 449, "B-product": 97, "B-sportsteam": 51, "B-tvshow": 34, "I-company": 36, "I-facility": 105, "I-geo-loc": 49, "I-movie": 46, "I-musicartist": 61, "I-other": 320, "I-person": 215, "I-product": 80, "I-sportsteam": 23, "I-tvshow": 31, "O": 44007}},
	{path: "wnut16/dev.txt", sentences: 1000, tokens: 16261, documents: 0, scheme: "bio",
		entities: map[string]int{"company": 39, "facility": 38, "geo-loc": 116, "movie": 15, "musicartist": 41, "other": 132, "person": 171, "product": 37, "sportsteam": 70, "tvshow": 2},
		tags:     map[string]int{"B-company": 39, "B-facility": 38, "B-geo-loc": 116, "B-movie": 15, "B-musicartist": 41, "B-other": 132, "B-person": 171, "B-product": 37, "B-sportsteam": 70, "B-tvshow": 2, "I-company": 10, "I-facility": 39, "I-geo-loc": 42, "I-movie": 15, "I-musicartist": 35, "I-other": 97, "I-person": 95, "I-product": 121, "I-sportsteam": 13, "O": 15133}},
	{path: "wnut16/test.txt", sentences: 3850, tokens: 61908, documents: 0, scheme: "bio",
		entities: map[string]int{"company": 621, "facility": 253, "geo-loc": 882, "movie": 34, "musicartist": 191, "other": 584, "person": 482, "product": 246, "sportsteam": 147, "tvshow": 33},
		tags:     map[string]int{"B-company": 621, "B-facility": 253, "B-geo-loc": 882, "B-movie": 34, "B-musicartist": 191, "B-other": 584, "B-person": 482, "B-product": 246, "B-sportsteam": 147, "B-tvshow": 33, "I-company": 265, "I-facility": 366, "I-geo-loc": 219, "I-movie": 48, "I-musicartist": 140, "I-other": 556, "I-person": 300, "I-product": 500, "I-sportsteam": 48, "I-tvshow": 40, "O": 55953}},
	{path: "conll03/train.txt", sentences: 14041, tokens: 203621, documents: 946, scheme: "bio",
		entities: map[string]int{"LOC": 7140, "MISC": 3438, "ORG": 6321, "PER": 6600},
		tags:     map[string]int{"B-LOC": 7140, "B-MISC": 3438, "B-ORG": 6321, "B-PER": 6600, "I-LOC": 1157, "I-MISC": 1155, "I-ORG": 3704, "I-PER": 4528, "O": 169578}},
	{path: "conll03/dev.txt", sentences: 3250, tokens: 51362, documents: 216, scheme: "bio",
		entities: map[string]int{"LOC": 1837, "MISC": 922, "ORG": 1341, "PER": 1842},
		tags:     map[string]int{"B-LOC": 1837, "B-MISC": 922, "B-ORG": 1341, "B-PER": 1842, "I-LOC": 257, "I-MISC": 346, "I-ORG": 751, "I-PER": 1307, "O": 42759}},
	{path: "conll03/test.txt", sentences: 3453, tokens: 46435, documents: 231, scheme: "bio",
		entities: map[string]int{"LOC": 1668, "MISC": 702, "ORG": 1661, "PER": 1617},
		tags:     map[string]int{"B-LOC": 1668, "B-MISC": 702, "B-ORG": 1661, "B-PER": 1617, "I-LOC": 257, "I-MISC": 216, "I-ORG": 835, "I-PER": 1156, "O": 38323}},
	{path: "conllpp/test.txt", sentences: 3453, tokens: 46435, documents: 231, scheme: "bio",
		entities: map[string]int{"LOC": 1646, "MISC": 723, "ORG": 1715, "PER": 1618},
		tags:     map[string]int{"B-LOC": 1646, "B-MISC": 723, "B-ORG": 1715, "B-PER": 1618, "I-LOC": 259, "I-MISC": 254, "I-ORG": 882, "I-PER": 1161, "O": 38177}},
	{path: "bc5cdr/train.txt", sentences: 4560, tokens: 118170, documents: 0, scheme: "bio",
		entities: map[string]int{"Chemical": 5203, "Disease": 4182},
		tags:     map[string]int{"B-Chemical": 5203, "B-Disease": 4182, "I-Chemical": 1900, "I-Disease": 2918, "O": 103967}},
	{path: "bc5cdr/dev.txt", sentences: 4581, tokens: 117453, documents: 0, scheme: "bio",
		entities: map[string]int{"Chemical": 5347, "Disease": 4246},
		tags:     map[string]int{"B-Chemical": 5347, "B-Disease": 4246, "I-Chemical": 1748, "I-Disease": 2723, "O": 103389}},
	{path: "bc5cdr/test.txt", sentences: 4797, tokens: 124750, documents: 0, scheme: "bio",
		entities: map[string]int{"Chemical": 5385, "Disease": 4424},
		tags:     map[string]int{"B-Chemical": 5385, "B-Disease": 4424, "I-Chemical": 1628, "I-Disease": 2737, "O": 110576}},
	{path: "ncbi_disease/train.txt", sentences: 5424, tokens: 135701, documents: 0, scheme: "bio",
		entities: map[string]int{"Disease": 5134},
		tags:     map[string]int{"B-Disease": 5134, "I-Disease": 6115, "O": 124452}},
	{path: "ncbi_disease/dev.txt", sentences: 923, tokens: 23969, documents: 0, scheme: "bio",
		entities: map[string]int{"Disease": 787},
		tags:     map[string]int{"B-Disease": 787, "I-Disease": 1090, "O": 22092}},
	{path: "ncbi_disease/test.txt", sentences: 940, tokens: 24497, documents: 0, scheme: "bio",
		entities: map[string]int{"Disease": 960},
		tags:     map[string]int{"B-Disease": 960, "I-Disease": 1087, "O": 22450}},
	{path: "cofee/twitter2015/train.txt", sentences: 4000, tokens: 64439, documents: 0, scheme: "bio",
		entities: map[string]int{"LOC": 2135, "ORG": 957, "OTHER": 975, "PER": 2285},
		tags:     map[string]int{"B-LOC": 2091, "B-ORG": 927, "B-OTHER": 931, "B-PER": 2217, "I-LOC": 902, "I-ORG": 451, "I-OTHER": 834, "I-PER": 1552, "O": 54534}},
	{path: "cofee/twitter2015/valid.txt", sentences: 1000, tokens: 16178, documents: 0, scheme: "bio",
		entities: map[string]int{"LOC": 543, "ORG": 251, "OTHER": 233, "PER": 567},
		tags:     map[string]int{"B-LOC": 522, "B-ORG": 247, "B-OTHER": 220, "B-PER": 552, "I-LOC": 215, "I-ORG": 109, "I-OTHER": 222, "I-PER": 402, "O": 13689}},
	{path: "cofee/twitter2015/test.txt", sentences: 3257, tokens: 52822, documents: 0, scheme: "bio",
		entities: map[string]int{"LOC": 1720, "ORG": 860, "OTHER": 754, "PER": 1873},
		tags:     map[string]int{"B-LOC": 1697, "B-ORG": 839, "B-OTHER": 720, "B-PER": 1816, "I-LOC": 685, "I-ORG": 365, "I-OTHER": 716, "I-PER": 1290, "O": 44694}},
	{path: "cofee/ecommerce/train.txt.bieos", sentences: 3989, tokens: 119085, documents: 0, scheme: "bioes",
		entities: map[string]int{"HC": 10480, "HP": 1630},
		tags:     map[string]int{"B-HC": 10332, "B-HP": 1629, "E-HC": 10331, "E-HP": 1629, "I-HC": 6028, "I-HP": 2557, "O": 86430, "S-HC": 148, "S-HP": 1}},
	{path: "cofee/ecommerce/dev.txt.bieos", sentences: 500, tokens: 14885, documents: 0, scheme: "bioes",
		entities: map[string]int{"HC": 1340, "HP": 200},
		tags:     map[string]int{"B-HC": 1322, "B-HP": 199, "E-HC": 1322, "E-HP": 199, "I-HC": 738, "I-HP": 350, "O": 10736, "S-HC": 18, "S-HP": 1}},
	{path: "cofee/ecommerce/test.txt.bieos", sentences: 498, tokens: 14680, documents: 0, scheme: "bioes",
		entities: map[string]int{"HC": 1345, "HP": 222},
		tags:     map[string]int{"B-HC": 1333, "B-HP": 221, "E-HC": 1333, "E-HP": 221, "I-HC": 782, "I-HP": 361, "O": 10416, "S-HC": 12, "S-HP": 1}},
}

// TestManifestTable checks the transcription itself: the tag counts of a
// file add up to its tokens, and (no file has an I- after O here except
// twitter2015) B- plus S- counts are its entity counts.
func TestManifestTable(t *testing.T) {
	for _, m := range manifest {
		sum := 0
		for _, n := range m.tags {
			sum += n
		}
		if sum != m.tokens {
			t.Errorf("%s: tag counts add up to %d, tokens %d", m.path, sum, m.tokens)
		}
		for typ, n := range m.entities {
			starts := m.tags["B-"+typ] + m.tags["S-"+typ]
			if starts > n {
				t.Errorf("%s: %s has %d entities but %d B-/S- tags", m.path, typ, n, starts)
			}
		}
	}
}

// TestManifestCounts reads every file with zero ReadOptions and compares
// Stats with MANIFEST.md exactly.
func TestManifestCounts(t *testing.T) {
	for _, m := range manifest {
		t.Run(m.path, func(t *testing.T) {
			c := readDataset(t, m.path)
			st := c.Stats()
			if st.Sentences != m.sentences || st.Tokens != m.tokens || st.Documents != m.documents {
				t.Errorf("sentences/tokens/documents = %d/%d/%d, manifest %d/%d/%d",
					st.Sentences, st.Tokens, st.Documents, m.sentences, m.tokens, m.documents)
			}
			if len(c.Sentences) != m.sentences || c.Tokens() != m.tokens || len(c.Docs) != m.documents {
				t.Errorf("len(Sentences)/Tokens()/len(Docs) = %d/%d/%d, manifest %d/%d/%d",
					len(c.Sentences), c.Tokens(), len(c.Docs), m.sentences, m.tokens, m.documents)
			}
			if !maps.Equal(st.Tags, m.tags) {
				t.Errorf("tags = %v\nmanifest %v", st.Tags, m.tags)
			}
			if !maps.Equal(st.Entities, m.entities) {
				t.Errorf("entities = %v\nmanifest %v", st.Entities, m.entities)
			}
			if st.Scheme != m.scheme {
				t.Errorf("scheme = %q, want %q", st.Scheme, m.scheme)
			}
			if s, err := c.Scheme(); err != nil || s.String() != m.scheme {
				t.Errorf("Corpus.Scheme() = %v, %v; want %s", s, err, m.scheme)
			}
			if st.ContextSentences != 0 || st.ContextTokens != 0 {
				t.Errorf("context sentences/tokens = %d/%d, want 0/0", st.ContextSentences, st.ContextTokens)
			}
			wantCols := corpus.DefaultColumns(2)
			wantSep := byte('\t')
			if m.documents > 0 { // conll03, conllpp: token POS chunk NER
				wantCols = corpus.DefaultColumns(4)
				wantSep = ' '
			}
			if !maps.Equal(c.Columns, wantCols) || c.Separator != wantSep {
				t.Errorf("columns %v separator %q, want %v %q", c.Columns, c.Separator, wantCols, wantSep)
			}
		})
	}
}

// notByteIdentical lists the files that Write does not reproduce byte for
// byte, and why. Every other file of the manifest (conll03 train and dev,
// wnut16, wnut17 dev/test, bc5cdr, ncbi_disease, ecommerce) is written back
// exactly as it was read.
var notByteIdentical = map[string]string{
	"wnut17/train.txt":            "2394 sentence separators are a lone TAB; Write separates sentences with empty lines",
	"conll03/test.txt":            "no blank line after the last sentence; Write ends every sentence with one",
	"conllpp/test.txt":            "no blank line after the last sentence; Write ends every sentence with one",
	"cofee/twitter2015/train.txt": "no blank line after the last sentence; Write ends every sentence with one",
	"cofee/twitter2015/valid.txt": "no blank line after the last sentence; Write ends every sentence with one",
	"cofee/twitter2015/test.txt":  "no blank line after the last sentence; Write ends every sentence with one",
}

// normalizeConll rewrites CoNLL text the way Write lays it out: lines of
// only spaces/TABs become empty, runs of empty lines become one, and the
// text ends with an empty line.
func normalizeConll(data []byte) []byte {
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	var out bytes.Buffer
	blank := true // no blank line at the start
	for _, l := range lines {
		if len(bytes.Trim(l, " \t")) == 0 {
			if !blank {
				out.WriteByte('\n')
			}
			blank = true
			continue
		}
		out.Write(l)
		out.WriteByte('\n')
		blank = false
	}
	if !blank {
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// TestRoundTripRealFiles: Read, Write, Read gives the same sentences (all
// columns and metadata), documents, columns and separator; the written
// bytes are the original's after normalizeConll, and exactly the
// original's for the files not in notByteIdentical (conll03 train/dev
// among them).
func TestRoundTripRealFiles(t *testing.T) {
	for _, m := range manifest {
		t.Run(m.path, func(t *testing.T) {
			path := dataset(t, m.path)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := corpus.Parse(orig, path, corpus.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := corpus.Write(&buf, c); err != nil {
				t.Fatal(err)
			}
			written := buf.Bytes()
			c2, err := corpus.Read(bytes.NewReader(written), "written", corpus.ReadOptions{})
			if err != nil {
				t.Fatalf("reading the written file: %v", err)
			}
			if d := sameSentences(c.Sentences, c2.Sentences); d != "" {
				t.Error(d)
			}
			if d := sameDocs(c.Docs, c2.Docs); d != "" {
				t.Error(d)
			}
			if !maps.Equal(c.Columns, c2.Columns) || c.Separator != c2.Separator {
				t.Errorf("columns %v sep %q, read back %v sep %q", c.Columns, c.Separator, c2.Columns, c2.Separator)
			}
			if c2.Path != "written" {
				t.Errorf("Path = %q, want the name given to Read", c2.Path)
			}
			identical := bytes.Equal(written, orig)
			why, listed := notByteIdentical[m.path]
			switch {
			case identical && listed:
				t.Errorf("written bytes equal the original, but the file is listed as not byte-identical (%s)", why)
			case !identical && !listed:
				t.Errorf("written %d bytes differ from the original %d bytes at byte %d", len(written), len(orig), firstDiff(written, orig))
			}
			if norm := normalizeConll(orig); !bytes.Equal(written, norm) {
				t.Errorf("written bytes differ from the normalised original at byte %d", firstDiff(written, norm))
			}
			if identical {
				for i := range c.Sentences {
					if c.Sentences[i].Line != c2.Sentences[i].Line {
						t.Fatalf("sentence %d: line %d, read back at line %d", i+1, c.Sentences[i].Line, c2.Sentences[i].Line)
					}
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// TestConll03WrittenExactly is the brief's explicit check: conll03's
// regular files come back byte for byte (test.txt only lacks the final
// blank line Write adds).
func TestConll03WrittenExactly(t *testing.T) {
	for _, f := range []string{"conll03/train.txt", "conll03/dev.txt", "conll03/test.txt"} {
		path := dataset(t, f)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := corpus.Parse(orig, path, corpus.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := corpus.Write(&buf, c); err != nil {
			t.Fatal(err)
		}
		want := orig
		if f == "conll03/test.txt" {
			want = append(slices.Clip(orig), '\n')
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: written bytes differ at byte %d of %d", f, firstDiff(buf.Bytes(), want), len(want))
		}
		if c.Docs[0].Line != 1 || !slices.Equal(c.Docs[0].Fields, []string{"-DOCSTART-", "-X-", "-X-", "O"}) || c.Docs[0].Before != 0 {
			t.Errorf("%s: first document %+v", f, c.Docs[0])
		}
		if c.Sentences[0].Line != 3 {
			t.Errorf("%s: first sentence at line %d, want 3", f, c.Sentences[0].Line)
		}
	}
}
