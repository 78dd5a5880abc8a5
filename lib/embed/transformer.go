package embed

// The tagger's transformer encoder: a BERT, RoBERTa or XLM-R from a
// Hugging Face model folder, fine-tuned with the tagger or frozen. A
// sentence's words are cut into the model's sub-word pieces, encoded
// between [CLS] and [SEP] (in overlapping windows when they do not fit),
// and each word's vector is pooled from its pieces' states.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sugarme/gotch"
	lib "github.com/sugarme/gotch/libtch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/tokenize"
	"github.com/nerlab/nerlab/lib/torch"
)

// TransformerKind is the kind, and parameter prefix, of transformer
// encoders (transformer.encoder.layer.0.attention.self.query.weight).
const TransformerKind = "transformer"

func init() { Register(TransformerKind, func() Config { return &TransformerConfig{} }) }

// Poolings are the ways a word's vector is made from its pieces' states:
// the first piece's (BERT's own NER recipe and CLNER's), the last's,
// their mean, or the first and last concatenated.
var Poolings = []string{"first", "last", "mean", "first_last"}

// TransformerConfig is a transformer encoder's saved configuration. The
// weights travel in the model's weights file under transformer.; the
// tokenizer's files and config.json are kept beside it (WriteFiles), so a
// saved tagger needs no other folder.
type TransformerConfig struct {
	// Model is the folder the encoder was first loaded from; kept to say
	// where it came from, never read again.
	Model string `json:"model"`
	// Layers are the hidden states used, numbered as Hugging Face's
	// output_hidden_states: 0 is the embedding layer's output, i layer
	// i's; negative numbers count from the top (-1 is the last layer).
	// Their states are concatenated, or averaged with LayerMean.
	Layers    []int `json:"layers"`
	LayerMean bool  `json:"layer_mean,omitempty"`
	// Pooling is one of Poolings.
	Pooling string `json:"pooling"`
	// FineTune trains the encoder with the tagger; otherwise it is frozen
	// (no gradients, no dropout).
	FineTune bool `json:"fine_tune"`
	// MaxLength is the most sub-word pieces the encoder reads at once,
	// [CLS] and [SEP] included; longer inputs are read in windows that
	// share Stride pieces.
	MaxLength int `json:"max_length"`
	Stride    int `json:"stride"`
	// Config is the model folder's config.json.
	Config BertConfig `json:"config"`

	tok    tokenize.Tokenizer
	source string // a folder whose weights New copies in (From), or ""
}

// Kind is TransformerKind.
func (c *TransformerConfig) Kind() string { return TransformerKind }

// From reads the model folder dir (config.json, the tokenizer) into c and
// makes New copy in its weights. Unset options get their defaults: the
// last layer, first-piece pooling, the model's longest input and half of
// it as the windows' overlap.
func (c *TransformerConfig) From(dir string) error {
	cfg, err := ReadBertConfig(dir)
	if err != nil {
		return err
	}
	tok, err := tokenize.Load(dir)
	if err != nil {
		return err
	}
	c.Model, c.Config, c.tok, c.source = dir, cfg, tok, dir
	c.setDefaults()
	return c.check(dir)
}

// setDefaults fills the options left unset.
func (c *TransformerConfig) setDefaults() {
	if len(c.Layers) == 0 {
		c.Layers = []int{-1}
	}
	if c.Pooling == "" {
		c.Pooling = "first"
	}
	if c.MaxLength == 0 {
		c.MaxLength = int(c.Config.InputLimit())
	}
	if c.Stride == 0 {
		c.Stride = (c.MaxLength - 2) / 2
	}
}

// InputLimit is the longest input, in pieces with the special tokens, that
// the position table allows: RoBERTa's first padding_idx+1 positions are
// not token positions (roberta.go).
func (c BertConfig) InputLimit() int64 {
	if c.ModelType == "bert" {
		return c.MaxPositionEmbeddings
	}
	return c.MaxPositionEmbeddings - c.PadTokenID - 1
}

