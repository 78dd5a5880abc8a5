package tokenize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// The agreement tests encode real sentences with nerlab's tokenizers and
// with independent implementations, and require the same pieces, ids and
// byte offsets for every sentence: Hugging Face's tokenizers (the Rust
// library, through its Node binding from npm) and tokenizers.js (pure
// JavaScript) for WordPiece, byte-level BPE and tokenizer.json;
// python3-sentencepiece for SentencePiece models. The vocabularies and
// models are made by the tests from the same sentences.

// perDataset is how many sentences each of the four datasets gives.
const perDataset = 2500

var (
	corpusOnce sync.Once
	corpusText []string
	corpusErr  error
)

// agreementCorpus is 10,000 real sentences (2,500 each from WNUT-17,
// CoNLL-03, Twitter-2015 and BC5CDR, spread over each training file, the
// words joined by spaces) and 400 synthetic lines that stress what the
// datasets have little of: CJK, Hangul, emoji (with modifiers and joiners),
// combining accents, ligatures and full-width forms, unusual spaces,
// control and zero-width characters, URLs.
func agreementCorpus(t testing.TB) []string {
	t.Helper()
	files := []string{"wnut17/train.txt", "conll03/train.txt", "cofee/twitter2015/train.txt", "bc5cdr/train.txt"}
	var paths []string
	for _, f := range files {
		paths = append(paths, shareddata.Path(t, append([]string{"datasets"}, strings.Split(f, "/")...)...))
	}
	corpusOnce.Do(func() {
		for _, p := range paths {
			sents, err := readSentences(p)
			if err != nil {
				corpusErr = err
				return
			}
			if len(sents) < perDataset {
				corpusErr = fmt.Errorf("%s: %d sentences, want at least %d", p, len(sents), perDataset)
				return
			}
			for i := range perDataset {
				corpusText = append(corpusText, sents[i*len(sents)/perDataset])
			}
		}
		corpusText = append(corpusText, syntheticLines(400)...)
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusText
}

// readSentences reads a CoNLL-style file (a token and its tags a line,
// tab- or space-separated; blank lines between sentences; -DOCSTART- and
// IMGID: lines skipped) as sentences of space-joined tokens.
func readSentences(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sents []string
	var words []string
	flush := func() {
		if len(words) > 0 {
			sents = append(sents, strings.Join(words, " "))
			words = words[:0]
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if strings.HasPrefix(line, "-DOCSTART-") || strings.HasPrefix(line, "IMGID:") {
			continue
		}
		tok, _, found := strings.Cut(line, "\t")
		if !found {
			tok, _, _ = strings.Cut(line, " ")
		}
		words = append(words, tok)
	}
	flush()
	return sents, nil
}

// syntheticLines makes n reproducible lines mixing words with the
// characters tokenizers treat specially.
func syntheticLines(n int) []string {
	rng := rand.New(rand.NewSource(19))
	words := []string{"the", "Café", "naïve", "résumé", "Zürich", "São", "Paulo", "İstanbul", "straße", "ΣΊΣΥΦΟΣ",
		"東京", "北京大学", "日本語の文章です", "서울특별시", "한국어", "Москва", "القاهرة", "हिन्दी", "ไทย",
		"😀", "👍🏽", "👨‍👩‍👧", "🇩🇪", "❤️", "🥰", "https://example.com/a?b=c&d=é", "@user_1", "#NLP2017",
		"ﬁnance", "Ｆｕｌｌ", "①②", "x²", "½", "e\u0301te\u0301", "n\u0303", "a\u200bb", "zero\ufeffwidth",
		"soft\u00adhyphen", "tab\there", "3.14", "$100", "C++", "don't", "U.S.", "--", "...", "«quote»", "ǅ", "Ⅻ"}
	spaces := []string{" ", " ", " ", "  ", "\u00a0", "\u3000", "\u2028", "\t", " \n "}
	var out []string
	for range n {
		var b strings.Builder
		k := 1 + rng.Intn(12)
		for j := range k {
			if j > 0 {
				b.WriteString(spaces[rng.Intn(len(spaces))])
			}
			b.WriteString(words[rng.Intn(len(words))])
		}
		out = append(out, b.String())
	}
	return out
}

// refEncoding is one text as a reference encodes it.
type refEncoding struct {
	IDs     []int    `json:"ids"`
	Tokens  []string `json:"tokens"`
	Offsets [][2]int `json:"offsets"`
}

// jsReference returns testdata/js when node and its packages are there
// (make setup installs them); otherwise the test ends as Missing says.
func jsReference(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		shareddata.Missing(t, "node is not installed; the tokenizer agreement tests run the npm tokenizers with it")
	}
	for _, pkg := range []string{"tokenizers", "@huggingface/tokenizers"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			shareddata.Missing(t, "npm package %s is not installed in %s (run make setup, or npm ci there)", pkg, dir)
		}
	}
	return dir
}

// runJS encodes texts with the reference job describes.
func runJS(t *testing.T, job map[string]any, texts []string) []refEncoding {
	t.Helper()
	dir := jsReference(t)
	jobFile := filepath.Join(t.TempDir(), "job.json")
	data, _ := json.Marshal(job)
	if err := os.WriteFile(jobFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for _, s := range texts {
		line, _ := json.Marshal(s)
		in.Write(line)
		in.WriteByte('\n')
	}
	cmd := exec.Command("node", filepath.Join(dir, "reference.js"), jobFile)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node reference.js (%v): %v\n%s", job["kind"], err, stderr.String())
	}
	var encs []refEncoding
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, len(out)+1)
	for sc.Scan() {
		var e refEncoding
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("reference output line %d: %v", len(encs)+1, err)
		}
		encs = append(encs, e)
	}
	if len(encs) != len(texts) {
		t.Fatalf("reference encoded %d texts of %d", len(encs), len(texts))
	}
	return encs
}

