package embed

// BERT (Devlin et al., 2019) as Hugging Face's BertModel computes it, so
// that a model folder's weights load name for name: token, position and
// token-type embeddings, then num_hidden_layers post-norm transformer
// layers of multi-head self-attention and a GELU feed-forward block.
// Attention is matmul and softmax (libtorch 1.13 has no fused attention).

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/jsonpos"
	"github.com/nerlab/nerlab/lib/torch"
)

// BertConfig is the part of a Hugging Face config.json that BERT's
// computation depends on.
type BertConfig struct {
	ModelType             string  `json:"model_type"`
	VocabSize             int64   `json:"vocab_size"`
	HiddenSize            int64   `json:"hidden_size"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	NumAttentionHeads     int64   `json:"num_attention_heads"`
	IntermediateSize      int64   `json:"intermediate_size"`
	HiddenAct             string  `json:"hidden_act"`
	HiddenDropoutProb     float64 `json:"hidden_dropout_prob"`
	AttentionDropoutProb  float64 `json:"attention_probs_dropout_prob"`
	MaxPositionEmbeddings int64   `json:"max_position_embeddings"`
	TypeVocabSize         int64   `json:"type_vocab_size"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	// PadTokenID is the padding token: RoBERTa's positions count from it
	// (roberta.go).
	PadTokenID int64 `json:"pad_token_id"`
}

// weightPrefixes are the prefixes under which a task head's checkpoint
// (BertForMaskedLM, RobertaForTokenClassification, …) keeps the encoder,
// by model type.
var weightPrefixes = map[string]string{"bert": "bert.", "roberta": "roberta.", "xlm-roberta": "roberta."}

// ReadBertConfig reads dir/config.json and checks that it describes a
// BERT, RoBERTa or XLM-R that can be built.
func ReadBertConfig(dir string) (BertConfig, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return BertConfig{}, err
	}
	c := BertConfig{HiddenAct: "gelu", LayerNormEps: 1e-12, TypeVocabSize: 2}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s: %s", path, jsonpos.Describe(data, err))
	}
	if _, ok := weightPrefixes[c.ModelType]; !ok {
		return c, fmt.Errorf("%s: model_type %q; this reader builds bert, roberta and xlm-roberta", path, c.ModelType)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"vocab_size", c.VocabSize}, {"hidden_size", c.HiddenSize}, {"num_hidden_layers", int64(c.NumHiddenLayers)},
		{"num_attention_heads", c.NumAttentionHeads}, {"intermediate_size", c.IntermediateSize},
		{"max_position_embeddings", c.MaxPositionEmbeddings}, {"type_vocab_size", c.TypeVocabSize}} {
		if f.v <= 0 {
			return c, fmt.Errorf("%s: %s is %d; expected a positive number", path, f.name, f.v)
		}
	}
	if c.HiddenSize%c.NumAttentionHeads != 0 {
		return c, fmt.Errorf("%s: hidden_size %d is not a multiple of num_attention_heads %d", path, c.HiddenSize, c.NumAttentionHeads)
	}
	if _, ok := activations[c.HiddenAct]; !ok {
		return c, fmt.Errorf("%s: hidden_act %q; expected one of gelu, gelu_new, relu", path, c.HiddenAct)
	}
	return c, nil
}

// activations are the feed-forward nonlinearities config.json names.
var activations = map[string]func(*ts.Tensor) *ts.Tensor{
	"gelu":     func(x *ts.Tensor) *ts.Tensor { return x.MustGelu("none", true) }, // exact, with erf
	"gelu_new": func(x *ts.Tensor) *ts.Tensor { return x.MustGelu("tanh", true) }, // the tanh approximation
	"relu":     func(x *ts.Tensor) *ts.Tensor { return x.MustRelu(true) },
}

