package wiki

import (
	"html"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// readString reads every article of a corpus held in a string.
func readString(t testing.TB, format, body string) ([]*Article, error) {
	t.Helper()
	r, err := NewReader("corpus", format, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return drain(r)
}

// checkAnchors fails unless every anchor's offsets cut its text out of its
// paragraph and the text has no white space at its ends.
func checkAnchors(t testing.TB, a *Article) {
	t.Helper()
	for _, an := range a.Anchors {
		if an.Paragraph < 0 || an.Paragraph >= len(a.Paragraphs) {
			t.Fatalf("%q: anchor %+v is in no paragraph (of %d)", a.Title, an, len(a.Paragraphs))
		}
		p := a.Paragraphs[an.Paragraph]
		if an.Start < 0 || an.End > len(p) || an.Start >= an.End || p[an.Start:an.End] != an.Text {
			t.Fatalf("%q: anchor %+v does not cut its text out of %q", a.Title, an, p)
		}
		if strings.TrimSpace(an.Text) != an.Text {
			t.Fatalf("%q: anchor text %q has white space at an end", a.Title, an.Text)
		}
	}
}

// anchorsOf lists an article's anchors as "paragraph:text>target".
func anchorsOf(a *Article) string {
	var s []string
	for _, an := range a.Anchors {
		s = append(s, strings.Join([]string{string(rune('0' + an.Paragraph)), ":", an.Text, ">", an.Target}, ""))
	}
	return strings.Join(s, " | ")
}

func TestWikiExtractorLinks(t *testing.T) {
	body := "<doc id=\"3\" url=\"u\" title=\"Razaerholm\">\nRazaerholm\n\n" +
		"Razaerholm is a <a href=\"harbour%20town\">harbour town</a> on the <a href=\"Salt_Coast\">Salt Coast</a>.\n" +
		"History.\n" +
		"  <a href=\"Stedian%20Restous\"> Stedian Restous </a> founded <a href=\"S%C3%B8lvik%23Port\">Sølvik's</a> port in 1200.\n" +
		"A tag <a hreflang=\"x\">that is no link</a> and <a href=\"Empty\"></a> nothing.\n" +
		"</doc>\n"
	arts, err := readString(t, FormatWikiExtractor, body)
	if err != nil || len(arts) != 1 {
		t.Fatalf("%v %+v", err, arts)
	}
	a := arts[0]
	want := []string{
		"Razaerholm is a harbour town on the Salt Coast.",
		"Stedian Restous  founded Sølvik's port in 1200.", // the link text's spaces stay in the text
		"A tag <a hreflang=\"x\">that is no link</a> and  nothing.",
	}
	if strings.Join(a.Paragraphs, "\n") != strings.Join(want, "\n") {
		t.Errorf("paragraphs\n%q\nwant\n%q", a.Paragraphs, want)
	}
	if got := anchorsOf(a); got != "0:harbour town>Harbour town | 0:Salt Coast>Salt Coast | 1:Stedian Restous>Stedian Restous | 1:Sølvik's>Sølvik" {
		t.Errorf("anchors %s", got)
	}
	checkAnchors(t, a)
	// Byte offsets: "Sølvik's" starts after "Stedian Restous  founded ".
	if an := a.Anchors[3]; an.Start != len("Stedian Restous  founded ") || an.End != an.Start+len("Sølvik's") {
		t.Errorf("offsets %+v", an)
	}

	for line, want := range map[string]string{
		"an <a href=\"X\">open link\n":                    ":2: link <a href=\"X\"> has no </a> on its line",
		"<a href=\"X\">a <a href=\"Y\">b</a></a>\n":       ":2: a link inside the text of link",
		"bad <a href=\"%zz\">escape</a>\n":                ":2: link target \"%zz\": invalid URL escape",
		"fine <a href=\"A\">a</a> then <a href=\"B\">b\n": ":2: link <a href=\"B\"> has no </a>",
	} {
		_, err := readString(t, FormatWikiExtractor, "<doc id=\"1\" url=\"u\" title=\"T\">\n"+line+"</doc>\n")
		if err == nil || !strings.Contains(err.Error(), "corpus"+want) {
			t.Errorf("%q: %v; want %q", line, err, want)
		}
	}
}

func TestJSONLAndTextLinks(t *testing.T) {
	arts, err := readString(t, FormatJSONL, `{"id": 1, "title": "Stedian Restous", "text": "Stedian Restous\n\nA painter from <a href=\"Razaerholm\">Razaerholm</a>."}`+"\n")
	if err != nil || len(arts) != 1 || len(arts[0].Paragraphs) != 2 || anchorsOf(arts[0]) != "1:Razaerholm>Razaerholm" {
		t.Fatalf("%v %+v", err, arts)
	}
	checkAnchors(t, arts[0])
	// Outside WikiExtractor's <doc> files, malformed link markup is text:
	// the line is read, not the corpus refused.
	arts, err = readString(t, FormatJSONL, "\n"+`{"title": "T", "text": "one\nan <a href=\"X\">open link"}`+"\n")
	if err != nil || len(arts) != 1 || len(arts[0].Anchors) != 0 || strings.Join(arts[0].Paragraphs, "|") != `one|an <a href="X">open link` {
		t.Errorf("open link in JSONL: %v %+v", err, arts)
	}
	arts, err = readString(t, FormatText, "plain line\n<a href=\"Gekaishosburg\">Gekaishosburg</a> is a place.\n")
	if err != nil || len(arts) != 2 || len(arts[0].Anchors) != 0 || anchorsOf(arts[1]) != "0:Gekaishosburg>Gekaishosburg" {
		t.Fatalf("%v %+v", err, arts)
	}
	arts, err = readString(t, FormatText, "x\n<a href=\"X\">open\n"+
		"<a href=\"X\">a <a href=\"Y\">b</a></a> c\n"+
		"<a href=\"%zz\">bad target</a>\n")
	if err != nil || len(arts) != 4 {
		t.Fatalf("malformed links in text: %v %+v", err, arts)
	}
	for i, want := range []string{`<a href="X">open`, `<a href="X">a b</a> c`, `<a href="%zz">bad target</a>`} {
		if got := strings.Join(arts[i+1].Paragraphs, "|"); got != want {
			t.Errorf("text line %d read as %q; want %q", i+2, got, want)
		}
	}
	// A well-formed link inside a malformed one is still a link.
	if got := anchorsOf(arts[2]) + " / " + anchorsOf(arts[1]) + anchorsOf(arts[3]); got != "0:b>Y / " {
		t.Errorf("anchors of the malformed lines: %q", got)
	}
}

func TestWikitextAnchors(t *testing.T) {
	src := `{{Infobox person|name=X|birth={{date|1900}}}}
'''Stedian Restous''' (born 1900) is a [[Guild|guild]] master<ref name="a">{{cite web|url=x}}</ref> from [[razaerholm]]s.<!-- hidden -->
[[File:Portrait.jpg|thumb|A [[portrait]] of him]]
== Life ==
* He founded [[Siastias Systems#History|''Siastias'']] in [http://example.com the [[Capital_city|capital]]].
{| class="wikitable"
| a || b
|}
[[Category:People]]&nbsp;Done at [[AT&amp;T|AT&amp;T]] by [[Fred  Brook]].`
	paras, anchors := Wikitext(src)
	want := []string{
		"Stedian Restous (born 1900) is a guild master from razaerholms.",
		"He founded Siastias in the capital.",
		"Done at AT&T by Fred Brook.", // the decoded &nbsp; is trimmed as a space
	}
	if strings.Join(paras, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%q\nwant\n%q", paras, want)
	}
	a := &Article{Title: "T", Paragraphs: paras, Anchors: anchors}
	checkAnchors(t, a)
	if got := anchorsOf(a); got != "0:guild>Guild | 0:razaerholms>Razaerholm | 1:Siastias>Siastias Systems | 1:capital>Capital city | 2:AT&T>AT&T | 2:Fred Brook>Fred Brook" {
		t.Errorf("anchors %s", got)
	}
}

// TestMediaWikiDumpAnchors reads the shared XML sample's links: every
// anchor cuts its text out of its paragraph, and there are as many as the
// sample's MANIFEST leads one to expect (its derived file keeps 18,646
// anchors of long paragraphs only).
func TestMediaWikiDumpAnchors(t *testing.T) {
	src := shareddata.Path(t, "datasets", "wiki_anchors", "enwiki_gensim_sample", "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.xml")
	r, err := Open(src, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	total := 0
	for {
		a, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		checkAnchors(t, a)
		for _, an := range a.Anchors {
			if strings.ContainsAny(an.Text, "[]|") || an.Target == "" {
				t.Errorf("%q: anchor %+v holds markup", a.Title, an)
			}
		}
		if a.Title == "Anarchism" && (len(a.Anchors) < 100 || a.Anchors[0].Paragraph != 0) {
			t.Errorf("Anarchism: %d anchors, first %+v", len(a.Anchors), a.Anchors[0])
		}
		total += len(a.Anchors)
	}
	if total < 18646 {
		t.Errorf("%d anchors, want at least 18646", total)
	}
	t.Logf("%d anchors", total)
}

// FuzzWikitext checks that the anchors never change the text: it is what
// the markup reduction gave before anchors were kept (plainWikitext, the
// earlier code kept here as the reference), and every anchor cuts its
// text out of its paragraph.
func FuzzWikitext(f *testing.F) {
	f.Add("[[a|b]] {{c|{{d}}}} '''e''' <ref>f</ref> [[File:g|[[h]]]] [http://x y]")
	f.Add("[[unclosed {{ also |} ]]")
	f.Add("* [[x|  spaced\tlabel ]]s\n\n== h ==\n[[y]]&amp;[[z|&lt;]]\n:[[w]]")
	f.Add("'[[a|']]' <[[b|i]]> &[[c|amp]]; [[d|\nline]]")
	f.Fuzz(func(t *testing.T, s string) {
		paras, anchors := Wikitext(s)
		if want := plainWikitext(s); strings.Join(paras, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("text changed:\n got %q\nwant %q", paras, want)
		}
		for _, p := range paras {
			if strings.Contains(p, "\n") {
				t.Fatalf("a paragraph holds a newline: %q", p)
			}
		}
		checkAnchors(t, &Article{Title: "fuzz", Paragraphs: paras, Anchors: anchors})
	})
}

// plainWikitext is the markup reduction as it was before anchors (the
// reference FuzzWikitext holds Wikitext's text to).
func plainWikitext(src string) []string {
	s := wikiComment.ReplaceAllString(src, "")
	s = wikiRefPair.ReplaceAllString(s, "")
	s = wikiRefEmpty.ReplaceAllString(s, "")
	s = wikiBlocks.ReplaceAllString(s, "")
	s = removeNested(s, "{{", "}}")
	s = removeNested(s, "{|", "|}")
	var b strings.Builder
	replaceLinks(s, &b, new([]link))
	s = wikiExtLink.ReplaceAllString(b.String(), "$1")
	s = wikiTag.ReplaceAllString(s, "")
	s = wikiQuotes.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	var paras, cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "", wikiHeading.MatchString(line):
			flush()
			continue
		case strings.HasPrefix(line, "|") || strings.HasPrefix(line, "!") || strings.HasPrefix(line, "__"):
			continue
		}
		line = strings.TrimSpace(strings.TrimLeft(line, "*#:;"))
		line = regexp.MustCompile(`[ \t]+`).ReplaceAllString(line, " ")
		if line != "" {
			cur = append(cur, line)
		}
	}
	flush()
	return paras
}

// fuzzReader reads a corpus in format to the end (at most 1000 articles)
// and checks every article's anchors; errors must name the corpus and a
// line.
func fuzzReader(t *testing.T, format, body string) {
	r, err := NewReader("corpus", format, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		a, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			if !regexp.MustCompile(`^corpus:\d+: `).MatchString(err.Error()) {
				t.Fatalf("error without file and line: %v", err)
			}
			return
		}
		if !utf8.ValidString(body) {
			continue // offsets still hold, but Text may cut a broken rune
		}
		checkAnchors(t, a)
	}
}