// OptionError is an option of TransformerConfig that does not fit the
// model. Option is its name in an experiment's embeddings.transformer
// section (layers, pooling, max_length, stride), so that the experiment
// can point at the line that set it rather than at the model's.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// check validates the options against the model; where names the folder
// or file they come from.
func (c *TransformerConfig) check(where string) error {
	n := c.Config.NumHiddenLayers
	for _, l := range c.Layers {
		if l < -n || l > n {
			return &OptionError{"layers", fmt.Errorf("%s: layer %d; a model of %d layers has hidden states 0 to %d (or -1 to -%d from the top)", where, l, n, n, n)}
		}
	}
	if !slices.Contains(Poolings, c.Pooling) {
		return &OptionError{"pooling", fmt.Errorf("%s: pooling %q; expected one of %s", where, c.Pooling, strings.Join(Poolings, ", "))}
	}
	if limit := int(c.Config.InputLimit()); limit < 3 {
		return &OptionError{"max_length", fmt.Errorf("%s: max_length %d; the model reads at most %d pieces at once, too few for [CLS], a piece and [SEP]", where, c.MaxLength, limit)}
	} else if c.MaxLength < 3 || c.MaxLength > limit {
		return &OptionError{"max_length", fmt.Errorf("%s: max_length %d; the model reads 3 to %d pieces at once", where, c.MaxLength, limit)}
	}
	if c.Stride < 0 || c.Stride > (c.MaxLength-2)/2 {
		return &OptionError{"stride", fmt.Errorf("%s: stride %d; windows of %d pieces can share 1 to %d (0 means half a window)", where, c.Stride, c.MaxLength-2, (c.MaxLength-2)/2)}
	}
	if c.tok != nil {
		s := c.tok.Specials()
		if s.CLS < 0 || s.SEP < 0 || s.PAD < 0 || s.UNK < 0 {
			return fmt.Errorf("%s: the tokenizer lacks a start, separator, padding or unknown token (%+v)", where, s)
		}
		if v := c.tok.VocabSize(); int64(v) > c.Config.VocabSize {
			return fmt.Errorf("%s: the tokenizer has %d pieces but config.json's vocab_size is %d", where, v, c.Config.VocabSize)
		}
	}
	return nil
}

// WriteFiles writes the encoder's config.json and tokenizer files into
// dir, a Hugging Face model folder without weights.
func (c *TransformerConfig) WriteFiles(dir string) error {
	if c.tok == nil {
		return fmt.Errorf("transformer embedding: no tokenizer to save")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c.Config, "", "  ")
	if err != nil {
		return err
	}
	if err := safefile.WriteBytes(filepath.Join(dir, "config.json"), append(data, '\n')); err != nil {
		return err
	}
	return c.tok.Save(dir)
}

// ReadFiles reads the tokenizer WriteFiles saved in dir.
func (c *TransformerConfig) ReadFiles(dir string) error {
	tok, err := tokenize.Load(dir)
	if err != nil {
		return err
	}
	c.tok = tok
	return c.check(dir)
}

// New creates the encoder under p, with the weights of the folder From
// read, if any (a tagger being loaded gets its own weights afterwards).
func (c *TransformerConfig) New(p *nn.Path) (Embedder, error) {
	if c.tok == nil {
		return nil, fmt.Errorf("transformer embedding %s: its tokenizer was not read", c.Model)
	}
	if err := c.check(c.Model); err != nil {
		return nil, err
	}
	t := &Transformer{cfg: c, bert: BuildBert(c.Config, p), tok: c.tok, device: p.Device()}
	if c.source != "" {
		if _, err := t.bert.LoadWeights(c.source); err != nil {
			return nil, err
		}
	}
	if !c.FineTune {
		for _, v := range t.bert.Variables() {
			// Not gotch's RequiresGrad_: it keeps libtorch's second handle
			// to the tensor, which then is never freed.
			torch.InPlace(func(out *lib.Ctensor) { lib.AtgRequiresGrad_(out, lib.Ctensor(v.Ctensor()), 0) })
		}
	}
	t.layers = make([]int, len(c.Layers))
	for i, l := range c.Layers {
		if l < 0 {
			l += c.Config.NumHiddenLayers + 1
		}
		t.layers[i] = l
	}
	t.dim = int(c.Config.HiddenSize)
	if !c.LayerMean {
		t.dim *= len(t.layers)
	}
	if c.Pooling == "first_last" {
		t.dim *= 2
	}
	return t, nil
}

