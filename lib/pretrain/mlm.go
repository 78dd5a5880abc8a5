package pretrain

// BERT's masked-language-model head (Devlin et al., 2019, §3.1 task #1) as
// Hugging Face's BertForMaskedLM names it, over an embed.Bert:
//
//	t = LayerNorm(act(W_t h + b_t))          cls.predictions.transform.{dense,LayerNorm}
//	logits = t Eᵀ + b                       E: the word embeddings (tied), b: cls.predictions.bias
//
// and the loss is the cross-entropy of the logits at the masked positions
// against the original tokens there.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
)

// The names of the head's tensors in a BertForMaskedLM checkpoint. The
// decoder's weight is the word embedding matrix; it is saved under its
// own name too (decoderWeight), as PyTorch's state dict lists it.
const (
	headPrefix    = "cls.predictions."
	encoderPrefix = "bert."
	wordEmbedding = "embeddings.word_embeddings.weight"
	decoderWeight = "cls.predictions.decoder.weight"
	decoderBias   = "cls.predictions.decoder.bias"
)

// initializerRange is BERT's initializer_range: the standard deviation of
// the normal distribution every weight matrix starts from.
const initializerRange = 0.02

// MaskedLM is a BERT encoder with its masked-language-model head.
type MaskedLM struct {
	Bert *embed.Bert
	// VS holds the encoder under bert. and the head under
	// cls.predictions., the names of a BertForMaskedLM checkpoint.
	VS *nn.VarStore

	dense     *nn.Linear
	norm      *nn.LayerNorm
	bias      *ts.Tensor // [vocab]
	embedding *ts.Tensor // the encoder's word embeddings, [vocab, hidden]
}

// NewMaskedLM builds a BertForMaskedLM of config c with freshly
// initialised weights, as BertPreTrainedModel._init_weights does: weight
// matrices and embeddings from N(0, 0.02²), biases 0, LayerNorm 1 and 0,
// the padding token's embedding 0. Seed libtorch first (torch.Seed) for
// reproducible weights.
func NewMaskedLM(c embed.BertConfig, device gotch.Device) *MaskedLM {
	m := buildMaskedLM(c, device)
	torch.NoGrad(func() { initWeights(m.VS, "", c.PadTokenID) })
	return m
}

// buildMaskedLM makes the model's variables (their weights still to be
// initialised or loaded: the values gotch's layers start from, dense's
// included, never reach a model; see embed.BuildBert).
func buildMaskedLM(c embed.BertConfig, device gotch.Device) *MaskedLM {
	vs := nn.NewVarStore(device)
	b := embed.BuildBert(c, vs.Root().Sub("bert"))
	p := vs.Root().Sub("cls").Sub("predictions")
	t := p.Sub("transform")
	norm := nn.DefaultLayerNormConfig()
	norm.Eps = c.LayerNormEps
	return &MaskedLM{
		Bert:      b,
		VS:        vs,
		dense:     nn.NewLinear(t.Sub("dense"), c.HiddenSize, c.HiddenSize, nn.DefaultLinearConfig()),
		norm:      nn.NewLayerNorm(t.Sub("LayerNorm"), []int64{c.HiddenSize}, norm),
		bias:      p.MustZeros("bias", []int64{c.VocabSize}),
		embedding: b.Variables()[wordEmbedding],
	}
}

// initWeights sets the variables of vs whose names start with prefix as
// BERT initialises them; padding ≥ 0 zeroes that row of the word
// embeddings.
func initWeights(vs *nn.VarStore, prefix string, padding int64) {
	vars := vs.Variables()
	for _, name := range slices.Sorted(maps.Keys(vars)) { // sorted: the draws follow one order
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		t := vars[name]
		v := lib.Ctensor(t.Ctensor())
		switch {
		case strings.HasSuffix(name, "LayerNorm.weight"):
			fill_(v, 1)
		case strings.HasSuffix(name, "bias"):
			fill_(v, 0)
		default:
			torch.InPlace(func(out *lib.Ctensor) { lib.AtgNormal_(out, v, 0, initializerRange) })
		}
		if name == encoderPrefix+wordEmbedding && padding >= 0 {
			row := t.MustNarrow(0, padding, 1, false)
			fill_(lib.Ctensor(row.Ctensor()), 0)
			row.MustDrop()
		}
	}
	runtime.KeepAlive(vs) // Variables copies the handles; the store owns the tensors
}

// fill_ sets every element of t to v (through torch.InPlace: gotch's
// Fill_ would leak the tensor).
func fill_(t lib.Ctensor, v float64) {
	s := lib.AtsFloat(v)
	defer lib.AtsFree(s)
	torch.InPlace(func(out *lib.Ctensor) { lib.AtgFill_(out, t, s) })
}

// Params are the model's trainable tensors under the names
// BertForMaskedLM's state dict gives them (bert.…, cls.predictions.…).
func (m *MaskedLM) Params() map[string]*ts.Tensor {
	out := map[string]*ts.Tensor{}
	for name := range m.VS.Variables() {
		t, _ := m.VS.Root().Get(name)
		out[name] = t
	}
	return out
}

// Logits are the head's scores over the vocabulary, [N, vocab], at
// positions (int64, [N]) of the flattened batch (b·T + t) of token ids
// ids [B, T] with attention mask [B, T].
func (m *MaskedLM) Logits(ids, mask, positions *ts.Tensor, train bool) *ts.Tensor {
	h := m.Bert.Forward(ids, mask, nil, train)
	size := h.MustSize()
	flat := h.MustView([]int64{size[0] * size[1], size[2]}, true)
	picked := flat.MustIndexSelect(0, positions, true)
	t := m.dense.Forward(picked)
	picked.MustDrop()
	t = activation(m.Bert.Config.HiddenAct, t)
	n := m.norm.Forward(t)
	t.MustDrop()
	et := m.embedding.MustT(false)
	logits := n.MustMatmul(et, true)
	et.MustDrop()
	return logits.MustAdd(m.bias, true)
}

