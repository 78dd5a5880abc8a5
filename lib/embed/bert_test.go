package embed

import (
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
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"
)

// bertPy has bench/pytorch/bert.py write a tiny random model of kind
// (bert, roberta, xlm-roberta) in Hugging Face layout with its reference
// (mode tiny: hidden states; mode step: one fine-tuning step), and
// returns the folder.
func bertPy(t *testing.T, mode, kind string) string {
	t.Helper()
	python := shareddata.PythonTorch(t)
	dir := t.TempDir()
	if out, err := exec.Command(python, "../../bench/pytorch/bert.py", mode, dir, kind).CombinedOutput(); err != nil {
		t.Fatalf("bert.py %s: %v\n%s", mode, err, out)
	}
	return dir
}

// TestBertMatchesPyTorch: the Go BERT, RoBERTa and XLM-R, loaded from
// folders PyTorch wrote (pytorch_model.bin through the pickle reader), give
// the reference's last hidden states within 1e-5 on a batch of mixed
// lengths with padding (and, for BERT, two segments).
func TestBertMatchesPyTorch(t *testing.T) {
	for _, kind := range []string{"bert", "roberta", "xlm-roberta"} {
		t.Run(kind, func(t *testing.T) { matchesPyTorch(t, bertPy(t, "tiny", kind)) })
	}
}

func matchesPyTorch(t *testing.T, dir string) {
	b, found, err := LoadBert(dir, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Unused) != 0 || found.Prefix != "" || len(found.Files) != 1 {
		t.Errorf("found %+v; want one file, no prefix, nothing unused", found)
	}
	var ref struct {
		IDs, Mask, Types [][]int64
		Hidden           []float64
		Shape            []int64
		Layers           [][]float64
	}
	data, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	flat := func(rows [][]int64) *ts.Tensor {
		var v []int64
		for _, r := range rows {
			v = append(v, r...)
		}
		return torch.MustFromInt64s(v, []int64{int64(len(rows)), int64(len(rows[0]))}, gotch.CPU)
	}
	ids, mask, types := flat(ref.IDs), flat(ref.Mask), flat(ref.Types)
	var hidden *ts.Tensor
	torch.NoGrad(func() { hidden = b.Forward(ids, mask, types, false) })
	if got := hidden.MustSize(); len(got) != 3 || got[0] != ref.Shape[0] || got[1] != ref.Shape[1] || got[2] != ref.Shape[2] {
		t.Fatalf("hidden states %v, PyTorch %v", got, ref.Shape)
	}
	vals, err := torch.Float32s(hidden)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, v := range vals {
		worst = math.Max(worst, math.Abs(float64(v)-ref.Hidden[i]))
	}
	if worst > 1e-5 {
		t.Errorf("largest difference from PyTorch %.3g; want ≤ 1e-5", worst)
	}
	t.Logf("largest difference from PyTorch: %.3g", worst)

	// Every layer's states, the embeddings' first, as HiddenStates keeps them.
	var states []*ts.Tensor
	torch.NoGrad(func() { states = b.HiddenStates(ids, mask, types, false, func(int) bool { return true }) })
	if len(states) != len(ref.Layers) || len(states) != b.Config.NumHiddenLayers+1 {
		t.Fatalf("%d hidden states, PyTorch %d", len(states), len(ref.Layers))
	}
	for i, s := range states {
		vals, _ := torch.Float32s(s)
		worst := 0.0
		for j, v := range vals {
			worst = math.Max(worst, math.Abs(float64(v)-ref.Layers[i][j]))
		}
		if worst > 1e-5 {
			t.Errorf("hidden state %d: largest difference from PyTorch %.3g; want ≤ 1e-5", i, worst)
		}
	}
	some := b.HiddenStates(ids, mask, types, false, func(i int) bool { return i == 1 })
	if some[0] != nil || some[1] == nil || some[2] != nil {
		t.Errorf("HiddenStates kept %v; want only state 1", some)
	}

	// The check is sensitive: ignoring the padding (a mask of ones)
	// changes the padded sentences' states far beyond the tolerance.
	ones := ts.MustOnes(mask.MustSize(), gotch.Int64, gotch.CPU)
	var unmasked *ts.Tensor
	torch.NoGrad(func() { unmasked = b.Forward(ids, ones, types, false) })
	other, _ := torch.Float32s(unmasked)
	moved := 0.0
	for i, v := range other {
		moved = math.Max(moved, math.Abs(float64(v)-ref.Hidden[i]))
	}
	if moved < 1e-3 {
		t.Errorf("the attention mask changes nothing (%.3g): the comparison cannot see padding", moved)
	}
}