// Bert is a BERT encoder with its weights.
type Bert struct {
	Config BertConfig
	// VS is the store NewBert made for the encoder alone; nil for an
	// encoder built into another model's store (BuildBert).
	VS *nn.VarStore

	wordEmb, posEmb, typeEmb *ts.Tensor
	embNorm                  *nn.LayerNorm
	layers                   []bertLayer
	// vars are the encoder's parameters by their names in a BertModel
	// checkpoint (without the prefix of the path it was built under).
	vars map[string]*ts.Tensor
}

type bertLayer struct {
	query, key, value, attnOut *nn.Linear
	attnNorm                   *nn.LayerNorm
	intermediate, out          *nn.Linear
	outNorm                    *nn.LayerNorm
}

// NewBert builds a BERT of the given shape on device, in a store of its
// own, its parameters named as BertModel's state dict names them.
func NewBert(c BertConfig, device gotch.Device) *Bert {
	vs := nn.NewVarStore(device)
	b := BuildBert(c, vs.Root())
	b.VS = vs
	return b
}

// BuildBert builds a BERT of the given shape under p, a path of another
// model's store (a tagger's transformer.), its parameters named under p
// as BertModel's state dict names them. The weights are placeholders,
// replaced by LoadWeights or by pretraining's initialisation: zeros for
// the embedding tables, the values gotch's linear layers start with,
// ones and zeros for the layer norms.
func BuildBert(c BertConfig, p *nn.Path) *Bert {
	b := &Bert{Config: c, vars: map[string]*ts.Tensor{}}
	// keep records the store's own tensors (a Linear's Ws is a transposed
	// view of its weight, so the layers' fields will not do).
	keep := func(p *nn.Path, name string, leaves ...string) {
		for _, leaf := range leaves {
			t, err := p.Get(strings.Join(append(slices.Clone(p.Paths()), leaf), "."))
			if err != nil {
				panic(err) // the variable was just made under p
			}
			b.vars[name+leaf] = t
		}
	}
	norm := func(p *nn.Path, name string) *nn.LayerNorm {
		cfg := nn.DefaultLayerNormConfig()
		cfg.Eps = c.LayerNormEps
		l := nn.NewLayerNorm(p.Sub("LayerNorm"), []int64{c.HiddenSize}, cfg)
		keep(p.Sub("LayerNorm"), name+"LayerNorm.", "weight", "bias")
		return l
	}
	linear := func(p *nn.Path, name string, in, out int64) *nn.Linear {
		// gotch's initial values (not PyTorch's: see torch.NewLinear)
		// never reach a model: a Bert is loaded or initialised as BERT
		// is (pretrain.NewMaskedLM). The draws stay, as every seeded
		// pretraining so far followed them.
		l := nn.NewLinear(p, in, out, nn.DefaultLinearConfig())
		keep(p, name, "weight", "bias")
		return l
	}
	table := func(p *nn.Path, name string, rows int64) *ts.Tensor {
		t := p.Sub(name).MustZeros("weight", []int64{rows, c.HiddenSize})
		b.vars["embeddings."+name+".weight"] = t
		return t
	}
	emb := p.Sub("embeddings")
	b.wordEmb = table(emb, "word_embeddings", c.VocabSize)
	b.posEmb = table(emb, "position_embeddings", c.MaxPositionEmbeddings)
	b.typeEmb = table(emb, "token_type_embeddings", c.TypeVocabSize)
	b.embNorm = norm(emb, "embeddings.")
	for i := 0; i < c.NumHiddenLayers; i++ {
		name := fmt.Sprintf("encoder.layer.%d.", i)
		lp := p.Sub("encoder").Sub("layer").Sub(fmt.Sprint(i))
		self := lp.Sub("attention").Sub("self")
		out := lp.Sub("attention").Sub("output")
		b.layers = append(b.layers, bertLayer{
			query:        linear(self.Sub("query"), name+"attention.self.query.", c.HiddenSize, c.HiddenSize),
			key:          linear(self.Sub("key"), name+"attention.self.key.", c.HiddenSize, c.HiddenSize),
			value:        linear(self.Sub("value"), name+"attention.self.value.", c.HiddenSize, c.HiddenSize),
			attnOut:      linear(out.Sub("dense"), name+"attention.output.dense.", c.HiddenSize, c.HiddenSize),
			attnNorm:     norm(out, name+"attention.output."),
			intermediate: linear(lp.Sub("intermediate").Sub("dense"), name+"intermediate.dense.", c.HiddenSize, c.IntermediateSize),
			out:          linear(lp.Sub("output").Sub("dense"), name+"output.dense.", c.IntermediateSize, c.HiddenSize),
			outNorm:      norm(lp.Sub("output"), name+"output."),
		})
	}
	return b
}

