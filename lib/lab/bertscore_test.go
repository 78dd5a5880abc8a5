package lab

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/retrieve/bertscore"
)

// TestRerankWithEncoder: search and retrieve re-rank by BERTScore with a
// model folder's encoder (--rerank bertscore --encoder DIR): search's
// scores are those bertscore computes for the query and each passage, and
// retrieve writes its views through the same scorer; --encoder without
// --rerank bertscore, or beside --vectors, is a usage error.
func TestRerankWithEncoder(t *testing.T) {
	s, dir, _, data, idx := indexedFixture(t)
	python := shareddata.PythonTorch(t)
	model := filepath.Join(dir, "model")
	os.MkdirAll(model, 0o755)
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n.\nstedian\nrestous\nis\na\npainter\nhe\nlives\nin\nrazaerholm\nharbour\ntown\nit\nexports\nsalt\n##s\n"
	os.WriteFile(filepath.Join(model, "vocab.txt"), []byte(vocab), 0o644)
	os.WriteFile(filepath.Join(model, "bertscore_input.json"), []byte(`{"reference": "salt", "candidates": ["salt"], "layers": [-1]}`), 0o644)
	if out, err := exec.Command(python, "../../bench/pytorch/bert.py", "bertscore", model).CombinedOutput(); err != nil {
		t.Fatalf("bert.py bertscore (the model folder): %v\n%s", err, out)
	}
	var ranked []struct {
		Text   string  `json:"text"`
		Rerank float64 `json:"rerank"`
	}
	out := s.run("search --index " + idx + " --json --rerank bertscore --encoder " + model + " Razaerholm exports salt")
	if err := json.Unmarshal([]byte(out), &ranked); err != nil || len(ranked) == 0 {
		t.Fatalf("search: %v\n%s", err, out)
	}
	scorer, err := bertscore.Load(model, bertscore.Options{Layer: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer scorer.Close()
	for i, r := range ranked {
		want, err := scorer.Scores("Razaerholm exports salt", []string{r.Text})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Rerank-want[0].F1) > 1e-6 {
			t.Errorf("%q: rerank %g; BERTScore F1 %g", r.Text, r.Rerank, want[0].F1)
		}
		if i > 0 && r.Rerank > ranked[i-1].Rerank {
			t.Errorf("not in BERTScore order: %+v", ranked)
		}
	}
	views := filepath.Join(dir, "views")
	if out := s.run("retrieve --index " + idx + " --data " + data + " --out " + views + " --keep 1 --budget 5 --rerank bertscore --encoder " + model); !strings.Contains(out, "(2 sentences") {
		t.Errorf("retrieve: %q", out)
	}
	for _, bad := range []string{"--encoder " + model, "--rerank bertscore --encoder " + model + " --vectors x.vec"} {
		if _, err := s.try("search --index " + idx + " " + bad + " salt"); !IsUsage(err) || !strings.Contains(err.Error(), "--encoder") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
