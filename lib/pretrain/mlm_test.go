package pretrain

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
)

// referenceBatch is a batch for the PyTorch reference: rows of mixed
// lengths with padding, and the positions whose predictions are compared.
type referenceBatch struct {
	IDs       [][]int64 `json:"ids"`
	Mask      [][]int64 `json:"mask"`
	Positions []int64   `json:"positions"`
}

// logitsOf computes m's logits for a batch.
func logitsOf(t *testing.T, m *MaskedLM, b referenceBatch) ([]float32, []int64) {
	t.Helper()
	B, T := int64(len(b.IDs)), int64(len(b.IDs[0]))
	ids := torch.MustFromInt64s(slices.Concat(b.IDs...), []int64{B, T}, gotch.CPU)
	mask := torch.MustFromInt64s(slices.Concat(b.Mask...), []int64{B, T}, gotch.CPU)
	pos := torch.MustFromInt64s(b.Positions, []int64{int64(len(b.Positions))}, gotch.CPU)
	var logits *ts.Tensor
	torch.NoGrad(func() { logits = m.Logits(ids, mask, pos, false) })
	values, err := torch.Float32s(logits)
	if err != nil {
		t.Fatal(err)
	}
	return values, logits.MustSize()
}

// pytorchLogits runs bench/pytorch/bert.py mlm on a model folder.
func pytorchLogits(t *testing.T, dir string, b referenceBatch) (logits []float64, shape []int64, top []int) {
	t.Helper()
	python := shareddata.PythonTorch(t)
	tmp := t.TempDir()
	data, _ := json.Marshal(b)
	batch, out := filepath.Join(tmp, "batch.json"), filepath.Join(tmp, "logits.json")
	if err := os.WriteFile(batch, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(python, "../../bench/pytorch/bert.py", "mlm", dir, batch, out).CombinedOutput(); err != nil {
		t.Fatalf("bert.py mlm: %v\n%s", err, msg)
	}
	var ref struct {
		Logits []float64
		Shape  []int64
		Top    []int
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Logits, ref.Shape, ref.Top
}

// compareWithPyTorch checks the model folder dir, loaded by LoadMaskedLM,
// against the reference: logits within 1e-5, the same top prediction at
// every position.
func compareWithPyTorch(t *testing.T, dir string, b referenceBatch) {
	t.Helper()
	m, head, err := LoadMaskedLM(dir, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if !head {
		t.Fatalf("%s: the head was not loaded", dir)
	}
	got, shape := logitsOf(t, m, b)
	want, wantShape, top := pytorchLogits(t, dir, b)
	if !slices.Equal(shape, wantShape) {
		t.Fatalf("logits %v, PyTorch %v", shape, wantShape)
	}
	worst := 0.0
	for i := range got {
		worst = math.Max(worst, math.Abs(float64(got[i])-want[i]))
	}
	if worst > 1e-5 {
		t.Errorf("logits differ from PyTorch's by up to %.3g (> 1e-5)", worst)
	}
	V := int(shape[1])
	for r := range top {
		row := got[r*V : (r+1)*V]
		if best := argmax(row); best != top[r] {
			t.Errorf("position %d: top prediction %d, PyTorch %d", b.Positions[r], best, top[r])
		}
	}
	t.Logf("%d positions × %d logits, largest difference %.2g", shape[0], V, worst)
}

func argmax(row []float32) int {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return best
}

// TestMaskedLMMatchesPyTorch: a BertForMaskedLM that nerlab writes (here
// with weights drawn far from BERT's initialisation, so that every tensor
// matters) reads in the plain PyTorch reference, which computes the same
// logits within 1e-5 and the same top predictions on a padded batch of
// mixed lengths.
func TestMaskedLMMatchesPyTorch(t *testing.T) {
	shareddata.PythonTorch(t)
	c := embed.BertConfig{ModelType: "bert", VocabSize: 50, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
		IntermediateSize: 24, HiddenAct: "gelu", HiddenDropoutProb: 0.1, AttentionDropoutProb: 0.1,
		MaxPositionEmbeddings: 32, TypeVocabSize: 2, LayerNormEps: 1e-12}
	torch.Seed(3)
	m := NewMaskedLM(c, gotch.CPU)
	params := m.Params()
	torch.NoGrad(func() {
		for _, name := range slices.Sorted(maps.Keys(params)) {
			if strings.HasSuffix(name, "LayerNorm.weight") {
				params[name].MustUniform_(0.5, 1.5)
			} else {
				params[name].MustUniform_(-0.5, 0.5)
			}
		}
	})
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	b := referenceBatch{
		IDs:  [][]int64{{2, 7, 4, 9, 11, 4, 3}, {2, 13, 4, 3, 0, 0, 0}, {2, 40, 41, 4, 42, 3, 0}},
		Mask: [][]int64{{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 0}},
	}
	for p := range 21 {
		if b.Mask[p/7][p%7] == 1 {
			b.Positions = append(b.Positions, int64(p))
		}
	}
	compareWithPyTorch(t, dir, b)
}

// TestPretrainedMatchesPyTorch: the encoder a (tiny) pretraining run
// writes gives PyTorch's masked-token predictions on held-out text, masked
// as training masks it.
func TestPretrainedMatchesPyTorch(t *testing.T) {
	shareddata.PythonTorch(t)
	cfg := tinyConfig(writeCorpus(t, 40), filepath.Join(t.TempDir(), "run"))
	if _, err := Run(context.Background(), cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cfg.Out, ModelDir)
	compareWithPyTorch(t, dir, heldOutBatch(t, dir, cfg))
}

// TestRunOutputMatchesPyTorch checks the encoder of a real pretraining
// run, such as the 4-layer/256 one of the shared corpora, on the first
// held-out sequences of its own corpus:
//
//	NERLAB_PRETRAIN_RUN=runs/pretrain-wiki-4x256 go test -run TestRunOutputMatchesPyTorch ./lib/pretrain
//
// The run folder and the corpus paths of its pretrain.yaml are taken
// relative to the repository root, where `nerlab pretrain` runs. Check a
// finished or stopped run: a running one replaces model/ at every
// checkpoint.
func TestRunOutputMatchesPyTorch(t *testing.T) {
	run := os.Getenv("NERLAB_PRETRAIN_RUN")
	if run == "" {
		t.Skip("NERLAB_PRETRAIN_RUN names no pretraining run folder")
	}
	shareddata.PythonTorch(t)
	fromRoot := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join("..", "..", p)
	}
	run = fromRoot(run)
	cfg, err := ReadConfig(filepath.Join(run, "pretrain.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cfg.Corpus {
		cfg.Corpus[i] = fromRoot(c)
	}
	// Four sequences: their logits (masked positions × vocabulary) travel
	// as JSON, which for a 16k vocabulary is already tens of megabytes.
	cfg.Train.Batch = 4
	dir := filepath.Join(run, ModelDir)
	compareWithPyTorch(t, dir, heldOutBatch(t, dir, cfg))
}

// heldOutBatch is the first held-out batch of a run's corpus, masked as a
// held-out evaluation masks it, in the reference's form.
func heldOutBatch(t *testing.T, dir string, cfg Config) referenceBatch {
	t.Helper()
	tok, err := LoadTokenizer(dir)
	if err != nil {
		t.Fatal(err)
	}
	corpus, err := ReadCorpus(context.Background(), cfg.Corpus, cfg.Format, tok, cfg.Train.HeldOutEvery, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := min(cfg.Train.Batch, corpus.HeldOut.Sequences(cfg.Train.SeqLen))
	mk := Masking{Prob: cfg.Train.MaskProb, WholeWord: cfg.Train.WholeWord, Specials: tok.Specials(), Vocab: tok.VocabSize()}
	b := mk.batch(&corpus.HeldOut, slices.Collect(func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}), cfg.Train.SeqLen, streamRNG(cfg.Train.Seed, purposeHeldOut, 0))
	var out referenceBatch
	for r := 0; r < b.B; r++ {
		out.IDs = append(out.IDs, b.Input[r*b.T:(r+1)*b.T])
		out.Mask = append(out.Mask, b.Attention[r*b.T:(r+1)*b.T])
	}
	out.Positions = b.Positions
	if len(out.Positions) == 0 {
		t.Fatalf("%s: no held-out sequence to compare (held_out_every %d)", dir, cfg.Train.HeldOutEvery)
	}
	return out
}

// TestEvaluate: Evaluate's summed loss is Loss times the positions, and
// its hits are the positions whose largest logit is the target.
func TestEvaluate(t *testing.T) {
	c := embed.BertConfig{ModelType: "bert", VocabSize: 30, HiddenSize: 8, NumHiddenLayers: 1, NumAttentionHeads: 2,
		IntermediateSize: 16, HiddenAct: "gelu", MaxPositionEmbeddings: 8, TypeVocabSize: 2, LayerNormEps: 1e-12}
	torch.Seed(5)
	m := NewMaskedLM(c, gotch.CPU)
	torch.NoGrad(func() {
		for _, p := range m.Params() {
			p.MustUniform_(-1, 1)
		}
	})
	b := referenceBatch{IDs: [][]int64{{2, 7, 8, 9, 3}, {2, 10, 11, 3, 0}}, Mask: [][]int64{{1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}}, Positions: []int64{1, 2, 3, 6, 7}}
	logits, _ := logitsOf(t, m, b)
	targets := []int64{7, 8, 9, 10, 11}
	for i := range targets {
		targets[i] = int64(argmax(logits[i*30 : (i+1)*30])) // hits everywhere …
	}
	targets[2] = (targets[2] + 1) % 30 // … but here
	ids := torch.MustFromInt64s(slices.Concat(b.IDs...), []int64{2, 5}, gotch.CPU)
	mask := torch.MustFromInt64s(slices.Concat(b.Mask...), []int64{2, 5}, gotch.CPU)
	pos := torch.MustFromInt64s(b.Positions, []int64{5}, gotch.CPU)
	tg := torch.MustFromInt64s(targets, []int64{5}, gotch.CPU)
	sum, hits := m.Evaluate(ids, mask, pos, tg)
	var mean float64
	torch.NoGrad(func() { mean = scalar(m.Loss(ids, mask, pos, tg, false)) })
	if hits != 4 || math.Abs(sum-5*mean) > 1e-4 {
		t.Errorf("Evaluate: sum %v (5 × mean %v), %d hits; want 4", sum, mean, hits)
	}
}