// Variables are the encoder's parameters by their names in a BertModel
// checkpoint. The tensors are the model's own: changing one changes the
// model.
func (b *Bert) Variables() map[string]*ts.Tensor { return maps.Clone(b.vars) }

// Loaded says what LoadBert found in a model folder.
type Loaded struct {
	Files  []string // the weight files read
	Prefix string   // the prefix of the encoder's tensors ("" or a head's, such as bert.)
	Unused []string // tensors of the files the encoder does not use (a task head's)
}

// LoadBert builds the BERT that dir's config.json describes and copies in
// the weights of its model folder (LoadWeights).
func LoadBert(dir string, device gotch.Device) (*Bert, Loaded, error) {
	c, err := ReadBertConfig(dir)
	if err != nil {
		return nil, Loaded{}, err
	}
	b := NewBert(c, device)
	found, err := b.LoadWeights(dir)
	if err != nil {
		return nil, found, err
	}
	return b, found, nil
}

// LoadWeights copies the weights of a model folder (torch.ReadModelWeights)
// into the encoder. The weights may carry a head's prefix (bert., as
// BertForMaskedLM saves them); the names of a head's own tensors are
// reported as unused. A tensor the encoder needs that the folder lacks, or
// one of another shape, is an error naming it.
func (b *Bert) LoadWeights(dir string) (Loaded, error) {
	var found Loaded
	weights, files, err := torch.ReadModelWeights(dir)
	if err != nil {
		return found, err
	}
	found.Files = files
	defer func() {
		for _, t := range weights {
			t.MustDrop()
		}
	}()
	prefix := ""
	if _, ok := weights["embeddings.word_embeddings.weight"]; !ok {
		if p := weightPrefixes[b.Config.ModelType]; weights[p+"embeddings.word_embeddings.weight"] != nil {
			prefix = p
		}
	}
	used := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(b.vars)) {
		v := b.vars[name]
		w, ok := weights[prefix+name]
		if !ok {
			return found, fmt.Errorf("%s: no tensor %s, which a BERT of this config.json needs", strings.Join(files, ", "), prefix+name)
		}
		if got, want := w.MustSize(), v.MustSize(); !slices.Equal(got, want) {
			return found, fmt.Errorf("%s: tensor %s has shape %v; config.json makes it %v", strings.Join(files, ", "), prefix+name, got, want)
		}
		torch.NoGrad(func() {
			src := w.MustTotype(v.DType(), false).MustTo(v.MustDevice(), true)
			v.Copy_(src)
			src.MustDrop()
		})
		used[prefix+name] = true
	}
	for n := range weights {
		if !used[n] {
			found.Unused = append(found.Unused, n)
		}
	}
	slices.Sort(found.Unused)
	found.Prefix = prefix
	return found, nil
}

// positions are the position ids of a batch, [T] for BERT (0, 1, …) and
// [B, T] for RoBERTa (see roberta.go).
func (b *Bert) positions(ids *ts.Tensor) *ts.Tensor {
	if b.Config.ModelType != "bert" {
		return robertaPositions(ids, b.Config.PadTokenID)
	}
	return ts.MustArange(ts.IntScalar(ids.MustSize()[1]), gotch.Int64, ids.MustDevice())
}

// Parameters is the number of the encoder's weights.
func (b *Bert) Parameters() int64 {
	var n int64
	for _, v := range b.vars {
		n += int64(v.Numel())
	}
	return n
}

