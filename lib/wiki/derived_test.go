package wiki

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// TestMediaWikiAnchorsAgreeWithTheSharedDerivation compares the anchors
// read from the shared XML sample with anchored_paragraphs.tsv, which
// someone else derived from the same dump ([[Target|surface]], the
// surface with its link trail): per article, the share of its
// (surface, target) pairs that Wikitext finds too.
func TestMediaWikiAnchorsAgreeWithTheSharedDerivation(t *testing.T) {
	dir := []string{"datasets", "wiki_anchors", "enwiki_gensim_sample"}
	xml := shareddata.Path(t, append(dir, "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.xml")...)
	tsv := shareddata.Path(t, append(dir, "anchored_paragraphs.tsv")...)
	ours := map[string]int{} // title \x00 surface \x00 target
	r, err := Open(xml, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		a, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, an := range a.Anchors {
			ours[a.Title+"\x00"+an.Text+"\x00"+an.Target]++
		}
	}
	f, err := os.Open(tsv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	link := regexp.MustCompile(`\[\[([^\]|]*)\|([^\]]*)\]\]`)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	theirs, found := 0, 0
	for sc.Scan() {
		title, para, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		for _, m := range link.FindAllStringSubmatch(para, -1) {
			theirs++
			if k := title + "\x00" + m[2] + "\x00" + m[1]; ours[k] > 0 {
				ours[k]--
				found++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	share := float64(found) / float64(theirs)
	t.Logf("%d of the derivation's %d anchors found (%.1f%%)", found, theirs, 100*share)
	if theirs < 18000 || share < 0.99 {
		t.Errorf("found %d of %d anchors (%.3f); want 99%%", found, theirs, share)
	}
}