func FuzzWikiExtractor(f *testing.F) {
	f.Add("<doc id=\"1\" url=\"u\" title=\"T\">\nT\n\ntext\n</doc>\n")
	f.Add("<doc id=\"1\" url=\"u\" title=\"T\">\n<doc ")
	f.Add("<doc id=\"1\" url=\"u\" title=\"T\">\nT is <a href=\"A%20b\"> a b</a>.\n<a href=\"x\">\n</doc>\n")
	f.Fuzz(func(t *testing.T, body string) { fuzzReader(t, FormatWikiExtractor, body) })
}

func FuzzJSONL(f *testing.F) {
	f.Add(`{"id": 1, "title": "T", "text": "T is a <a href=\"Town\">town</a>.\n\nMore."}` + "\n")
	f.Add(`{"title": "x", "text": 5}` + "\n[1]\n")
	f.Fuzz(func(t *testing.T, body string) { fuzzReader(t, FormatJSONL, body) })
}

func FuzzText(f *testing.F) {
	f.Add("one passage\n\n <a href=\"B\">B</a> is a band \n")
	f.Add("<a href=\"B\">unclosed\n")
	f.Fuzz(func(t *testing.T, body string) { fuzzReader(t, FormatText, body) })
}

func FuzzMediaWiki(f *testing.F) {
	f.Add("<mediawiki><page><title>T</title><ns>0</ns><id>1</id><revision><text>'''T''' is a [[town|Town]] in [[Razaerholm]].\n\nIt [[has]]s.</text></revision></page></mediawiki>")
	f.Add("<mediawiki>\n<page><title>x</title>\n<ns>0</ns></mediawiki>")
	f.Fuzz(func(t *testing.T, body string) { fuzzReader(t, FormatMediaWiki, body) })
}
