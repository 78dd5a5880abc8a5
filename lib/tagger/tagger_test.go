package tagger

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
)

// sampleCorpus reads the project's bundled sample (written by
// data/samplegen, no external data needed).
func sampleCorpus(t testing.TB) *corpus.Corpus {
	t.Helper()
	c, err := corpus.ReadFile("../../data/sample/sample.conll", corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flairRecipe is flair's BiLSTM-CRF (word 100 + char BiLSTM 25, BiLSTM
// 256, CRF), the structure nerlab's default experiment builds.
func flairRecipe() Config {
	return Config{
		TagScheme: "bioes",
		Model: Layers{UseRNN: true, HiddenSize: 256, RNNLayers: 1, UseCRF: true, Constraints: true,
			WordDropout: 0.05, LockedDropout: 0.5},
		Embeddings: []embed.Spec{
			{Config: &embed.WordConfig{Dim: 100, MinCount: 1, LowercaseFallback: true}},
			{Config: &embed.CharConfig{Encoder: embed.CharLSTM, Dim: 25, Hidden: 25, Kernel: 3}},
		},
	}
}

// smallConfig is flairRecipe with small sizes.
func smallConfig() Config {
	cfg := flairRecipe()
	cfg.Model.HiddenSize = 16
	cfg.Embeddings = []embed.Spec{
		{Config: &embed.WordConfig{Dim: 16, MinCount: 1, LowercaseFallback: true}},
		{Config: &embed.CharConfig{Encoder: embed.CharLSTM, Dim: 8, Hidden: 8, Kernel: 3}},
	}
	return cfg
}

func build(t testing.TB, cfg Config, c *corpus.Corpus) *Tagger {
	t.Helper()
	torch.Seed(1)
	tg, _, err := Build(cfg, []*corpus.Corpus{c}, nil, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// train runs a few plain SGD epochs and returns the mean loss of the first
// and the last epoch.
func train(t *testing.T, tg *Tagger, examples []*Example, epochs int) (first, last float64) {
	t.Helper()
	opt, err := nn.DefaultSGDConfig().Build(tg.VS, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	for ep := 0; ep < epochs; ep++ {
		var sum float64
		var n int
		for s := 0; s < len(examples); s += 16 {
			batch := examples[s:min(s+16, len(examples))]
			out, err := tg.Forward(batch, true)
			if err != nil {
				t.Fatal(err)
			}
			loss, err := tg.Loss(out, batch)
			if err != nil {
				t.Fatal(err)
			}
			opt.ZeroGrad()
			loss.MustBackward()
			opt.Step()
			sum += loss.Float64Values()[0]
			n++
			loss.MustDrop()
			out.Drop()
		}
		if ep == 0 {
			first = sum / float64(n)
		}
		last = sum / float64(n)
	}
	return first, last
}

// TestTaggerLearnsSample: plain SGD at 0.1 on 200 sample sentences brings
// the training accuracy to 85% or more, with gotch's start of the output
// layer in 6 epochs and with torch.nn.Linear's, which learns more slowly
// (BENCHMARKS.md, "how the output layer starts"), in 15. -v logs the
// accuracies.
func TestTaggerLearnsSample(t *testing.T) {
	c := sampleCorpus(t)
	for _, tc := range []struct {
		useCRF bool
		init   string
		epochs int
	}{{true, "", 6}, {false, "", 6}, {true, "torch", 15}, {false, "torch", 15}} {
		useCRF := tc.useCRF
		cfg := smallConfig()
		cfg.Model.UseCRF, cfg.Model.LinearInit = useCRF, tc.init
		tg := build(t, cfg, c)
		examples, err := tg.Examples(c)
		if err != nil {
			t.Fatal(err)
		}
		first, last := train(t, tg, examples[:200], tc.epochs)
		if !(last < first*0.6) {
			t.Errorf("crf=%v linear_init=%q: loss %v → %v, expected it to fall by 40%%", useCRF, tc.init, first, last)
		}
		preds, err := tg.Predict(examples[:200], 32, nil)
		if err != nil {
			t.Fatal(err)
		}
		correct, total := 0, 0
		for i, p := range preds {
			for j, tag := range p.Tags {
				if tg.Tag(examples[i].Gold[j]) == tag {
					correct++
				}
				total++
			}
			for _, e := range p.Entities {
				if e.Confidence < 0 || e.Confidence > 1 || e.End <= e.Start || e.Text == "" {
					t.Errorf("bad entity %+v", e)
				}
			}
			for _, q := range p.Probs {
				if q < 0 || q > 1+1e-9 {
					t.Errorf("token probability %v", q)
				}
			}
		}
		acc := float64(correct) / float64(total)
		t.Logf("crf=%v linear_init=%q: loss %.3f → %.3f, training accuracy %.3f after %d epochs", useCRF, tc.init, first, last, acc, tc.epochs)
		if acc < 0.85 {
			t.Errorf("crf=%v linear_init=%q: training accuracy %.3f after %d epochs, expected ≥ 0.85", useCRF, tc.init, acc, tc.epochs)
		}
		if useCRF {
			for _, p := range preds {
				if problems := corpus.Validate(p.Tags, corpus.BIOES); len(problems) > 0 {
					t.Fatalf("constrained CRF predicted invalid BIOES %v: %v", p.Tags, problems)
				}
			}
		}
	}
}

// TestContextTokensAreNotScored: X-tagged context changes the
// representations (it passes through the BiLSTM) but the CRF sees only the
// sentence's positions: the loss of a view equals the loss computed from
// the kept rows of the full emissions.
func TestContextTokensAreNotScored(t *testing.T) {
	c := sampleCorpus(t)
	tg := build(t, smallConfig(), c)
	examples, err := tg.Examples(c)
	if err != nil {
		t.Fatal(err)
	}
	plain := examples[0]
	ctxTokens := append(append(append([]string(nil), plain.Tokens...), corpus.EOS), "the", "context", "words")
	ctxTags := make([]string, len(ctxTokens))
	for j := range ctxTags {
		ctxTags[j] = corpus.ContextType
		if j < len(plain.Tokens) {
			ctxTags[j] = tg.Tag(plain.Gold[j])
		}
	}
	view, keptTags := exampleOf(ctxTokens, ctxTags)
	if len(view.Keep) != len(plain.Tokens) || len(keptTags) != len(plain.Tokens) {
		t.Fatalf("view keeps %d positions, want the %d sentence tokens", len(view.Keep), len(plain.Tokens))
	}
	view.Gold = plain.Gold
	// Context in the middle too: X tokens anywhere are skipped.
	mid := &Example{Tokens: []string{"a", "X1", "b", "c"}, Keep: []int{0, 2, 3}, Gold: []int{0, 0, 0}}

	torch.NoGrad(func() {
		outPlain, err := tg.Forward([]*Example{plain}, false)
		if err != nil {
			t.Fatal(err)
		}
		outView, err := tg.Forward([]*Example{view, mid}, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := outView.Lengths; got[0] != len(plain.Tokens) || got[1] != 3 {
			t.Errorf("kept lengths %v", got)
		}
		size := outView.Emissions.MustSize()
		if int(size[1]) != len(plain.Tokens) {
			t.Errorf("compacted emissions have %d positions, want %d", size[1], len(plain.Tokens))
		}
		full, _ := torch.Float32s(outPlain.Emissions)
		withCtx, _ := torch.Float32s(outView.Emissions)
		// The BiLSTM's backward direction sees the context, so the
		// sentence's emissions differ from the plain view's.
		diff := 0.0
		for i := range full {
			diff = math.Max(diff, math.Abs(float64(full[i]-withCtx[i])))
		}
		if diff == 0 {
			t.Error("context did not change the sentence's emissions; it should pass through the encoder")
		}
		// The middle example's compacted rows are rows 0, 2, 3 of its
		// uncompacted forward.
		alone, _ := tg.Forward([]*Example{{Tokens: mid.Tokens}}, false)
		a, _ := torch.Float32s(alone.Emissions)
		n := tg.NumTags()
		T := int(size[1])
		for j, pos := range mid.Keep {
			for k := 0; k < n; k++ {
				if got, want := withCtx[(T+j)*n+k], a[pos*n+k]; math.Abs(float64(got-want)) > 1e-5 {
					t.Fatalf("compacted row %d tag %d = %v, want row %d's %v", j, k, got, pos, want)
				}
			}
		}
		// Padding rows of the compacted batch are zero.
		for j := 3; j < T; j++ {
			for k := 0; k < n; k++ {
				if withCtx[(T+j)*n+k] != 0 {
					t.Fatalf("padding row %d not zero", j)
				}
			}
		}
		// SentenceFeatures picks the same rows of the features.
		feats, err := tg.SentenceFeatures(outView, []*Example{view, mid})
		if err != nil {
			t.Fatal(err)
		}
		fs, all := feats.MustSize(), outView.Features.MustSize()
		if fs[0] != 2 || int(fs[1]) != T || fs[2] != all[2] {
			t.Fatalf("sentence features %v, features %v", fs, all)
		}
		fv, _ := torch.Float32s(feats)
		av, _ := torch.Float32s(outView.Features)
		D, Tall := int(all[2]), int(all[1])
		for j, pos := range mid.Keep {
			for d := 0; d < D; d++ {
				if got, want := fv[(T+j)*D+d], av[(Tall+pos)*D+d]; got != want {
					t.Fatalf("sentence feature row %d = %v, want row %d's %v", j, got, pos, want)
				}
			}
		}
		feats.MustDrop()
		preds, err := tg.Predict([]*Example{view}, 8, nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(preds[0].Tokens, " ") != strings.Join(plain.Tokens, " ") {
			t.Errorf("prediction covers %v, want only the sentence", preds[0].Tokens)
		}
	})
}

func TestSaveLoadRoundTrip(t *testing.T) {
	c := sampleCorpus(t)
	tg := build(t, smallConfig(), c)
	examples, _ := tg.Examples(c)
	train(t, tg, examples[:64], 1)
	dir := filepath.Join(t.TempDir(), "model")
	if err := tg.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tg.Predict(examples[:50], 16, nil)
	b, _ := back.Predict(examples[:50], 16, nil)
	for i := range a {
		if strings.Join(a[i].Tags, " ") != strings.Join(b[i].Tags, " ") {
			t.Fatalf("sentence %d: %v before saving, %v after loading", i, a[i].Tags, b[i].Tags)
		}
		for j := range a[i].Probs {
			if math.Abs(a[i].Probs[j]-b[i].Probs[j]) > 1e-6 {
				t.Fatalf("probabilities differ after loading")
			}
		}
	}

	// Corrupt or mismatched files are refused with the file's name.
	weights := filepath.Join(dir, WeightsFile)
	good, _ := os.ReadFile(weights)
	os.WriteFile(weights, good[:len(good)/2], 0o644)
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), WeightsFile) {
		t.Errorf("truncated weights: %v", err)
	}
	// A flipped bit in the weights is caught by their checksums, naming
	// file and tensor.
	flipped := slices.Clone(good)
	flipped[len(flipped)-3] ^= 0x04
	os.WriteFile(weights, flipped, 0o644)
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), WeightsFile) || !strings.Contains(err.Error(), "checksum") || !strings.Contains(err.Error(), "tensor") {
		t.Errorf("a flipped bit in the weights: %v", err)
	}
	// A flipped byte in the checksums' own key must not turn the check off.
	keyAt := bytes.Index(good, []byte(torch.ChecksumKey))
	renamed := slices.Clone(good)
	renamed[keyAt] ^= 0x01
	os.WriteFile(weights, renamed, 0o644)
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), "checksums") {
		t.Errorf("the checksum key damaged: %v", err)
	}
	os.WriteFile(weights, good, 0o644)
	cfgPath := filepath.Join(dir, ConfigFile)
	cfg, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), `"hidden_size": 16`, `"hidden_size": 17`, 1)), 0o644)
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), "does not match the model") {
		t.Errorf("mismatched config: %v", err)
	}
	os.WriteFile(cfgPath, []byte(`{"format": 1, "tags": [`), 0o644)
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), ConfigFile) {
		t.Errorf("truncated config: %v", err)
	}
	os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), `"format": 2`, `"format": 9`, 1)), 0o644)
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), "format 9") {
		t.Errorf("future format: %v", err)
	}
}