// activation is config.json's hidden_act, as embed.Bert computes it.
func activation(name string, x *ts.Tensor) *ts.Tensor {
	switch name {
	case "gelu_new":
		return x.MustGelu("tanh", true)
	case "relu":
		return x.MustRelu(true)
	}
	return x.MustGelu("none", true)
}

// Loss is the mean cross-entropy of the head's predictions at positions
// against targets (int64, [N]: the original tokens there), a scalar.
func (m *MaskedLM) Loss(ids, mask, positions, targets *ts.Tensor, train bool) *ts.Tensor {
	logits := m.Logits(ids, mask, positions, train)
	return logits.MustCrossEntropyLoss(targets, noWeight, 1, -100, 0, true)
}

// noWeight is the undefined tensor that tells cross_entropy to weigh
// every class alike (made once: each ts.NewTensor is a handle to free).
var noWeight = ts.NewTensor()

// scalar reads a one-element float32 tensor. (gotch's Float64Values
// leaves a converted copy behind at every call.)
func scalar(t *ts.Tensor) float64 {
	v, err := torch.Float32s(t)
	if err != nil || len(v) != 1 {
		panic(fmt.Sprintf("pretrain: reading a loss: %v (%d values)", err, len(v))) // a programming error
	}
	return float64(v[0])
}

// Evaluate is Loss summed instead of averaged (held-out evaluation adds
// batches of different numbers of masked tokens), and the number of
// positions whose top prediction is the target.
func (m *MaskedLM) Evaluate(ids, mask, positions, targets *ts.Tensor) (sum float64, correct int) {
	torch.NoGrad(func() {
		logits := m.Logits(ids, mask, positions, false)
		top := logits.MustArgmax([]int64{1}, false, false)
		hits := top.MustEqTensor(targets, true).MustSum(gotch.Int64, true)
		n, err := torch.Int64s(hits)
		hits.MustDrop()
		if err != nil || len(n) != 1 {
			panic(fmt.Sprintf("pretrain: counting hits: %v", err)) // a programming error
		}
		correct = int(n[0])
		l := logits.MustCrossEntropyLoss(targets, noWeight, 2, -100, 0, true)
		sum = scalar(l)
		l.MustDrop()
	})
	return sum, correct
}

// Save writes m as a Hugging Face BertForMaskedLM folder: config.json
// (architectures BertForMaskedLM) and model.safetensors with the
// encoder under bert., the head under cls.predictions. and the tied
// decoder weight as cls.predictions.decoder.weight. Tokenizer files are
// the caller's.
func (m *MaskedLM) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tensors := m.Params()
	tensors[decoderWeight] = m.embedding
	if err := torch.WriteSafetensors(filepath.Join(dir, torch.SafetensorsFile), tensors, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	return writeHFConfig(filepath.Join(dir, "config.json"), m.Bert.Config)
}

// writeHFConfig writes config.json as transformers' BertConfig saves it.
func writeHFConfig(path string, c embed.BertConfig) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	fields["architectures"] = []string{"BertForMaskedLM"}
	fields["initializer_range"] = initializerRange
	fields["position_embedding_type"] = "absolute"
	fields["torch_dtype"] = "float32"
	fields["use_cache"] = true
	fields["classifier_dropout"] = nil
	data, err = json.MarshalIndent(fields, "", "  ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(path, append(data, '\n'))
}

// LoadMaskedLM reads a BERT model folder (embed.LoadBert) and its MLM
// head. A folder without the head (a BertModel, or a BERT saved with
// another head) gets a freshly initialised one, and head is false: seed
// libtorch first for reproducible weights. A partial head, or one of the
// wrong shape, is an error naming the file and tensor.
func LoadMaskedLM(dir string, device gotch.Device) (m *MaskedLM, head bool, err error) {
	c, err := embed.ReadBertConfig(dir)
	if err != nil {
		return nil, false, err
	}
	if c.ModelType != "bert" {
		return nil, false, fmt.Errorf("%s: model_type %s; pretrain continues BERT models (bert), whose head is BertForMaskedLM's cls.predictions", filepath.Join(dir, "config.json"), c.ModelType)
	}
	m = buildMaskedLM(c, device)
	found, err := m.Bert.LoadWeights(dir)
	if err != nil {
		return nil, false, err
	}
	var have []string
	for _, n := range found.Unused {
		if strings.HasPrefix(n, headPrefix) && n != decoderWeight && n != decoderBias {
			have = append(have, n)
		}
	}
	if len(have) == 0 {
		torch.NoGrad(func() { initWeights(m.VS, headPrefix, -1) })
		return m, false, nil
	}
	weights, files, err := torch.ReadModelWeights(dir)
	if err != nil {
		return nil, false, err
	}
	defer func() {
		for _, t := range weights {
			t.MustDrop()
		}
	}()
	where := strings.Join(files, ", ")
	params := m.Params()
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !strings.HasPrefix(name, headPrefix) {
			continue
		}
		v := params[name]
		w, ok := weights[name]
		if !ok {
			return nil, false, fmt.Errorf("%s: has a masked-LM head (%s) but no %s", where, have[0], name)
		}
		if got, want := w.MustSize(), v.MustSize(); !slices.Equal(got, want) {
			return nil, false, fmt.Errorf("%s: tensor %s has shape %v; config.json makes it %v", where, name, got, want)
		}
		torch.NoGrad(func() {
			src := w.MustTotype(v.DType(), false).MustTo(device, true)
			v.Copy_(src)
			src.MustDrop()
		})
	}
	return m, true, nil
}
