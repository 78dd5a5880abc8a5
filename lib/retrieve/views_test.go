package retrieve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

const viewsKnowledge = `{"id": 1, "title": "Stedian Restous", "text": "Stedian Restous is a painter. He lives in Razaerholm."}
{"id": 2, "title": "Razaerholm", "text": "Razaerholm is a harbour town. It exports salt."}
{"id": 3, "title": "Siastias Systems", "text": "Siastias Systems is a company. It makes looms."}
`

const viewsData = `-DOCSTART- -X- -X- O

Stedian NNP B-NP B-PER
Restous NNP I-NP I-PER
left VBD B-VP O
. . O O

Siastias NNP B-NP B-ORG
Systems NNP I-NP I-ORG
grew VBD B-VP O

Razaerholm NNP B-NP B-LOC
exports VBZ B-VP O
salt NN B-NP O
`

func TestWriteViewsAlignsAndResumes(t *testing.T) {
	idx := testIndex(t, viewsKnowledge)
	in := write(t, "train.txt", viewsData)
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.txt")
	opt := ViewOptions{Budget: 8, Workers: 2, Retrieve: RetrieveOptions{Keep: 2}}
	if n, err := WriteViews(context.Background(), idx, in, ref, opt); err != nil || n != 3 {
		t.Fatalf("%d %v", n, err)
	}
	view, err := corpus.ReadFile(ref, corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := corpus.ReadFile(in, corpus.ReadOptions{})
	if len(view.Sentences) != len(orig.Sentences) || len(view.Docs) != 1 {
		t.Fatalf("%d sentences (want %d), %d docs", len(view.Sentences), len(orig.Sentences), len(view.Docs))
	}
	tagCol, _ := view.TagColumn()
	for i := range view.Sentences {
		s, o := &view.Sentences[i], &orig.Sentences[i]
		v := corpus.SplitView(s.Columns[0], s.Columns[tagCol])
		if v.Len != o.Len() || !v.HasContext() || v.Total-v.Len > 1+8 {
			t.Errorf("sentence %d: view %+v of %d tokens", i, v, o.Len())
		}
		for k := range o.Columns {
			if strings.Join(s.Columns[k][:v.Len], " ") != strings.Join(o.Columns[k], " ") {
				t.Errorf("sentence %d column %d changed", i, k)
			}
			for _, x := range s.Columns[k][v.Len+1:] {
				if k > 0 && x != "X" {
					t.Errorf("sentence %d: context column %d holds %q", i, k, x)
				}
			}
		}
	}
	if !strings.Contains(strings.Join(view.Sentences[0].Columns[0], " "), "painter") {
		t.Errorf("no related context for sentence 0: %v", view.Sentences[0].Columns[0])
	}
	prov, _ := os.ReadFile(ref + ".provenance.jsonl")
	if strings.Count(string(prov), "\n") != 3 || !strings.Contains(string(prov), `"title":"Stedian Restous"`) {
		t.Errorf("provenance:\n%s", prov)
	}

	// Interrupted after the first sentence, then resumed: the same bytes.
	out := filepath.Join(dir, "resumed.txt")
	ctx, cancel := context.WithCancel(context.Background())
	opt1 := opt
	opt1.Workers = 1
	opt1.Progress = func(done, total int) { cancel() }
	if n, err := WriteViews(ctx, idx, in, out, opt1); !errors.Is(err, ErrViewsInterrupted) || n != 1 {
		t.Fatalf("interrupted: %d %v", n, err)
	}
	// A half-written block and ledger line, as a crash would leave them.
	f, _ := os.OpenFile(out, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("Siastias NNP B-NP B-ORG\nSyst")
	f.Close()
	f, _ = os.OpenFile(out+".provenance.jsonl", os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"sentence":1,"li`)
	f.Close()
	if n, err := WriteViews(context.Background(), idx, in, out, opt); err != nil || n != 3 {
		t.Fatalf("resumed: %d %v", n, err)
	}
	a, _ := os.ReadFile(ref)
	b, _ := os.ReadFile(out)
	if string(a) != string(b) {
		t.Errorf("resumed output differs:\n%s\n---\n%s", a, b)
	}
	pa, _ := os.ReadFile(ref + ".provenance.jsonl")
	pb, _ := os.ReadFile(out + ".provenance.jsonl")
	if strings.Count(string(pb), "\n") != 3 || len(pa) != len(pb) {
		t.Errorf("resumed provenance:\n%s", pb)
	}

	// Output of other data is refused.
	short := write(t, "short.txt", "Razaerholm NNP B-NP B-LOC\n")
	if _, err := WriteViews(context.Background(), idx, short, out, opt); err == nil || !strings.Contains(err.Error(), "other data") {
		t.Errorf("mismatched data: %v", err)
	}
	// So is output of other sentences as many or more, and --fresh starts over.
	other := write(t, "other.txt", strings.ReplaceAll(viewsData, "Restous", "Vodozear"))
	if _, err := WriteViews(context.Background(), idx, other, out, opt); err == nil || !strings.Contains(err.Error(), out+":3: sentence 0 is not "+other+":3's") {
		t.Errorf("views of other sentences: %v", err)
	}
	fresh := opt
	fresh.Fresh = true
	if n, err := WriteViews(context.Background(), idx, other, out, fresh); err != nil || n != 3 {
		t.Errorf("--fresh: %d %v", n, err)
	}
	if data, _ := os.ReadFile(out); !strings.Contains(string(data), "Vodozear NNP I-NP I-PER") || strings.Contains(string(data), "Restous NNP") {
		t.Errorf("--fresh output:\n%s", data)
	}
}