// agree compares tok's encoding of every text with the reference's:
// ids and pieces always, offsets when the reference has them. It reports
// the first disagreements and how many texts disagree, and returns how
// many agree.
func agree(t *testing.T, name string, tok Tokenizer, texts []string, refs []refEncoding) int {
	t.Helper()
	return agreeExcept(t, name, tok, texts, refs, "", nil)
}

// agreeExcept is agree where the reference is known to differ on some
// texts, for a reason given as why: texts that explained says are such
// are counted apart (and logged); any other disagreement fails.
func agreeExcept(t *testing.T, name string, tok Tokenizer, texts []string, refs []refEncoding, why string, explained func(string) bool) int {
	t.Helper()
	bad, excused := 0, 0
	// Pieces the references spell by the text they cover: the unknown
	// piece (SentencePiece, Hugging Face's Unigram) and added tokens
	// (Hugging Face: " <mask>" with the space it took, "[new]" for a
	// normalized "[NEW]").
	spelledByText := map[int]bool{tok.Specials().UNK: true}
	if h, ok := tok.(*HFTokenizer); ok {
		for _, a := range append(h.added[:len(h.added):len(h.added)], h.normAdded...) {
			spelledByText[a.id] = true
		}
	}
	for i, text := range texts {
		got := tok.Encode(text)
		checkEncoding(t, tok, text, got) // what the interface promises, on every text
		msg := differ(got, refs[i], spelledByText)
		if msg != "" && explained != nil && explained(text) {
			excused++
			continue
		}
		if msg != "" {
			bad++
			if bad <= 5 {
				t.Errorf("%s: text %d %q: %s", name, i, text, msg)
			}
		}
	}
	if excused > 0 {
		t.Logf("%s: %d texts differ where the reference is known to (%s)", name, excused, why)
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d texts disagree with the reference", name, bad, len(texts))
	} else if excused > 0 {
		t.Logf("%s: the other %d texts agree with the reference", name, len(texts)-excused)
	} else {
		t.Logf("%s: all %d texts agree with the reference", name, len(texts))
	}
	return len(texts) - bad - excused
}

func differ(got []Token, ref refEncoding, spelledByText map[int]bool) string {
	show := func() string {
		var g, r []string
		for _, tk := range got {
			g = append(g, fmt.Sprintf("%s:%d[%d,%d]", tk.Piece, tk.ID, tk.Start, tk.End))
		}
		for k := range ref.IDs {
			s := fmt.Sprintf("%s:%d", ref.Tokens[k], ref.IDs[k])
			if ref.Offsets != nil {
				s += fmt.Sprintf("[%d,%d]", ref.Offsets[k][0], ref.Offsets[k][1])
			}
			r = append(r, s)
		}
		return fmt.Sprintf("\n  got  %s\n  want %s", strings.Join(g, " "), strings.Join(r, " "))
	}
	if len(got) != len(ref.IDs) {
		return fmt.Sprintf("%d pieces, reference %d%s", len(got), len(ref.IDs), show())
	}
	for k, tk := range got {
		// The references spell some pieces by the text they cover
		// (spelledByText); nerlab spells every piece as the vocabulary
		// does.
		samePiece := tk.Piece == ref.Tokens[k] || tk.Piece == strings.TrimSpace(ref.Tokens[k]) || spelledByText[tk.ID]
		if tk.ID != ref.IDs[k] || !samePiece {
			return fmt.Sprintf("piece %d differs%s", k, show())
		}
		if ref.Offsets != nil && (tk.Start != ref.Offsets[k][0] || tk.End != ref.Offsets[k][1]) {
			return fmt.Sprintf("offsets of piece %d differ%s", k, show())
		}
	}
	return ""
}
