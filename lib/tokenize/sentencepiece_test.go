package tokenize

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// pythonSPM returns Debian's python3 when it can import sentencepiece;
// otherwise the test ends as Missing says.
func pythonSPM(t testing.TB) string {
	t.Helper()
	if out, err := exec.Command(shareddata.Python, "-c", "import sentencepiece").CombinedOutput(); err != nil {
		shareddata.Missing(t, "%s cannot import sentencepiece (%v; Debian's python3-sentencepiece is the reference, make setup installs it)\n%s", shareddata.Python, err, out)
	}
	return shareddata.Python
}

var (
	spmModelsMu sync.Mutex
	spmModels   = map[string]string{}
	spmDir      string
)

// spmModel trains (once per test binary) a SentencePiece model of the
// given type on the agreement corpus and returns its path.
func spmModel(t testing.TB, modelType string, vocab int, byteFallback bool) string {
	t.Helper()
	py := pythonSPM(t)
	texts := agreementCorpus(t)
	key := fmt.Sprintf("%s-%d-%v", modelType, vocab, byteFallback)
	spmModelsMu.Lock()
	defer spmModelsMu.Unlock()
	if p, ok := spmModels[key]; ok {
		return p
	}
	if spmDir == "" {
		d, err := os.MkdirTemp("", "nerlab-spm-")
		if err != nil {
			t.Fatal(err)
		}
		spmDir = d
	}
	corpus := filepath.Join(spmDir, "corpus.txt")
	if _, err := os.Stat(corpus); err != nil {
		var lines []string
		for _, s := range texts {
			lines = append(lines, strings.ReplaceAll(s, "\n", " "))
		}
		writeLines(t, corpus, lines)
	}
	prefix := filepath.Join(spmDir, key)
	cmd := exec.Command(py, filepath.Join("testdata", "spm_reference.py"), "train", corpus, prefix, modelType, fmt.Sprint(vocab), fmt.Sprint(byteFallback))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("training a SentencePiece %s model: %v\n%s", modelType, err, out)
	}
	spmModels[key] = prefix + ".model"
	return prefix + ".model"
}

func TestMain(m *testing.M) {
	code := m.Run()
	if spmDir != "" {
		os.RemoveAll(spmDir)
	}
	os.Exit(code)
}

// spmEncode encodes texts with python3-sentencepiece.
func spmEncode(t *testing.T, model string, texts []string) []refEncoding {
	t.Helper()
	var in bytes.Buffer
	for _, s := range texts {
		line, _ := json.Marshal(s)
		in.Write(line)
		in.WriteByte('\n')
	}
	cmd := exec.Command(pythonSPM(t), filepath.Join("testdata", "spm_reference.py"), "encode", model)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spm_reference.py encode: %v\n%s", err, stderr.String())
	}
	var encs []refEncoding
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, len(out)+1)
	for sc.Scan() {
		data, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		e, err := parseSentencePieceText(data)
		if err != nil {
			t.Fatalf("reference output line %d: %v", len(encs)+1, err)
		}
		encs = append(encs, e)
	}
	if len(encs) != len(texts) {
		t.Fatalf("reference encoded %d texts of %d", len(encs), len(texts))
	}
	return encs
}

// parseSentencePieceText reads SentencePiece's encoding of a text
// (sentencepiece.proto's SentencePieceText: pieces are field 2, each with
// piece 1, id 2, begin 4, end 5).
func parseSentencePieceText(data []byte) (refEncoding, error) {
	var e refEncoding
	e.IDs, e.Tokens, e.Offsets = []int{}, []string{}, [][2]int{}
	r := &pbReader{b: data}
	for r.pos < len(data) {
		num, _, _, msg, _, err := r.next()
		if err != nil {
			return e, err
		}
		if num != 2 {
			continue
		}
		var piece string
		var id, begin, end int
		pr := &pbReader{b: msg}
		for pr.pos < len(msg) {
			n, _, v, d, _, err := pr.next()
			if err != nil {
				return e, err
			}
			switch n {
			case 1:
				piece = string(d)
			case 2:
				id = int(v)
			case 4:
				begin = int(v)
			case 5:
				end = int(v)
			}
		}
		e.IDs, e.Tokens, e.Offsets = append(e.IDs, id), append(e.Tokens, piece), append(e.Offsets, [2]int{begin, end})
	}
	return e, nil
}

var bytePiece = regexp.MustCompile(`^<0x[0-9A-F]{2}>$`)

