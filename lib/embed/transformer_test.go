package embed_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/corpus"
	. "github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/embed/berttest"
	"github.com/nerlab/nerlab/lib/torch"
)

// writeTinyBert writes berttest's tiny model into dir.
func writeTinyBert(t *testing.T, dir, modelType string) {
	t.Helper()
	if _, err := berttest.Write(dir, modelType, 3); err != nil {
		t.Fatal(err)
	}
}

func TestPlanWindows(t *testing.T) {
	for _, tc := range []struct {
		n, size, stride int
		want            [][2]int
	}{
		{0, 4, 2, [][2]int{{0, 0}}},
		{3, 4, 2, [][2]int{{0, 3}}},
		{4, 4, 2, [][2]int{{0, 4}}},
		{5, 4, 2, [][2]int{{0, 4}, {1, 5}}},
		{10, 4, 2, [][2]int{{0, 4}, {2, 6}, {4, 8}, {6, 10}}},
		{11, 4, 2, [][2]int{{0, 4}, {2, 6}, {4, 8}, {6, 10}, {7, 11}}},
		{10, 4, 0, [][2]int{{0, 4}, {4, 8}, {6, 10}}},
		{1000, 510, 255, [][2]int{{0, 510}, {255, 765}, {490, 1000}}},
	} {
		windows, from := PlanWindows(tc.n, tc.size, tc.stride)
		if !slices.Equal(windows, tc.want) {
			t.Errorf("planWindows(%d, %d, %d) = %v; want %v", tc.n, tc.size, tc.stride, windows, tc.want)
		}
		// Brute force: each piece is read from a window holding it, and no
		// window holds it farther from both edges.
		for j, w := range from {
			s := windows[w]
			if j < s[0] || j >= s[1] {
				t.Fatalf("n=%d: piece %d read from window %v", tc.n, j, s)
			}
			margin := min(j-s[0], s[1]-1-j)
			for _, o := range windows {
				if j >= o[0] && j < o[1] && min(j-o[0], o[1]-1-j) > margin {
					t.Errorf("n=%d: piece %d read from %v; %v has it more central", tc.n, j, s, o)
				}
			}
		}
	}
}

// newTinyTransformer loads the tiny model of dir as a tagger would.
func newTinyTransformer(t *testing.T, dir string, cfg TransformerConfig) *Transformer {
	t.Helper()
	if err := cfg.From(dir); err != nil {
		t.Fatal(err)
	}
	vs := nn.NewVarStore(gotch.CPU)
	e, err := cfg.New(vs.Root().Sub(TransformerKind))
	if err != nil {
		t.Fatal(err)
	}
	return e.(*Transformer)
}

// TestTransformerPoolsEachSentence: a padded batch of sentences of mixed
// lengths, one with a context after <EOS> and one long enough to need
// windows, gives each word the vector a brute-force computation makes
// from one sentence (one window) at a time: the encoder run on
// [CLS] pieces [SEP] alone, the piece read from its most central window,
// the chosen layers combined and the pieces pooled by hand.
func TestTransformerPoolsEachSentence(t *testing.T) {
	dir := t.TempDir()
	writeTinyBert(t, dir, "bert")
	batch := [][]string{
		{"John", "Smith", "went", "to", "Paris", "."},
		{"walking", "talked"},
		{"the", "river", corpus.EOS, "london", "is", "a", "city", "of", "rivers"},
		strings.Fields("the city of london and the river of paris walked to john smith , running and talking in the walker city ."),
	}
	for _, cfg := range []TransformerConfig{
		{Pooling: "first"},
		{Pooling: "last", Layers: []int{-1, 1}},
		{Pooling: "mean", Layers: []int{-1, -2, 0}, LayerMean: true},
		{Pooling: "first_last", Layers: []int{2}},
		{Pooling: "mean", MaxLength: 12, Stride: 3},
	} {
		name := fmt.Sprintf("%s-%v-mean%v-max%d", cfg.Pooling, cfg.Layers, cfg.LayerMean, cfg.MaxLength)
		t.Run(name, func(t *testing.T) {
			tr := newTinyTransformer(t, dir, cfg)
			var got *ts.Tensor
			torch.NoGrad(func() { got = tr.Forward(batch, false) })
			defer got.MustDrop()
			size := got.MustSize()
			T := len(batch[3])
			if size[0] != int64(len(batch)) || size[1] != int64(T) || size[2] != int64(tr.Dim()) {
				t.Fatalf("shape %v; want [%d %d %d]", size, len(batch), T, tr.Dim())
			}
			vals, _ := torch.Float32s(got)
			D := tr.Dim()
			worst := 0.0
			for i, words := range batch {
				want := bruteForceWords(t, tr, words)
				for w := range T {
					for d := range D {
						v := float64(vals[(i*T+w)*D+d])
						ref := 0.0
						if w < len(words) {
							ref = want[w][d]
						}
						worst = math.Max(worst, math.Abs(v-ref))
					}
				}
			}
			if worst > 1e-5 {
				t.Errorf("largest difference from the one-at-a-time computation %.3g; want ≤ 1e-5", worst)
			}
		})
	}
}