// TestNonFiniteWeightsRefused: a model with NaN weights once predicted
// empty JSON lines with exit code 0; loading it is refused, naming the
// tensor.
func TestNonFiniteWeightsRefused(t *testing.T) {
	c := sampleCorpus(t)
	tg := build(t, smallConfig(), c)
	var name string
	for n, v := range tg.VS.Variables() {
		if v.DType() == gotch.Float && v.Numel() > 1 {
			name = n
			torch.NoGrad(func() { v.Fill_(ts.FloatScalar(math.NaN())) })
			break
		}
	}
	dir := filepath.Join(t.TempDir(), "model")
	if err := tg.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN in %s: %v", name, err)
	}
}

func TestExamplesRejectUnknownType(t *testing.T) {
	c := sampleCorpus(t)
	tg := build(t, smallConfig(), c)
	other, err := corpus.Parse([]byte("Zorg B-ALIEN\nlands O\n"), "other.conll", corpus.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Examples(other); err == nil || !strings.Contains(err.Error(), "other.conll:1") || !strings.Contains(err.Error(), "B-ALIEN") {
		t.Errorf("error %v, want one naming other.conll:1 and B-ALIEN", err)
	}
}

// TestResolveModelDir: a run folder resolves to its best model; when that
// is missing or incomplete the run is refused, naming the file, instead of
// its final model being used silently.
func TestResolveModelDir(t *testing.T) {
	touch := func(parts ...string) {
		t.Helper()
		p := filepath.Join(parts...)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := t.TempDir()
	touch(run, "config.yaml")
	touch(run, "best-model", ConfigFile)
	touch(run, "final-model", ConfigFile)
	if dir, err := ResolveModelDir(run); err != nil || dir != filepath.Join(run, "best-model") {
		t.Errorf("run folder: %s, %v", dir, err)
	}
	if dir, err := ResolveModelDir(filepath.Join(run, "final-model")); err != nil || dir != filepath.Join(run, "final-model") {
		t.Errorf("a model folder: %s, %v", dir, err)
	}
	os.Remove(filepath.Join(run, "best-model", ConfigFile))
	if _, err := ResolveModelDir(run); err == nil || !strings.Contains(err.Error(), filepath.Join(run, "best-model", ConfigFile)) {
		t.Errorf("best-model without model.json: %v", err)
	}
	if _, err := Load(run, gotch.CPU); err == nil || !strings.Contains(err.Error(), ConfigFile) {
		t.Errorf("Load of a run whose best model lacks model.json: %v", err)
	}
	os.RemoveAll(filepath.Join(run, "best-model"))
	if _, err := ResolveModelDir(run); err == nil || !strings.Contains(err.Error(), "best-model") {
		t.Errorf("run folder without best-model: %v", err)
	}
	// A final model copied out of its run is a model like any other.
	lone := t.TempDir()
	touch(lone, "final-model", ConfigFile)
	if dir, err := ResolveModelDir(lone); err != nil || dir != filepath.Join(lone, "final-model") {
		t.Errorf("final-model alone: %s, %v", dir, err)
	}
}

// TestLinearInit: with linear_init torch the output and reprojection
// layers start as torch.nn.Linear does (flair's tagger is made of them),
// every weight and bias within ±1/√inputs; by default (normal) their
// weights are N(0, 1), as every tagger nerlab trained before the option
// had, and a saved model leaves the default out (builds from before the
// option refuse unknown fields). An unknown way is refused before anything
// is built.
func TestLinearInit(t *testing.T) {
	for _, init := range []string{"torch", "normal", ""} {
		cfg := flairRecipe()
		cfg.Model.Reproject, cfg.Model.LinearInit = true, init
		tg := build(t, cfg, sampleCorpus(t))
		inputs := map[string]float64{"reproject": float64(tg.embed.Dim()), "out": float64(tg.rnn.OutDim())}
		vars := tg.VS.Variables()
		for _, layer := range []string{"reproject", "out"} {
			w, b := vars[layer+".weight"], vars[layer+".bias"]
			bound := 1 / math.Sqrt(inputs[layer])
			wMax := w.MustAbs(false).MustMax(true).Float64Values()[0]
			bMax := b.MustAbs(false).MustMax(true).Float64Values()[0]
			std := w.MustStd(true, false).Float64Values()[0]
			switch init {
			case "torch":
				if wMax > bound || wMax < bound/2 || bMax > bound {
					t.Errorf("torch: %s reaches %.4f (bias %.4f); torch.nn.Linear draws from ±%.4f", layer, wMax, bMax, bound)
				}
			default:
				if std < 0.9 || std > 1.1 {
					t.Errorf("normal: %s's weights have sd %.3f; expected N(0, 1)", layer, std)
				}
			}
		}
		runtime.KeepAlive(tg) // vars copies the store's handles; the tagger's finalizers free them
		dir := t.TempDir()
		if err := tg.Save(dir); err != nil {
			t.Fatal(err)
		}
		saved, err := os.ReadFile(filepath.Join(dir, ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Contains(string(saved), "linear_init"), init == "torch"; got != want {
			t.Errorf("linear_init %q: the saved model names it: %v; want %v", init, got, want)
		}
		if init == "normal" && tg.Config.Model.LinearInit != "normal" {
			t.Errorf("Save changed the tagger's own config to %q", tg.Config.Model.LinearInit)
		}
	}
	cfg := smallConfig()
	cfg.Model.LinearInit = "xavier"
	if _, _, err := Build(cfg, []*corpus.Corpus{sampleCorpus(t)}, nil, gotch.CPU); err == nil || !strings.Contains(err.Error(), `linear_init "xavier"; expected one of normal, torch`) {
		t.Errorf("linear_init xavier: %v", err)
	}
}
