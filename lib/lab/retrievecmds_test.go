package lab

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// retrievalFixture writes a two-article knowledge base and a data folder
// of two sentences into dir.
func retrievalFixture(t *testing.T, dir string) (kb, data string) {
	t.Helper()
	kb = filepath.Join(dir, "kb.jsonl")
	os.WriteFile(kb, []byte(`{"id": 1, "title": "Stedian Restous", "text": "Stedian Restous is a painter. He lives in Razaerholm."}
{"id": 2, "title": "Razaerholm", "text": "Razaerholm is a harbour town. It exports salt."}
`), 0o644)
	data = filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	os.WriteFile(filepath.Join(data, "train.txt"), []byte("Stedian B-PER\nRestous I-PER\nleft O\n\nRazaerholm B-LOC\nexports O\nsalt O\n"), 0o644)
	return kb, data
}

// indexedFixture is retrievalFixture in a temporary folder dir, with its
// knowledge base indexed into dir/idx (one sentence a passage) through a
// new session.
func indexedFixture(t *testing.T) (s *session, dir, kb, data, idx string) {
	t.Helper()
	dir = t.TempDir()
	kb, data = retrievalFixture(t, dir)
	idx = filepath.Join(dir, "idx")
	s = newSession(t)
	s.run("index build --corpus " + kb + " --out " + idx + " --sentences 1")
	return s, dir, kb, data, idx
}

func TestIndexSearchRetrieveCommands(t *testing.T) {
	dir := t.TempDir()
	kb, data := retrievalFixture(t, dir)
	idx := filepath.Join(dir, "idx")
	s := newSession(t)

	if _, err := s.try("index build --out " + idx); !IsUsage(err) {
		t.Errorf("build without corpora: %v", err)
	}
	if out := s.run("index build --corpus " + kb + " --out " + idx + " --sentences 1"); !strings.Contains(out, "4 passages") {
		t.Errorf("build: %q", out)
	}
	if out := s.run("index info " + idx); !strings.Contains(out, "4 passages") {
		t.Errorf("info: %q", out)
	}
	out := s.run("search --index " + idx + " --keep 2 Stedian Restous the painter")
	if !strings.HasPrefix(out, "1. Stedian Restous") {
		t.Errorf("search:\n%s", out)
	}
	var ranked []map[string]any
	if err := json.Unmarshal([]byte(s.run("search --index "+idx+" --json --rerank overlap salt exports")), &ranked); err != nil || len(ranked) == 0 || ranked[0]["title"] != "Razaerholm" {
		t.Errorf("search --json: %v %v", err, ranked)
	}
	if _, err := s.try("search --index " + idx + " --rerank bertscore x"); !IsUsage(err) || !strings.Contains(err.Error(), "vectors") {
		t.Errorf("bertscore without vectors: %v", err)
	}
	if _, err := s.try("search --index " + filepath.Join(dir, "none") + " x"); err == nil || !strings.Contains(err.Error(), "index build") {
		t.Errorf("missing index: %v", err)
	}
	views := filepath.Join(dir, "views")
	out = s.run("retrieve --index " + idx + " --data " + data + " --out " + views + " --keep 1 --budget 5")
	if !strings.Contains(out, "(2 sentences") {
		t.Errorf("retrieve: %q", out)
	}
	got, _ := os.ReadFile(filepath.Join(views, "train.txt"))
	if !strings.Contains(string(got), "left O\n<EOS> X\n") || strings.Count(string(got), " X\n") > 2*6 {
		t.Errorf("view file:\n%s", got)
	}

	viewFile := filepath.Join(views, "train.txt")
	out = s.run("context " + viewFile + " --find razaerholm")
	if !strings.HasPrefix(out, "sentence 1 (line ") || !strings.Contains(out, "[Razaerholm]LOC exports salt") ||
		!strings.Contains(out, "1. Razaerholm  (") || !strings.Contains(out, "It *exports* *salt* .") {
		t.Errorf("context --find:\n%s", out)
	}
	// The painter's context (cut at 5 tokens: "Stedian Restous is a
	// painter") repeats his name; Razaerholm's ("It exports salt .") does
	// not, but comes from the article titled Razaerholm.
	if out := s.run("context --summary " + viewFile); !strings.Contains(out, "2 sentences, 2 with passages (1.00 passages and 4.5 context tokens") ||
		!strings.Contains(out, "gold entities: 2; repeated in their context: 1 (50.0%); title of a passage given: 2 (100.0%)") {
		t.Errorf("context --summary:\n%s", out)
	}
	if _, err := s.try("context " + viewFile + " two"); !IsUsage(err) {
		t.Errorf("context with a word for N: %v", err)
	}
	if _, err := s.try("context " + viewFile + " 5"); err == nil || !strings.Contains(err.Error(), "no sentence 5") {
		t.Errorf("context past the end: %v", err)
	}
	if _, err := s.try("context " + viewFile + " --find painter"); err == nil || !strings.Contains(err.Error(), `contains "painter"`) {
		t.Errorf("context --find in context words only: %v", err)
	}
	if _, err := s.try("context " + filepath.Join(data, "train.txt")); err == nil || !strings.Contains(err.Error(), "not a context view") {
		t.Errorf("context of a plain file: %v", err)
	}

	var shown []map[string]any
	s.env.Display = func(d map[string]any) error { shown = append(shown, d); return nil }
	s.run("search --index " + idx + " Razaerholm salt")
	if len(shown) != 1 || !strings.Contains(shown[0]["text/html"].(string), `<mark style="background:#fff3a3">Razaerholm</mark>`) {
		t.Errorf("search HTML: %v", shown)
	}
	s.run("context " + viewFile)
	if len(shown) != 2 || !strings.Contains(shown[1]["text/html"].(string), `Stedian Restous<span`) ||
		!strings.Contains(shown[1]["text/html"].(string), `<mark style="background:#fff3a3">Restous</mark> is a painter`) {
		t.Errorf("context HTML: %v", shown[1:])
	}
}

func TestWorldCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	s := newSession(t)
	if out := s.run("world --out " + dir + " --seed 3"); !strings.Contains(out, "world written to "+dir) {
		t.Errorf("world: %q", out)
	}
	for _, f := range []string{"train.conll", "dev.conll", "test.conll", "knowledge.jsonl"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if out := s.run("stats " + filepath.Join(dir, "train.conll")); !strings.Contains(out, "1500") {
		t.Errorf("stats of the world's train split:\n%s", out)
	}
	if _, err := s.try("world --out " + dir + " --seed -1"); !IsUsage(err) {
		t.Errorf("negative seed: %v", err)
	}
	if _, err := s.try("world --out " + dir + " --name-cue 1.5"); !IsUsage(err) {
		t.Errorf("name cue 1.5: %v", err)
	}
	// Without clues no name has an ending: another world, with shorter names.
	plain := filepath.Join(t.TempDir(), "w0")
	s.run("world --out " + plain + " --seed 3 --name-cue 0")
	a, _ := os.ReadFile(filepath.Join(dir, "train.conll"))
	b, _ := os.ReadFile(filepath.Join(plain, "train.conll"))
	if bytes.Equal(a, b) || len(b) >= len(a) {
		t.Errorf("--name-cue 0 wrote %d bytes of training sentences, the default %d", len(b), len(a))
	}
}

// TestOutputsAreNotInputs: `retrieve --data D --out D` once overwrote the
// dataset with its context views and exited 0. Every writing command
// refuses an output that is, or lies inside, one of its inputs, and leaves
// the input as it was.
func TestOutputsAreNotInputs(t *testing.T) {
	s, dir, kb, data, idx := indexedFixture(t)
	trainFile := filepath.Join(data, "train.txt")
	cfg := filepath.Join(data, "exp.yaml")
	os.WriteFile(cfg, []byte("name: x\ndata:\n  train: "+trainFile+"\n"), 0o644)
	before, _ := os.ReadFile(trainFile)
	kbBefore, _ := os.ReadFile(kb)
	for _, line := range []string{
		"retrieve --index " + idx + " --data " + data + " --out " + data,
		"retrieve --index " + idx + " --data " + data + " --out " + filepath.Join(data, "views"),
		"retrieve --index " + idx + " --data " + data + " --out " + data + "/../data --fresh",
		"retrieve --index " + idx + " --data " + data + " --out " + filepath.Join(idx, "views"),
		"index build --corpus " + kb + " --out " + kb + " --fresh",
		"convert " + trainFile + " --to bioes -o " + trainFile,
		"train " + cfg + " --out " + data + " --fresh",
		"train " + cfg + " --out " + dir + " --fresh",
	} {
		_, err := s.try(line)
		if err == nil || !strings.Contains(err.Error(), "input") {
			t.Errorf("%s: %v, want a refusal naming the input", line, err)
		}
	}
	if after, _ := os.ReadFile(trainFile); !bytes.Equal(before, after) {
		t.Errorf("the input was changed:\n%s", after)
	}
	if after, _ := os.ReadFile(kb); !bytes.Equal(kbBefore, after) {
		t.Error("the corpus was changed")
	}
	for _, p := range []string{"views"} {
		if _, err := os.Stat(filepath.Join(data, p)); err == nil {
			t.Errorf("a refused command wrote %s into the data folder", p)
		}
	}
}

// TestUnfinishedIndexSaysSo: an interrupted build left an index that was
// searched silently (40% of the corpus).
func TestUnfinishedIndexSaysSo(t *testing.T) {
	s, _, _, _, idx := indexedFixture(t)
	// Mark the build as stopped before the corpus's end, as an interrupt does.
	manifest := filepath.Join(idx, "nerlab-index.json")
	data, _ := os.ReadFile(manifest)
	os.WriteFile(manifest, bytes.Replace(data, []byte(`"finished": true`), []byte(`"finished": false`), 1), 0o644)
	if out := s.run("index info " + idx); !strings.Contains(out, "unfinished") {
		t.Errorf("index info of an unfinished index:\n%s", out)
	}
	errOut := s.env.Stderr.(*bytes.Buffer)
	errOut.Reset()
	s.run("search --index " + idx + " salt")
	if !strings.Contains(errOut.String(), "warning: index "+idx+" is unfinished") {
		t.Errorf("search of an unfinished index warned %q", errOut.String())
	}
}