// bruteForceWords computes each word's vector for one sentence without
// batching, padding, index tensors or the window planner.
func bruteForceWords(t *testing.T, tr *Transformer, words []string) [][]float64 {
	c := tr.Config()
	var layers []int
	for _, l := range c.Layers {
		if l < 0 {
			l += c.Config.NumHiddenLayers + 1
		}
		layers = append(layers, l)
	}
	ids, wordOf := tr.Pieces(words)
	size := c.MaxLength - 2
	// Windows as the documentation describes them.
	var starts []int
	if len(ids) <= size {
		starts = []int{0}
	} else {
		for s := 0; ; s += size - c.Stride {
			if s+size >= len(ids) {
				starts = append(starts, len(ids)-size)
				break
			}
			starts = append(starts, s)
		}
	}
	H := int(c.Config.HiddenSize)
	pieceStates := make([][]float64, len(ids))
	bestMargin := make([]int, len(ids))
	for i := range bestMargin {
		bestMargin[i] = -1
	}
	for _, s := range starts {
		end := min(s+size, len(ids))
		row := []int64{int64(tr.Tokenizer().Specials().CLS)}
		for _, id := range ids[s:end] {
			row = append(row, int64(id))
		}
		row = append(row, int64(tr.Tokenizer().Specials().SEP))
		in := torch.MustFromInt64s(row, []int64{1, int64(len(row))}, gotch.CPU)
		mask := ts.MustOnes([]int64{1, int64(len(row))}, gotch.Int64, gotch.CPU)
		var states []*ts.Tensor
		torch.NoGrad(func() { states = tr.Bert().HiddenStates(in, mask, nil, false, func(int) bool { return true }) })
		layerVals := make([][]float32, len(states))
		for l, st := range states {
			layerVals[l], _ = torch.Float32s(st)
		}
		for j := s; j < end; j++ {
			margin := min(j-s, end-1-j)
			if margin <= bestMargin[j] {
				continue
			}
			bestMargin[j] = margin
			pos := 1 + j - s
			var v []float64
			if c.LayerMean {
				v = make([]float64, H)
				for _, l := range layers {
					for d := range H {
						v[d] += float64(layerVals[l][pos*H+d]) / float64(len(layers))
					}
				}
			} else {
				for _, l := range layers {
					for d := range H {
						v = append(v, float64(layerVals[l][pos*H+d]))
					}
				}
			}
			pieceStates[j] = v
		}
	}
	out := make([][]float64, len(words))
	for w := range words {
		var mine []int
		for j, o := range wordOf {
			if o == w {
				mine = append(mine, j)
			}
		}
		if len(mine) == 0 {
			t.Fatalf("word %d (%q) has no pieces", w, words[w])
		}
		first, last := pieceStates[mine[0]], pieceStates[mine[len(mine)-1]]
		switch c.Pooling {
		case "first":
			out[w] = first
		case "last":
			out[w] = last
		case "first_last":
			out[w] = append(slices.Clone(first), last...)
		case "mean":
			out[w] = make([]float64, len(first))
			for _, j := range mine {
				for d, x := range pieceStates[j] {
					out[w][d] += x / float64(len(mine))
				}
			}
		}
	}
	return out
}