// Transformer is a transformer encoder of a tagger's words.
type Transformer struct {
	cfg    *TransformerConfig
	bert   *Bert
	tok    tokenize.Tokenizer
	layers []int // the hidden states used, counted from 0
	dim    int
	device gotch.Device
}

// Dim is the size of a word's vector.
func (t *Transformer) Dim() int { return t.dim }

// Bert is the encoder.
func (t *Transformer) Bert() *Bert { return t.bert }

// Config is the encoder's configuration, defaults filled in.
func (t *Transformer) Config() TransformerConfig { return *t.cfg }

// Tokenizer is the encoder's tokenizer.
func (t *Transformer) Tokenizer() tokenize.Tokenizer { return t.tok }

// Pieces cuts a sentence into the encoder's pieces (without [CLS] and
// [SEP] around it) and says which word each piece belongs to. The context
// marker <EOS> of a context view becomes the separator token, so the
// encoder reads "sentence [SEP] context" as one segment (token type 0
// throughout); the text after it is tokenized on its own, as a new text.
func (t *Transformer) Pieces(words []string) (ids, wordOf []int) {
	start := 0
	for i := 0; i <= len(words); i++ {
		if i < len(words) && words[i] != corpus.EOS {
			continue
		}
		if i > start {
			toks, of := tokenize.Words(t.tok, words[start:i])
			for j, tok := range toks {
				ids = append(ids, tok.ID)
				wordOf = append(wordOf, start+of[j])
			}
		}
		if i < len(words) {
			ids = append(ids, t.tok.Specials().SEP)
			wordOf = append(wordOf, i)
		}
		start = i + 1
	}
	return ids, wordOf
}

// pieceMap says where a sentence's pieces are: the word each belongs to,
// and its row in the encoder's flattened output.
type pieceMap struct{ wordOf, row []int }

// Forward encodes a batch of sentences: [B, T, Dim()], zeros at padding.
func (t *Transformer) Forward(batch [][]string, train bool) *ts.Tensor {
	B, T := batchShape(batch)
	c := t.cfg
	specials := t.tok.Specials()
	// Every sentence's windows go through the encoder as one batch of
	// [CLS] pieces [SEP] rows; a piece is read from the window where it
	// is most central.
	var windowIDs [][]int
	var windowStart []int // the window's first piece in its sentence
	sentences := make([]pieceMap, B)
	width := 0
	for i, words := range batch {
		ids, wordOf := t.Pieces(words)
		spans, from := planWindows(len(ids), c.MaxLength-2, c.Stride)
		first := len(windowIDs)
		for _, s := range spans {
			row := append(append([]int{specials.CLS}, ids[s[0]:s[1]]...), specials.SEP)
			windowIDs = append(windowIDs, row)
			windowStart = append(windowStart, s[0])
			width = max(width, len(row))
		}
		sentences[i] = pieceMap{wordOf: wordOf, row: make([]int, len(ids))}
		for j, w := range from {
			sentences[i].row[j] = first + w // the window for now; its row below
		}
	}
	for i := range sentences {
		for j, win := range sentences[i].row {
			sentences[i].row[j] = win*width + 1 + j - windowStart[win]
		}
	}
	W := len(windowIDs)
	idData := make([]int64, W*width)
	maskData := make([]int64, W*width)
	for w, ids := range windowIDs {
		for k := range width {
			if k < len(ids) {
				idData[w*width+k], maskData[w*width+k] = int64(ids[k]), 1
			} else {
				idData[w*width+k] = int64(specials.PAD)
			}
		}
	}
	ids := torch.MustFromInt64s(idData, []int64{int64(W), int64(width)}, t.device)
	mask := torch.MustFromInt64s(maskData, []int64{int64(W), int64(width)}, t.device)
	defer ids.MustDrop()
	defer mask.MustDrop()

	var states *ts.Tensor // [W·width, D]
	encode := func() { states = t.encode(ids, mask, train && c.FineTune) }
	if c.FineTune {
		encode()
	} else {
		torch.NoGrad(encode)
	}
	defer states.MustDrop()
	if c.Pooling == "first_last" {
		first := t.pool(states, sentences, "first", T)
		last := t.pool(states, sentences, "last", T)
		out := ts.MustCat([]*ts.Tensor{first, last}, -1)
		first.MustDrop()
		last.MustDrop()
		return out
	}
	return t.pool(states, sentences, c.Pooling, T)
}

