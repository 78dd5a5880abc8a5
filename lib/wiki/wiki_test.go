package wiki

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

func readAll(t *testing.T, path, format string) ([]*Article, error) {
	t.Helper()
	r, err := Open(path, format)
	if err != nil {
		return nil, err
	}
	return drain(r)
}

// drain reads every article of r and closes it.
func drain(r Reader) ([]*Article, error) {
	defer r.Close()
	var out []*Article
	for {
		a, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
}

func write(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWikiExtractorSharedCorpus(t *testing.T) {
	path := shareddata.Path(t, "datasets", "knowledge", "enwiki2015_early", "part-00.txt")
	r, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "12" || a.Title != "Anarchism" || a.Line != 1 || len(a.Paragraphs) < 3 || a.Paragraphs[0] == "Anarchism" {
		t.Errorf("first article: %+v", a)
	}
	n := 1
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 16410 { // MANIFEST: part-00 holds 16,410 docs
		t.Errorf("%d articles, want 16410", n)
	}
}

func TestWikiExtractorMalformed(t *testing.T) {
	good := "<doc id=\"1\" url=\"u\" title=\"T\">\nT\n\nT is a town in the north of the country.\nHistory.\nIt was founded in 1200.\n</doc>\n"
	arts, err := readAll(t, write(t, "good.txt", good), "")
	if err != nil || len(arts) != 1 || strings.Join(arts[0].Paragraphs, "|") != "T is a town in the north of the country.|It was founded in 1200." {
		t.Fatalf("%+v %v", arts, err)
	}
	for body, want := range map[string]string{
		"<doc id=\"1\" url=\"u\" title=\"T\">\ntext\n":                                         ":2: article \"T\" (line 1) has no </doc>",
		"<doc id=\"1\" url=\"u\" title=\"T\">\n<doc id=\"2\" url=\"u\" title=\"U\">\n</doc>\n": ":2: a new <doc> inside article \"T\"",
		"<doc id=\"1\" url=\"u\" title=\"T\">\n</doc>\nstray text\n":                           ":3: expected <doc",
	} {
		p := write(t, "bad.txt", body)
		if _, err := readAll(t, p, FormatWikiExtractor); err == nil || !strings.Contains(err.Error(), p+want) {
			t.Errorf("%q: %v; want %q", body, err, want)
		}
	}
}

func TestJSONLAndText(t *testing.T) {
	p := write(t, "c.jsonl", `{"id": 7, "title": "Razaerholm", "text": "Razaerholm is a town.\n\nIt has a port."}`+"\n\n"+`{"title": "B", "text": "B is a band."}`+"\n")
	arts, err := readAll(t, p, "")
	if err != nil || len(arts) != 2 || arts[0].ID != "7" || len(arts[0].Paragraphs) != 2 || arts[1].ID != "3" || arts[1].Title != "B" {
		t.Fatalf("%+v %v", arts, err)
	}
	for body, want := range map[string]string{
		"{\"title\": \"x\"}\n":  ":1: no \"text\"",
		"{\"title\": \"x\", \n": ":1: unexpected end of JSON input",
		"\n[1, 2]\n":            ":2: json: cannot unmarshal array",
		"{\"text\": 5}\n":       ":1: json: cannot unmarshal number",
	} {
		p := write(t, "bad.jsonl", body)
		if _, err := readAll(t, p, ""); err == nil || !strings.Contains(err.Error(), p+want) {
			t.Errorf("%q: %v; want %q", body, err, want)
		}
	}
	arts, err = readAll(t, write(t, "c.txt", "first passage\n\n  second passage \n"), "")
	if err != nil || len(arts) != 2 || arts[1].Paragraphs[0] != "second passage" || arts[1].ID != "3" {
		t.Fatalf("%+v %v", arts, err)
	}
	if _, err := Open(write(t, "c.txt", "x"), "csv"); err == nil || !strings.Contains(err.Error(), "unknown corpus format") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestMediaWikiDumpAndBzip2(t *testing.T) {
	src := shareddata.Path(t, "datasets", "wiki_anchors", "enwiki_gensim_sample", "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.xml")
	arts, err := readAll(t, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 106 { // MANIFEST: 206 pages, 100 redirects
		t.Errorf("%d articles, want 106", len(arts))
	}
	a := arts[0]
	text := strings.Join(a.Paragraphs, "\n")
	if a.Title != "Anarchism" || !strings.HasPrefix(text, "Anarchism is a political philosophy") {
		t.Errorf("first article %q: %.200s", a.Title, text)
	}
	for _, junk := range []string{"{{", "}}", "[[", "]]", "<ref", "'''", "Category:"} {
		if strings.Contains(text, junk) {
			t.Errorf("markup %q left in %q", junk, a.Title)
		}
	}
	if _, err := exec.LookPath("bzip2"); err == nil {
		dir := t.TempDir()
		data, _ := os.ReadFile(src)
		plain := filepath.Join(dir, "dump.xml")
		os.WriteFile(plain, data, 0o644)
		if out, err := exec.Command("bzip2", plain).CombinedOutput(); err != nil {
			t.Fatalf("bzip2: %v %s", err, out)
		}
		arts2, err := readAll(t, plain+".bz2", "")
		if err != nil || len(arts2) != len(arts) {
			t.Errorf(".bz2: %d articles, %v", len(arts2), err)
		}
	}
	bad := write(t, "bad.xml", "<mediawiki>\n<page><title>x</title>\n<ns>0</ns></mediawiki>")
	if _, err := readAll(t, bad, ""); err == nil || !strings.Contains(err.Error(), bad+":3:") {
		t.Errorf("malformed XML: %v", err)
	}
}

func TestStripWikitext(t *testing.T) {
	src := `{{Infobox person|name=X|birth={{date|1900}}}}
'''Stedian Restous''' (born 1900) is a [[Guild|guild]] master<ref name="a">{{cite web|url=x}}</ref> from [[Razaerholm]]s.<!-- hidden -->
[[File:Portrait.jpg|thumb|A [[portrait]] of him]]
== Life ==
* He founded [[Siastias Systems#History|Siastias]] in [http://example.com the capital].
{| class="wikitable"
| a || b
|}
[[Category:People]]&nbsp;Done.`
	got := StripWikitext(src)
	want := []string{
		"Stedian Restous (born 1900) is a guild master from Razaerholms.",
		"He founded Siastias in the capital.",
		"Done.", // the removed table ended the paragraph
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestOpenGzipAndDetectByContent: a .gz corpus is read through gzip and its
// format told by the name under the .gz; a file without a telling name is
// told by its first bytes; a broken gzip header names the file.
func TestOpenGzipAndDetectByContent(t *testing.T) {
	body := `{"id": 1, "title": "Razaerholm", "text": "Razaerholm is a harbour town."}` + "\n" +
		`{"id": 2, "title": "Stedian Restous", "text": "Stedian Restous is a painter."}` + "\n"
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(body))
	w.Close()
	for _, path := range []string{write(t, "kb.jsonl.gz", gz.String()), write(t, "kb.data", body)} {
		for _, format := range []string{"", FormatAuto} {
			arts, err := readAll(t, path, format)
			if err != nil || len(arts) != 2 || arts[1].Title != "Stedian Restous" || arts[1].Paragraphs[0] != "Stedian Restous is a painter." {
				t.Errorf("%s, format %q: %v %+v", filepath.Base(path), format, err, arts)
			}
		}
	}
	broken := write(t, "kb.jsonl.gz", "not gzip at all")
	if _, err := Open(broken, ""); err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("broken gzip: %v", err)
	}
}

func TestIsHeading(t *testing.T) {
	for line, want := range map[string]bool{
		"History.": true, "Early life and career.": true, "Etymology and terminology.": true,
		"It was founded in 1200.": false, "Salt is cheap.": false, "Razaerholm exports salt.": true,
		"See also: list.": false, "A very long line that is surely a sentence here.": false, "No period": false,
	} {
		if got := isHeading(line); got != want {
			t.Errorf("isHeading(%q) = %v", line, got)
		}
	}
}