// Forward encodes a batch of token ids ([B, T] int64, padded) whose
// attention mask ([B, T], 1 for tokens and 0 for padding) hides the
// padding from every query; tokenTypes may be nil (all segment 0). It
// returns the last layer's hidden states, [B, T, hidden_size]. With train,
// dropout is active.
func (b *Bert) Forward(ids, mask, tokenTypes *ts.Tensor, train bool) *ts.Tensor {
	states := b.HiddenStates(ids, mask, tokenTypes, train, func(i int) bool { return i == b.Config.NumHiddenLayers })
	return states[b.Config.NumHiddenLayers]
}

// HiddenStates is Forward that keeps the states a caller asks for, as
// Hugging Face's output_hidden_states numbers them: 0 is the embedding
// layer's output and i the output of layer i, up to num_hidden_layers.
// The result has num_hidden_layers+1 entries, nil where keep(i) is false;
// the kept tensors belong to the caller.
func (b *Bert) HiddenStates(ids, mask, tokenTypes *ts.Tensor, train bool, keep func(i int) bool) []*ts.Tensor {
	c := b.Config
	size := ids.MustSize()
	B, T := size[0], size[1]
	device := ids.MustDevice()
	if T > c.MaxPositionEmbeddings {
		panic(fmt.Sprintf("embed: %d tokens in a BERT of max_position_embeddings %d (callers cut long inputs into windows)", T, c.MaxPositionEmbeddings))
	}
	positions := b.positions(ids)
	if tokenTypes == nil {
		tokenTypes = ts.MustZeros([]int64{B, T}, gotch.Int64, device)
		defer tokenTypes.MustDrop()
	}
	// E = LayerNorm(word[ids] + position[t] + type[segment]). The sums
	// are taken in place: an embedding's backward needs only the ids.
	x := ts.MustEmbedding(b.wordEmb, ids, -1, false, false)
	pos := ts.MustEmbedding(b.posEmb, positions, -1, false, false)
	positions.MustDrop()
	add_(x, pos)
	pos.MustDrop()
	typ := ts.MustEmbedding(b.typeEmb, tokenTypes, -1, false, false)
	add_(x, typ)
	typ.MustDrop()
	x = swapT(x, b.embNorm.Forward(x))
	dropout_(x, c.HiddenDropoutProb, train) // layer norm's backward needs its input, not its output
	// The mask as an additive bias on the attention scores, one row per
	// sequence and head, [B·heads, 1, T]: 0 for tokens, the most negative
	// float for padding (as BertModel).
	bias := mask.MustTotype(gotch.Float, false).MustView([]int64{B, 1, 1, T}, true)
	bias = bias.MustSubScalar(ts.FloatScalar(1), true).MustMulScalar(ts.FloatScalar(math.MaxFloat32), true) // (m − 1)·max
	bias = bias.MustExpand([]int64{B, c.NumAttentionHeads, 1, T}, false, true).MustReshape([]int64{B * c.NumAttentionHeads, 1, T}, true)
	defer bias.MustDrop()
	states := make([]*ts.Tensor, c.NumHiddenLayers+1)
	for i := 0; ; i++ {
		if keep(i) {
			states[i] = x
		}
		if i == c.NumHiddenLayers {
			break
		}
		next := b.layer(b.layers[i], x, bias, train)
		if states[i] == nil {
			x.MustDrop()
		}
		x = next
	}
	if states[c.NumHiddenLayers] == nil {
		x.MustDrop()
	}
	return states
}

