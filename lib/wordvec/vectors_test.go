package wordvec

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// gzipped compresses content (writing to memory cannot fail).
func gzipped(content string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(content))
	zw.Close()
	return buf.String()
}

// checkVectors compares v with the expected words and values (exactly: the
// values are float32 roundings of the decimal text).
func checkVectors(t *testing.T, v *Vectors, dim int, words []string, vals []float32) {
	t.Helper()
	if v.Dim != dim {
		t.Fatalf("Dim %d, want %d", v.Dim, dim)
	}
	if strings.Join(v.Words, " ") != strings.Join(words, " ") {
		t.Fatalf("words %q, want %q", v.Words, words)
	}
	if len(v.Values) != len(vals) {
		t.Fatalf("%d values, want %d", len(v.Values), len(vals))
	}
	for i := range vals {
		if v.Values[i] != vals[i] {
			t.Errorf("value %d = %v, want %v", i, v.Values[i], vals[i])
		}
	}
}

const word2vecText = "3 2\nthe 0.1 -0.2\ncat 1e-3 2.5\ndog -7 0\n"

var word2vecWant = []float32{0.1, -0.2, 0.001, 2.5, -7, 0}

func TestReadVectorsWord2VecHeader(t *testing.T) {
	v, err := ReadVectors(writeFile(t, "w.vec", word2vecText), 0)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, v, 2, []string{"the", "cat", "dog"}, word2vecWant)
	if got := v.Vector(1); got[0] != 0.001 || got[1] != 2.5 {
		t.Errorf("Vector(1) = %v", got)
	}
}

func TestReadVectorsGloVeWithoutHeader(t *testing.T) {
	v, err := ReadVectors(writeFile(t, "glove.txt", "the 0.5 0.25 1\n, -1 -2 -3\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, v, 3, []string{"the", ","}, []float32{0.5, 0.25, 1, -1, -2, -3})
}

func TestReadVectorsGzipByContent(t *testing.T) {
	// Detected from the gzip magic, whatever the name says.
	for _, name := range []string{"w.vec.gz", "w.vec"} {
		v, err := ReadVectors(writeFile(t, name, gzipped(word2vecText)), 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkVectors(t, v, 2, []string{"the", "cat", "dog"}, word2vecWant)
	}
}

func TestReadVectorsCRLFTrailingSpacesBlankLinesDuplicates(t *testing.T) {
	// fastText writes a space after the last value; Windows tools CRLF.
	text := "4 2\r\nthe 0.1 -0.2 \r\n\r\n\u00a0 3\t4\r\nthe 9 9\r\ncat 1e-3 2.5"
	v, err := ReadVectors(writeFile(t, "w.vec", text), 0)
	if err != nil {
		t.Fatal(err)
	}
	// U+00A0 is a word, not a separator; the second "the" is ignored; the
	// last line has no newline.
	checkVectors(t, v, 2, []string{"the", "\u00a0", "cat"}, []float32{0.1, -0.2, 3, 4, 0.001, 2.5})
}

func TestReadVectorsLimit(t *testing.T) {
	v, err := ReadVectors(writeFile(t, "w.vec", word2vecText), 2)
	if err != nil {
		t.Fatal(err)
	}
	checkVectors(t, v, 2, []string{"the", "cat"}, word2vecWant[:4])
}

func TestReadVectorsErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"short", "3 2\nthe 0.1 0.2\ncat 0.5\n", ":3: word \"cat\" has 1 values; expected 2 (the dimension given by the header on line 1)"},
		{"long", "the 0.1 0.2\n\ncat 0.5 1 2\n", ":3: word \"cat\" has 3 values; expected 2 (the dimension of the first vector, line 1)"},
		{"float", "2 2\nthe 0.1 0.2\ncat 0.5 x1\n", ":3: value 2 of word \"cat\" is \"x1\"; expected a finite decimal number"},
		{"nan", "the NaN 0.2\n", ":1: value 1 of word \"the\" is \"NaN\"; expected a finite decimal number"},
		{"inf", "the 1 2\ncat 1e39 0\n", ":2: value 1 of word \"cat\" is \"1e39\""},
		{"bare word", "the\n", ":1: word \"the\" has no values"},
		{"empty", "\n\n", ": no vectors found"},
		{"header only", "10 3\n", ": no vectors found"},
	} {
		path := writeFile(t, "bad.vec", tc.text)
		_, err := ReadVectors(path, 0)
		if err == nil || !strings.Contains(err.Error(), path+tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, path+tc.want)
		}
	}
	if _, err := ReadVectors(filepath.Join(t.TempDir(), "missing.vec"), 0); !os.IsNotExist(err) {
		t.Errorf("missing file: %v, want a not-exist error", err)
	}
}

func TestReadVectorsWiki100kHead(t *testing.T) {
	path := filepath.Join(shareddata.Path(t, "vectors"), "wiki100k.vec.gz")
	v, err := ReadVectors(path, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if v.Dim != 100 || v.Len() != 1000 || len(v.Values) != 100*1000 {
		t.Fatalf("Dim %d, %d words, %d values; want 100, 1000, 100000", v.Dim, v.Len(), len(v.Values))
	}
	// The file's first two lines: "the 0.0697 -0.0366 …" and ", 0.1005 -0.1317 …".
	if v.Words[0] != "the" || v.Values[0] != 0.0697 || v.Values[1] != -0.0366 {
		t.Errorf("first vector %q %v", v.Words[0], v.Values[:2])
	}
	if v.Words[1] != "," || v.Vector(1)[0] != 0.1005 {
		t.Errorf("second vector %q %v", v.Words[1], v.Vector(1)[:1])
	}
	index := v.Index()
	if len(index) != 1000 {
		t.Errorf("%d distinct words, want 1000", len(index))
	}
	// The values are rounded to 4 decimals and skip-gram vectors are small.
	sd := StdDev(v.Values)
	if sd < 0.05 || sd > 1 {
		t.Errorf("standard deviation %v, expected a skip-gram-like scale", sd)
	}
}

func FuzzReadVectors(f *testing.F) {
	f.Add([]byte(word2vecText), 0)
	f.Add([]byte("the 0.5 0.25 1\n, -1 -2 -3\n"), 1)
	f.Add([]byte("4 2\r\nthe 0.1 -0.2 \r\n\r\n\u00a0 3\t4\r\nthe 9 9\r\ncat 1e-3 2.5"), 0)
	f.Add([]byte("99999999999 99999999999\na 1\n"), 0)
	f.Add([]byte(gzipped(word2vecText)), 0)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		v, err := ReadVectorsFrom(bytes.NewReader(data), "fuzz.vec", limit%5)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.vec:") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if v.Dim < 1 || len(v.Words) == 0 || len(v.Values) != len(v.Words)*v.Dim {
			t.Fatalf("Dim %d, %d words, %d values", v.Dim, len(v.Words), len(v.Values))
		}
		if l := limit % 5; l > 0 && len(v.Words) > l {
			t.Fatalf("%d words with limit %d", len(v.Words), l)
		}
		if len(v.Index()) != len(v.Words) {
			t.Fatalf("duplicate words in %q", v.Words)
		}
		for _, w := range v.Words {
			if w == "" || strings.ContainsAny(w, " \t\n") {
				t.Fatalf("word %q", w)
			}
		}
	})
}