// TestLoadBertErrors: a config that does not fit the weights, and a
// config that cannot be built, are errors naming file and tensor.
func TestLoadBertErrors(t *testing.T) {
	dir := bertPy(t, "tiny", "bert")
	cfgPath := filepath.Join(dir, "config.json")
	orig, _ := os.ReadFile(cfgPath)
	for _, c := range []struct{ from, to, want string }{
		{`"intermediate_size": 24`, `"intermediate_size": 32`, "tensor encoder.layer.0.intermediate.dense.bias has shape [24]; config.json makes it [32]"},
		{`"num_hidden_layers": 2`, `"num_hidden_layers": 3`, "no tensor encoder.layer.2."},
		{`"num_attention_heads": 4`, `"num_attention_heads": 5`, "hidden_size 16 is not a multiple of num_attention_heads 5"},
		{`"hidden_act": "gelu"`, `"hidden_act": "swish"`, `hidden_act "swish"`},
		{`"model_type": "bert"`, `"model_type": "gpt2"`, `model_type "gpt2"`},
	} {
		if !strings.Contains(string(orig), c.from) {
			t.Fatalf("config.json lacks %s", c.from)
		}
		if err := os.WriteFile(cfgPath, []byte(strings.Replace(string(orig), c.from, c.to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadBert(dir, gotch.CPU); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.to, err, c.want)
		}
	}
}

// TestBertFineTuningStepMatchesPyTorch: one AdamW step of a token
// classifier over the encoder (weights from a BertForTokenClassification
// style file, bert./roberta. prefixed) gives PyTorch's loss and updated
// tensors, every one of them, within 1e-5.
func TestBertFineTuningStepMatchesPyTorch(t *testing.T) {
	for _, kind := range []string{"bert", "roberta"} {
		t.Run(kind, func(t *testing.T) { fineTuningStep(t, kind) })
	}
}

func fineTuningStep(t *testing.T, kind string) {
	dir := bertPy(t, "step", kind)
	var ref struct {
		IDs, Mask, Types, Labels [][]int64
		Loss                     float64
		After                    map[string][]float64
	}
	data, err := os.ReadFile(filepath.Join(dir, "step.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	b, found, err := LoadBert(dir, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(found.Unused, " ") != "classifier.bias classifier.weight" {
		t.Fatalf("unused %v; want the classifier's tensors", found.Unused)
	}
	prefix := map[string]string{"bert": "bert.", "roberta": "roberta."}[kind]
	if found.Prefix != prefix {
		t.Errorf("prefix %q; want %q", found.Prefix, prefix)
	}
	// The head: logits = h·Wᵀ + b, from the file's classifier tensors.
	weights, _, err := torch.ReadModelWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	headVS := nn.NewVarStore(gotch.CPU)
	w := headVS.Root().MustZeros("weight", weights["classifier.weight"].MustSize())
	bias := headVS.Root().MustZeros("bias", weights["classifier.bias"].MustSize())
	torch.NoGrad(func() { w.Copy_(weights["classifier.weight"]); bias.Copy_(weights["classifier.bias"]) })
	params := map[string]*ts.Tensor{"classifier.weight": w, "classifier.bias": bias}
	for _, p := range b.VS.TrainableVariables() {
		for name, v := range b.VS.Variables() {
			if v.Ctensor() == p.Ctensor() {
				params[prefix+name] = p
			}
		}
	}
	if len(params) != len(ref.After) {
		t.Fatalf("%d parameters; PyTorch has %d", len(params), len(ref.After))
	}
	var group []optim.Param
	for _, name := range slices.Sorted(maps.Keys(params)) {
		group = append(group, optim.Param{Name: name, Tensor: params[name]})
	}
	opt := optim.NewAdamW([]optim.Group{{Name: "all", LRScale: 1, WeightDecay: 0.01, Params: group}}, 0.9, 0.999, 1e-8)
	flat := func(rows [][]int64) *ts.Tensor {
		var v []int64
		for _, r := range rows {
			v = append(v, r...)
		}
		return torch.MustFromInt64s(v, []int64{int64(len(rows)), int64(len(rows[0]))}, gotch.CPU)
	}
	hidden := b.Forward(flat(ref.IDs), flat(ref.Mask), flat(ref.Types), true) // dropout 0 in this config
	logits := hidden.MustMatmul(w.MustT(false), true).MustAdd(bias, true)
	n := logits.MustSize()
	logp := logits.MustView([]int64{n[0] * n[1], n[2]}, true).MustLogSoftmax(1, gotch.Float, true)
	loss := logp.MustNllLoss(flat(ref.Labels).MustView([]int64{n[0] * n[1]}, true), ts.NewTensor(), 1, -100, true)
	if got := loss.Float64Values()[0]; math.Abs(got-ref.Loss) > 1e-5 {
		t.Errorf("loss %.8f, PyTorch %.8f", got, ref.Loss)
	}
	loss.MustBackward()
	// The attention keys' biases get no gradient in exact arithmetic (a
	// bias on every key adds q·b to a query's scores alike, and softmax
	// ignores it); in floats theirs is rounding noise, which Adam's first
	// step divides by its own size. Those are checked to be noise, not
	// compared.
	noise := map[string]bool{}
	for name, p := range params {
		if !strings.HasSuffix(name, "attention.self.key.bias") {
			continue
		}
		g := p.MustGrad(false)
		vals, _ := torch.Float32s(g)
		g.MustDrop()
		for _, v := range vals {
			if math.Abs(float64(v)) > 1e-6 {
				t.Errorf("%s has gradient %g; in exact arithmetic it is 0", name, v)
				break
			}
		}
		noise[name] = true
	}
	if len(noise) != 2 {
		t.Errorf("%d key biases; the tiny model has 2 layers", len(noise))
	}
	if err := opt.Step(1e-3); err != nil {
		t.Fatal(err)
	}
	worst, where := 0.0, ""
	for name, p := range params {
		if noise[name] {
			continue
		}
		got, err := torch.Float32s(p)
		if err != nil {
			t.Fatal(err)
		}
		want := ref.After[name]
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, PyTorch %d", name, len(got), len(want))
		}
		for i := range got {
			if d := math.Abs(float64(got[i]) - want[i]); d > worst {
				worst, where = d, name
			}
		}
	}
	if worst > 1e-5 {
		t.Errorf("after one step, %s differs from PyTorch's by %.3g; want ≤ 1e-5", where, worst)
	}
	t.Logf("loss %.6f; largest difference of an updated weight from PyTorch %.3g", ref.Loss, worst)
}

// TestBertVariablesNameTheStore: the names Bert keeps for loading are the
// store's own, under whatever path it was built.
func TestBertVariablesNameTheStore(t *testing.T) {
	c := BertConfig{ModelType: "bert", VocabSize: 11, HiddenSize: 8, NumHiddenLayers: 2, NumAttentionHeads: 2,
		IntermediateSize: 12, HiddenAct: "gelu", MaxPositionEmbeddings: 16, TypeVocabSize: 2, LayerNormEps: 1e-12}
	b := NewBert(c, gotch.CPU)
	store := b.VS.Variables()
	if len(store) != len(b.Variables()) {
		t.Fatalf("store has %d tensors, Bert names %d", len(store), len(b.Variables()))
	}
	for name, v := range b.Variables() {
		s, ok := store[name]
		if !ok || s.Ctensor() != v.Ctensor() {
			t.Errorf("%s: not the store's tensor", name)
		}
	}
	vs := nn.NewVarStore(gotch.CPU)
	BuildBert(c, vs.Root().Sub("transformer"))
	for name := range b.Variables() {
		if _, ok := vs.Variables()["transformer."+name]; !ok {
			t.Errorf("transformer.%s missing from a store it was built into", name)
		}
	}
}