// layer is one post-norm transformer layer:
// A = LayerNorm(x + Dropout(W_o · MultiHead(x)))
// y = LayerNorm(A + Dropout(W_2 · act(W_1 · A))).
//
// It computes what BertModel computes with fewer passes over memory, which
// is where a layer's time goes on a CPU besides the matrix products
// (bench/transformer): every linear map is one addmm on the [B·T, H] rows
// (bias and product in one kernel, as torch's linear does); the 1/√d of
// the scores is folded into the query's weights and bias ([H, H] values
// instead of [B, heads, T, T] scores; exact when √d is a power of two,
// d = 16, 64 or 256 as in BERT's shapes; otherwise within rounding) and the mask bias into the scores' product (baddbmm);
// the dropouts after linear maps and the residual sums work in place, on
// tensors whose backward does not need them and that are no views (an
// in-place change of a view costs autograd a copy of its base); dropout
// masks are drawn in parallel (dropoutmask.go).
func (b *Bert) layer(l bertLayer, x, bias *ts.Tensor, train bool) *ts.Tensor {
	c := b.Config
	size := x.MustSize()
	B, T, H := size[0], size[1], size[2]
	heads, d := c.NumAttentionHeads, c.HiddenSize/c.NumAttentionHeads
	rows := x.MustView([]int64{B * T, H}, false)
	defer rows.MustDrop()
	// [B·T, H] → [B·heads, T, d]: each head's rows together, as bmm wants.
	split := func(t *ts.Tensor) *ts.Tensor {
		return t.MustView([]int64{B, T, heads, d}, true).MustPermute([]int64{0, 2, 1, 3}, true).
			MustContiguous(true).MustView([]int64{B * heads, T, d}, true)
	}
	scale := 1 / math.Sqrt(float64(d))
	wq := l.query.Ws.MustMulScalar(ts.FloatScalar(scale), false)
	bq := l.query.Bs.MustMulScalar(ts.FloatScalar(scale), false)
	q := split(bq.MustAddmm(rows, wq, true))
	wq.MustDrop()
	k, v := split(dense(l.key, rows)), split(dense(l.value, rows))
	// softmax(Q Kᵀ / √d + bias) V, per head; bias is [B·heads, 1, T].
	kt := k.MustTranspose(1, 2, true)
	scores := bias.MustBaddbmm(q, kt, ts.FloatScalar(1), ts.FloatScalar(1), false)
	q.MustDrop()
	kt.MustDrop()
	probs := scores.MustSoftmax(-1, gotch.Float, true)
	probs = swapT(probs, dropout(probs, c.AttentionDropoutProb, train)) // softmax's backward needs its output: not in place
	ctx := probs.MustBmm(v, true).MustView([]int64{B, heads, T, d}, true).
		MustPermute([]int64{0, 2, 1, 3}, true).MustContiguous(true).MustView([]int64{B * T, H}, true)
	v.MustDrop()
	attn := dense(l.attnOut, ctx)
	ctx.MustDrop()
	dropout_(attn, c.HiddenDropoutProb, train)
	add_(attn, rows)
	a := l.attnNorm.Forward(attn)
	attn.MustDrop()
	inner := dense(l.intermediate, a)
	h := activations[c.HiddenAct](inner) // frees inner
	y := dense(l.out, h)
	h.MustDrop()
	dropout_(y, c.HiddenDropoutProb, train)
	add_(y, a)
	a.MustDrop()
	out := l.outNorm.Forward(y)
	y.MustDrop()
	return out.MustView([]int64{B, T, H}, true)
}

// dense is the linear map of l on rows [N, in]: b + rows·Wᵀ in one addmm
// (nn.Linear keeps Wᵀ).
func dense(l *nn.Linear, rows *ts.Tensor) *ts.Tensor {
	return l.Bs.MustAddmm(rows, l.Ws, false)
}

// add_ adds other to t in place. gotch's Add_ (and its other in-place
// operations) would leak the tensor: it replaces the Go tensor's handle
// with the second one libtorch returns for the result and never frees the
// first, so the storage is never released. torch.InPlace frees the
// second handle instead, as lib/optim does.
func add_(t, other *ts.Tensor) {
	torch.InPlace(func(out *lib.Ctensor) { lib.AtgAdd_(out, lib.Ctensor(t.Ctensor()), lib.Ctensor(other.Ctensor())) })
	runtime.KeepAlive(t)
	runtime.KeepAlive(other)
}

// swapT returns next and frees prev unless they are the same tensor
// (dropout returns its input when inactive).
func swapT(prev, next *ts.Tensor) *ts.Tensor {
	if next != prev {
		prev.MustDrop()
	}
	return next
}