// TestTransformerPieces: words split into WordPiece pieces, each mapped to
// its word; <EOS> becomes [SEP].
func TestTransformerPieces(t *testing.T) {
	dir := t.TempDir()
	writeTinyBert(t, dir, "bert")
	tr := newTinyTransformer(t, dir, TransformerConfig{})
	ids, wordOf := tr.Pieces([]string{"Walking", "paris", corpus.EOS, "xq"})
	var pieces []string
	for _, id := range ids {
		pieces = append(pieces, tr.Tokenizer().Piece(id))
	}
	if want := []string{"walk", "##ing", "paris", "[SEP]", "x", "##q"}; !slices.Equal(pieces, want) {
		t.Errorf("pieces %q; want %q", pieces, want)
	}
	if want := []int{0, 0, 1, 2, 3, 3}; !slices.Equal(wordOf, want) {
		t.Errorf("wordOf %v; want %v", wordOf, want)
	}
}

// TestTransformerFrozenOrFineTuned: a frozen encoder has no trainable
// weights and no gradient path; a fine-tuned one gets gradients through
// the pooling into every layer it reads.
func TestTransformerFrozenOrFineTuned(t *testing.T) {
	dir := t.TempDir()
	writeTinyBert(t, dir, "bert")
	batch := [][]string{{"john", "walked"}, {"the", "city", "of", "paris"}}
	for _, fine := range []bool{false, true} {
		cfg := TransformerConfig{FineTune: fine, Pooling: "mean"}
		if err := cfg.From(dir); err != nil {
			t.Fatal(err)
		}
		vs := nn.NewVarStore(gotch.CPU)
		e, err := cfg.New(vs.Root().Sub(TransformerKind))
		if err != nil {
			t.Fatal(err)
		}
		trainable := len(vs.TrainableVariables())
		out := e.Forward(batch, true)
		if !fine {
			if trainable != 0 || out.MustRequiresGrad() {
				t.Errorf("frozen: %d trainable tensors, output requires grad %v; want none", trainable, out.MustRequiresGrad())
			}
			continue
		}
		if trainable != len(vs.Variables()) {
			t.Errorf("fine-tuned: %d of %d tensors trainable", trainable, len(vs.Variables()))
		}
		loss := out.MustSum(gotch.Float, true)
		loss.MustBackward()
		g := vs.Variables()["transformer.encoder.layer.0.attention.self.query.weight"]
		grad := g.MustGrad(false)
		if n := grad.MustAbs(false).MustSum(gotch.Float, true).Float64Values()[0]; n == 0 {
			t.Errorf("no gradient reaches layer 0")
		}
	}
}

// TestTransformerConfigErrors: options that do not fit the model are
// errors naming the folder.
func TestTransformerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeTinyBert(t, dir, "bert")
	for _, tc := range []struct {
		cfg  TransformerConfig
		want string
	}{
		{TransformerConfig{Layers: []int{4}}, "layer 4; a model of 3 layers has hidden states 0 to 3"},
		{TransformerConfig{Layers: []int{-4}}, "layer -4"},
		{TransformerConfig{Pooling: "max"}, `pooling "max"; expected one of first, last, mean, first_last`},
		{TransformerConfig{MaxLength: 65}, "max_length 65; the model reads 3 to 64 pieces at once"},
		{TransformerConfig{MaxLength: 10, Stride: 5}, "stride 5; windows of 8 pieces can share 1 to 4 (0 means half a window)"},
	} {
		err := tc.cfg.From(dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%+v: %v; want an error naming %s with %q", tc.cfg, err, dir, tc.want)
		}
	}
	empty := t.TempDir()
	if err := (&TransformerConfig{}).From(empty); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("a folder without config.json: %v", err)
	}
	os.Remove(filepath.Join(dir, "vocab.txt"))
	if err := (&TransformerConfig{}).From(dir); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Errorf("a folder without a tokenizer: %v", err)
	}
}
