package embed

import (
	"runtime"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
)

var charCounts = map[string]int{"Paris": 3, "is": 10, "nice": 2, ".": 8, "a": 5}

func TestBuildCharVocabByFrequency(t *testing.T) {
	v := BuildCharVocab(charCounts)
	// Weighted counts: i 3+10+2=15, s 3+10=13, . 8, a 3+5=8, P r 3, c e n 2.
	want := "<pad> <unk> i s . a P r c e n"
	if got := strings.Join(v.Words(), " "); got != want {
		t.Fatalf("alphabet %q, want %q", got, want)
	}
}

func TestCharEncoders(t *testing.T) {
	for _, tc := range []struct {
		encoder            string
		charDim, hidden, k int
		wantDim            int
	}{
		{CharLSTM, 6, 4, 0, 8},
		{CharCNN, 6, 7, 3, 7},
		{CharCNN, 5, 4, 4, 4}, // an even kernel: one more position than characters
	} {
		t.Run(tc.encoder, func(t *testing.T) {
			vs := newStore(21)
			c, err := NewChar(vs.Root().Sub("char"), BuildCharVocab(charCounts), tc.encoder, tc.charDim, tc.hidden, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if c.Dim() != tc.wantDim {
				t.Fatalf("Dim %d, want %d", c.Dim(), tc.wantDim)
			}
			d := c.Dim()
			batch := [][]string{{"Paris", "is", "nice", "."}, {"Paris"}, {"a", "antidisestablishmentarianism", "is"}, {"Zürich", ""}}
			out := c.Forward(batch, true)
			defer out.MustDrop()
			shapeIs(t, out, 4, 4, int64(d))
			got := values(t, out)
			at := func(b, pos int) []float32 { return got[(b*4+pos)*d : (b*4+pos+1)*d] }
			if maxDiff(t, at(0, 0), at(1, 0)) != 0 || maxDiff(t, at(0, 1), at(2, 2)) != 0 {
				t.Error("the same word has different vectors in different places")
			}
			if maxDiff(t, at(0, 0), at(0, 1)) == 0 {
				t.Error("Paris and is have the same vector")
			}
			for _, p := range [][2]int{{1, 1}, {1, 2}, {1, 3}, {2, 3}, {3, 2}, {3, 3}} {
				if maxDiff(t, at(p[0], p[1]), make([]float32, d)) != 0 {
					t.Errorf("padding position %v is not zero", p)
				}
			}
			// Encoded in a batch without long words, a word's vector is
			// the same: padding to the longest word does not leak in.
			alone := c.Forward([][]string{{"is", "Paris"}}, true)
			defer alone.MustDrop()
			a := values(t, alone)
			if diff := maxDiff(t, a[:d], at(0, 1)); diff > 1e-6 {
				t.Errorf("is: differs by %g between batches", diff)
			}
			if diff := maxDiff(t, a[d:], at(0, 0)); diff > 1e-6 {
				t.Errorf("Paris: differs by %g between batches", diff)
			}

			// Gradients reach the character table and the encoder.
			loss := out.MustSum(gotch.Float, false)
			loss.MustBackward()
			loss.MustDrop()
			// Variables returns copies of the variables' handles: the
			// encoder (which owns the VarStore) must stay reachable while
			// they are used, or gotch's finalizers free the weights.
			defer runtime.KeepAlive(c)
			for name, v := range vs.Variables() {
				g := v.MustGrad(false)
				gv := values(t, g)
				g.MustDrop()
				if maxDiff(t, gv, make([]float32, len(gv))) == 0 {
					t.Errorf("%s has a zero gradient", name)
				}
				if name == "char.embedding" && maxDiff(t, gv[:tc.charDim], make([]float32, tc.charDim)) != 0 {
					t.Error("the <pad> character row has a gradient")
				}
			}
		})
	}
}

func TestNewCharRejectsBadSettings(t *testing.T) {
	vs := newStore(1)
	alphabet := BuildCharVocab(charCounts)
	for _, tc := range []struct {
		encoder                 string
		charDim, hidden, kernel int
		want                    string
	}{
		{"gru", 4, 4, 3, `char encoder "gru"; expected "lstm" or "cnn"`},
		{CharCNN, 4, 4, 0, "kernel width 0; expected at least 1"},
		{CharLSTM, 0, 4, 3, "char_dim 0, hidden 4; expected both at least 1"},
	} {
		_, err := NewChar(vs.Root(), alphabet, tc.encoder, tc.charDim, tc.hidden, tc.kernel)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc, err, tc.want)
		}
	}
}

func TestStackConcatenates(t *testing.T) {
	w, _, _ := wordFixture(t, true)
	vs := newStore(2)
	c, err := NewChar(vs.Root(), BuildCharVocab(charCounts), CharCNN, 3, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStack(gotch.CPU, w, c)
	if s.Dim() != 5 {
		t.Fatalf("Dim %d, want 5", s.Dim())
	}
	batch := [][]string{{"the", "is"}, {"Paris"}}
	out := s.Forward(batch, false)
	defer out.MustDrop()
	shapeIs(t, out, 2, 2, 5)
	wo, co := w.Forward(batch, false), c.Forward(batch, false)
	defer wo.MustDrop()
	defer co.MustDrop()
	got, wv, cv := values(t, out), values(t, wo), values(t, co)
	for pos := 0; pos < 4; pos++ {
		if maxDiff(t, got[pos*5:pos*5+3], wv[pos*3:pos*3+3]) != 0 || maxDiff(t, got[pos*5+3:pos*5+5], cv[pos*2:pos*2+2]) != 0 {
			t.Errorf("position %d is not word ⊕ char", pos)
		}
	}
}

// TestCharEncoderCapsLongTokens: a 5 MB token once took 285 s and 6 GB to
// tag. The encoder reads a token's first and last MaxTokenChars/2
// characters, so a huge token costs what a short one does, and encodes as
// its head and tail would.
func TestCharEncoderCapsLongTokens(t *testing.T) {
	if got := string(readChars("ab")); got != "ab" {
		t.Errorf("short token read as %q", got)
	}
	long := strings.Repeat("é", 40) + strings.Repeat("x", 5<<20) + strings.Repeat("ü", 40)
	head, tail := strings.Repeat("é", MaxTokenChars/2), strings.Repeat("ü", MaxTokenChars/2)
	if got := string(readChars(long)); got != head+tail {
		t.Fatalf("a long token read as %d characters %q…", len([]rune(got)), string([]rune(got)[:8]))
	}
	for _, enc := range []string{CharLSTM, CharCNN} {
		vs := newStore(3)
		c, err := NewChar(vs.Root().Sub("char"), BuildCharVocab(map[string]int{"é": 1, "ü": 1, "x": 1}), enc, 4, 4, 3)
		if err != nil {
			t.Fatal(err)
		}
		a := c.Forward([][]string{{long}}, false)
		b := c.Forward([][]string{{head + tail}}, false)
		if d := maxDiff(t, values(t, a), values(t, b)); d != 0 {
			t.Errorf("%s: the long token encodes unlike its head and tail (max diff %g)", enc, d)
		}
		a.MustDrop()
		b.MustDrop()
	}
}