// encode runs the encoder and combines the chosen layers' states:
// [W·width, D].
func (t *Transformer) encode(ids, mask *ts.Tensor, train bool) *ts.Tensor {
	wanted := map[int]bool{}
	for _, l := range t.layers {
		wanted[l] = true
	}
	kept := t.bert.HiddenStates(ids, mask, nil, train, func(i int) bool { return wanted[i] })
	chosen := make([]*ts.Tensor, len(t.layers))
	for i, l := range t.layers {
		chosen[i] = kept[l]
	}
	var states *ts.Tensor
	switch {
	case len(chosen) == 1:
		states = chosen[0].MustShallowClone()
	case t.cfg.LayerMean:
		states = ts.MustStack(chosen, 0).MustMeanDim([]int64{0}, false, gotch.Float, true)
	default:
		states = ts.MustCat(chosen, -1)
	}
	for _, s := range kept {
		if s != nil {
			s.MustDrop()
		}
	}
	return states.MustView([]int64{-1, states.MustSize()[2]}, true)
}

// pool makes each word's vector from its pieces' rows of states:
// [B, T, D], zeros at padding. how is first, last or mean.
func (t *Transformer) pool(states *ts.Tensor, sentences []pieceMap, how string, T int) *ts.Tensor {
	var src, dst []int64
	var weight []float32
	for i, s := range sentences {
		for j, w := range s.wordOf {
			firstOfWord := j == 0 || s.wordOf[j-1] != w
			lastOfWord := j == len(s.wordOf)-1 || s.wordOf[j+1] != w
			if how == "first" && !firstOfWord || how == "last" && !lastOfWord {
				continue
			}
			src = append(src, int64(s.row[j]))
			dst = append(dst, int64(i*T+w))
			if how == "mean" {
				n := 1
				for k := j + 1; k < len(s.wordOf) && s.wordOf[k] == w; k++ {
					n++
				}
				for k := j - 1; k >= 0 && s.wordOf[k] == w; k-- {
					n++
				}
				weight = append(weight, 1/float32(n))
			}
		}
	}
	D := states.MustSize()[1]
	srcT := torch.MustFromInt64s(src, []int64{int64(len(src))}, t.device)
	dstT := torch.MustFromInt64s(dst, []int64{int64(len(dst))}, t.device)
	defer srcT.MustDrop()
	defer dstT.MustDrop()
	pieces := states.MustIndexSelect(0, srcT, false) // [N, D]
	if how == "mean" {
		w := torch.MustFromFloat32s(weight, []int64{int64(len(weight)), 1}, t.device)
		pieces = pieces.MustMul(w, true)
		w.MustDrop()
	}
	out := ts.MustZeros([]int64{int64(len(sentences) * T), D}, gotch.Float, t.device)
	out = out.MustIndexAdd(0, dstT, pieces, true)
	pieces.MustDrop()
	return out.MustView([]int64{int64(len(sentences)), int64(T), D}, true)
}

// planWindows cuts n pieces into windows of at most size pieces, each
// starting size−stride after the one before, the last one ending at n.
// It returns the windows as [start, end) and, for each piece, the window
// it is read from: the one where it is most central (farthest from the
// window's nearer edge; the earlier window on a tie), so that every piece
// is encoded with as much context on both sides as the windows give.
func planWindows(n, size, stride int) (windows [][2]int, from []int) {
	if n <= size {
		return [][2]int{{0, n}}, make([]int, n)
	}
	step := size - stride
	for start := 0; ; start += step {
		if start+size >= n {
			windows = append(windows, [2]int{n - size, n})
			break
		}
		windows = append(windows, [2]int{start, start + size})
	}
	from = make([]int, n)
	for j := range n {
		best, bestMargin := -1, -1
		for w, s := range windows {
			if j < s[0] || j >= s[1] {
				continue
			}
			if margin := min(j-s[0], s[1]-1-j); margin > bestMargin {
				best, bestMargin = w, margin
			}
		}
		from[j] = best
	}
	return windows, from
}