// looseBytePieces allows for where nerlab's byte pieces differ from
// SentencePiece's by design: SentencePiece gives every byte piece of an
// unknown stretch but the last an empty span at the stretch's start (and
// the last the whole stretch), nerlab gives each byte piece the span of
// the character it is a byte of (as Hugging Face's tokenizers do). Where
// a byte piece's span lies within its stretch, the reference's is
// replaced by it; anything else still counts as a disagreement. It
// returns how many byte pieces it loosened.
func looseBytePieces(got []Token, ref *refEncoding) int {
	n := 0
	for k := 0; k < len(ref.Tokens); {
		if !bytePiece.MatchString(ref.Tokens[k]) {
			k++
			continue
		}
		j := k
		for j < len(ref.Tokens) && bytePiece.MatchString(ref.Tokens[j]) && ref.Offsets[j][0] == ref.Offsets[j][1] && ref.Offsets[j][0] == ref.Offsets[k][0] {
			j++
		}
		if j == len(ref.Tokens) || !bytePiece.MatchString(ref.Tokens[j]) {
			k = j + 1
			continue
		}
		start, end := ref.Offsets[j][0], ref.Offsets[j][1] // the stretch
		for i := k; i <= j && i < len(got); i++ {
			if got[i].Start >= start && got[i].End <= end && got[i].Start <= got[i].End {
				ref.Offsets[i] = [2]int{got[i].Start, got[i].End}
				n++
			}
		}
		k = j + 1
	}
	return n
}

// TestSentencePieceAgreesWithSentencePiece: unigram and BPE models, with
// and without byte fallback, trained by SentencePiece on the agreement
// corpus (nmt_nfkc normalisation, the defaults), encode the corpus as
// python3-sentencepiece does: same pieces, ids and byte offsets.
func TestSentencePieceAgreesWithSentencePiece(t *testing.T) {
	texts := agreementCorpus(t)
	for _, c := range []struct {
		typ      string
		fallback bool
	}{{"unigram", false}, {"bpe", false}, {"unigram", true}, {"bpe", true}} {
		name := c.typ
		if c.fallback {
			name += "-byte-fallback"
		}
		t.Run(name, func(t *testing.T) {
			model := spmModel(t, c.typ, 2000, c.fallback)
			tok, err := ReadSentencePiece(model, false)
			if err != nil {
				t.Fatal(err)
			}
			tok.added = nil // SentencePiece itself matches no special tokens in text
			refs := spmEncode(t, model, texts)
			loosened := 0
			unk := tok.Piece(tok.unkID)
			for i, text := range texts {
				// SentencePiece spells an unknown piece as the text it
				// covers; nerlab as the vocabulary does (<unk>).
				for k, id := range refs[i].IDs {
					if id == tok.unkID {
						refs[i].Tokens[k] = unk
					}
				}
				loosened += looseBytePieces(tok.Encode(text), &refs[i])
			}
			agree(t, "SentencePiece "+name, tok, texts, refs)
			if c.fallback {
				t.Logf("%d byte pieces: offsets of the character, SentencePiece's within the unknown stretch", loosened)
			}
		})
	}
}

func TestSentencePieceFairseqIDs(t *testing.T) {
	model := spmModel(t, "bpe", 2000, false)
	plain, err := ReadSentencePiece(model, false)
	if err != nil {
		t.Fatal(err)
	}
	x, err := ReadSentencePiece(model, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := x.VocabSize(), plain.VocabSize()+2; got != want {
		t.Errorf("fairseq vocabulary %d, want %d", got, want)
	}
	if s := x.Specials(); s != (Specials{CLS: 0, PAD: 1, SEP: 2, UNK: 3, MASK: plain.VocabSize() + 1}) {
		t.Errorf("fairseq specials %+v", s)
	}
	text := "Zürich ☃☃ <mask> x"
	b := x.Encode(text)
	masks := 0
	for _, tk := range b {
		if tk.Piece == "<mask>" {
			masks++
			if tk.ID != plain.VocabSize()+1 || text[tk.Start:tk.End] != "<mask>" {
				t.Errorf("mask %+v", tk)
			}
			continue
		}
		want := tk.ID - 1
		if tk.ID == 3 {
			want = plain.unkID
		}
		if plain.Piece(want) != tk.Piece && tk.ID != 3 {
			t.Errorf("fairseq id %d is %q, SentencePiece id %d is %q", tk.ID, tk.Piece, want, plain.Piece(want))
		}
		if id, ok := x.ID(tk.Piece); !ok || (id != tk.ID && tk.ID != 3) {
			t.Errorf("ID(%q) = %d, %v; Encode gave %d", tk.Piece, id, ok, tk.ID)
		}
	}
	if masks != 1 {
		t.Errorf("%q: %d <mask> pieces, want 1: %v", text, masks, b)
	}
	dir := t.TempDir()
	if err := x.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Encode(text); !reflect.DeepEqual(got, b) {
		t.Errorf("saved and loaded back: %v, want %v", got, b)
	}
}
