package bertscore

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/retrieve"
)

// testVocab is a WordPiece vocabulary of lower-case ASCII pieces.
var testVocab = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!",
	"the", "a", "cat", "dog", "sat", "on", "mat", "ran", "in", "park", "bird", "flew", "over", "house",
	"walk", "talk", "##s", "##ed", "##ing", "##er", "old", "red"}

// TestScoresMatchPyTorch: P, R and F1 of every candidate, at two layers,
// plain and IDF-weighted, agree within 1e-5 with bench/pytorch/bert.py
// bertscore (the plain PyTorch BERT, its own WordPiece, each text encoded
// alone), and they rank the candidates in the same order. nerlab encodes
// the candidates in padded batches of 2, so padding and batching must not
// change a score; one candidate is longer than the position table and is
// cut as on the Python side; one has a word the vocabulary cannot spell.
func TestScoresMatchPyTorch(t *testing.T) {
	runtime.LockOSThread() // libtorch's grad mode is per thread
	defer runtime.UnlockOSThread()
	python := shareddata.PythonTorch(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(testVocab, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reference := "The cat sat on the mat."
	candidates := []string{
		"a dog ran in the park .",
		"the cats sat on a mat!",
		"birds flew over the old red house, walking",
		"the cat sat on the mat .",
		"zebras talked",
		strings.Repeat("the old dog walked in the park . ", 6), // 48 pieces: cut at 30
		"a",
	}
	layers := []int{-1, 1}
	input, _ := json.Marshal(map[string]any{"reference": reference, "candidates": candidates, "layers": layers})
	if err := os.WriteFile(filepath.Join(dir, "bertscore_input.json"), input, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(python, "../../../bench/pytorch/bert.py", "bertscore", dir).CombinedOutput(); err != nil {
		t.Fatalf("bert.py bertscore: %v\n%s", err, out)
	}
	var ref struct {
		Pieces [][]int
		Layers map[string][]map[string][3]float64
	}
	data, err := os.ReadFile(filepath.Join(dir, "bertscore.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	for _, layer := range layers {
		for _, weighting := range []string{"plain", "idf"} {
			s, err := Load(dir, Options{Layer: layer, Batch: 2})
			if err != nil {
				t.Fatal(err)
			}
			if weighting == "idf" {
				s.idf = IDFWeights(s.tok, candidates)
			}
			for i, text := range append([]string{reference}, candidates...) {
				if got := s.pieces(text); !slices.Equal(got, ref.Pieces[i]) {
					t.Fatalf("%q: pieces %v, Python's WordPiece %v", text, got, ref.Pieces[i])
				}
			}
			got, err := s.Scores(reference, candidates)
			if err != nil {
				t.Fatal(err)
			}
			want := ref.Layers[strconv.Itoa(layer)]
			worst := 0.0
			for i, g := range got {
				w := want[i][weighting]
				for k, v := range []float64{g.P, g.R, g.F1} {
					worst = math.Max(worst, math.Abs(v-w[k]))
				}
			}
			if worst > 1e-5 {
				t.Errorf("layer %d, %s: largest difference from PyTorch %.3g; want ≤ 1e-5\nnerlab %v\nPyTorch %v", layer, weighting, worst, got, want)
			}
			order := func(f func(i int) float64) []int {
				o := []int{0, 1, 2, 3, 4, 5, 6}
				sort.SliceStable(o, func(a, b int) bool { return f(o[a]) > f(o[b]) })
				return o
			}
			if g, w := order(func(i int) float64 { return got[i].F1 }), order(func(i int) float64 { return want[i][weighting][2] }); !slices.Equal(g, w) {
				t.Errorf("layer %d, %s: order %v, PyTorch's %v", layer, weighting, g, w)
			}
			if got[3].F1 < 0.999 {
				t.Errorf("layer %d, %s: the reference itself scores %v", layer, weighting, got[3])
			}
			t.Logf("layer %d, %s: largest difference from PyTorch %.2g; F1 %.4f", layer, weighting, worst, []float64{got[0].F1, got[1].F1, got[2].F1, got[3].F1, got[4].F1, got[5].F1, got[6].F1})
			// The retrieve.Scorer face: the query as tokens, passages as hits.
			hits := make([]retrieve.Hit, len(candidates))
			for i, c := range candidates {
				hits[i].Text = c
			}
			f, err := s.ScoreAll(strings.Fields("The cat sat on the mat ."), hits)
			if err != nil {
				t.Fatal(err)
			}
			for i := range f {
				if math.Abs(f[i]-got[i].F1) > 1e-6 {
					t.Errorf("ScoreAll %d: %g; Scores %g", i, f[i], got[i].F1)
				}
			}
			if one := s.Score(strings.Fields("The cat sat on the mat ."), hits[2]); math.Abs(one-got[2].F1) > 1e-5 {
				t.Errorf("Score alone %g; in a batch %g", one, got[2].F1)
			}
			s.Close()
		}
	}
}

// TestMatchByHand: vectors at known angles, so the cosines are known: the
// reference's two tokens best match the candidate's at 1 and at cos 60°;
// the candidate's three best match at 1, cos 60°, and 0 (orthogonal to both
// reference tokens; its best is the larger of 0 and −1).
func TestMatchByHand(t *testing.T) {
	deg := func(a float64) []float32 {
		return []float32{float32(math.Cos(a * math.Pi / 180)), float32(math.Sin(a * math.Pi / 180)), 0}
	}
	ref := [][]float32{deg(0), deg(120)}
	cand := [][]float32{{3, 0, 0}, deg(60), {0, 0, -2}}
	got := Match(ref, cand, nil, nil)
	wantR := (1 + 0.5) / 2.0
	wantP := (1 + 0.5 + 0) / 3.0
	if math.Abs(got.R-wantR) > 1e-6 || math.Abs(got.P-wantP) > 1e-6 || math.Abs(got.F1-2*wantP*wantR/(wantP+wantR)) > 1e-6 {
		t.Errorf("got %+v; want P %g R %g", got, wantP, wantR)
	}
	weighted := Match(ref, cand, []float64{1, 3}, []float64{0, 0, 1})
	if math.Abs(weighted.R-(1+3*0.5)/4) > 1e-6 || math.Abs(weighted.P) > 1e-6 || weighted.F1 != 0 {
		t.Errorf("weighted: %+v; want P 0, R %g, F1 0", weighted, (1+3*0.5)/4)
	}
	if z := Match(nil, cand, nil, nil); z != (PRF{}) {
		t.Errorf("empty reference: %+v", z)
	}
}

// TestMatchBruteForce: on random vectors and weights, Match equals a
// direct computation: every pair's cosine from its definition, each
// token's best the maximum of its sorted similarities.
func TestMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vecs := func(n, d int) [][]float32 {
		out := make([][]float32, n)
		for i := range out {
			out[i] = make([]float32, d)
			for j := range out[i] {
				out[i][j] = float32(rng.NormFloat64())
			}
		}
		return out
	}
	cos := func(a, b []float32) float64 {
		var ab, aa, bb float64
		for i := range a {
			ab += float64(a[i]) * float64(b[i])
			aa += float64(a[i]) * float64(a[i])
			bb += float64(b[i]) * float64(b[i])
		}
		return ab / math.Sqrt(aa*bb)
	}
	for trial := range 200 {
		d := 1 + rng.IntN(8)
		ref, cand := vecs(1+rng.IntN(6), d), vecs(1+rng.IntN(6), d)
		var wr, wc []float64
		if trial%2 == 1 {
			for range ref {
				wr = append(wr, rng.Float64())
			}
			for range cand {
				wc = append(wc, rng.Float64())
			}
		}
		best := func(a, b [][]float32, w []float64) float64 {
			var sum, total float64
			for i, x := range a {
				var sims []float64
				for _, y := range b {
					sims = append(sims, cos(x, y))
				}
				sort.Float64s(sims)
				wi := 1.0
				if w != nil {
					wi = w[i]
				}
				sum += wi * sims[len(sims)-1]
				total += wi
			}
			return sum / total
		}
		r, p := best(ref, cand, wr), best(cand, ref, wc)
		got := Match(ref, cand, wr, wc)
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		if math.Abs(got.P-p) > 1e-9 || math.Abs(got.R-r) > 1e-9 || math.Abs(got.F1-f) > 1e-9 {
			t.Fatalf("trial %d: got %+v; brute force P %g R %g F1 %g", trial, got, p, r, f)
		}
	}
}

// TestLoadErrors: a layer the encoder lacks, or a vocabulary larger than
// the encoder's, is a one-line error naming the folder.
func TestLoadErrors(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	python := shareddata.PythonTorch(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(testVocab, "\n")+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bertscore_input.json"), []byte(`{"reference": "a", "candidates": ["a"], "layers": [-1]}`), 0o644)
	if out, err := exec.Command(python, "../../../bench/pytorch/bert.py", "bertscore", dir).CombinedOutput(); err != nil {
		t.Fatalf("bert.py bertscore: %v\n%s", err, out)
	}
	if _, err := Load(dir, Options{Layer: 3}); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "layer 3") {
		t.Errorf("layer 3 of 2: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "vocab.txt"), []byte(strings.Join(append(testVocab, "zebra"), "\n")+"\n"), 0o644)
	if _, err := Load(dir, Options{}); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "vocab_size") {
		t.Errorf("a larger vocabulary: %v", err)
	}
}
