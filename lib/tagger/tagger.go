// Package tagger is nerlab's sequence tagger: stacked token embeddings →
// optional BiLSTM → linear → CRF (or softmax), flair's SequenceTagger in
// Go. It predicts BIO or BIOES tags, reports entity spans with
// confidences, and supports CLNER context views: tokens tagged X (the
// <EOS> and retrieved context appended to a sentence) go through the
// encoder, so the sentence's representations see them, but are removed
// before the CRF and never scored or predicted.
package tagger

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/crf"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
)

// FormatVersion is written into saved models; loading refuses other
// versions rather than misreading them, except format 1, which it
// upgrades (see Load).
//
// Format 2 lists the encoders as embed.Specs ("embeddings": [{"kind":
// "word", …}, {"kind": "char", …}]) where format 1 had fixed "word" and
// "char" fields; the weights are named as before.
const FormatVersion = 2

// Config is everything needed to rebuild a tagger's structure; it is saved
// as the model's JSON, beside the weights.
type Config struct {
	Format    int                `json:"format"`
	TagScheme string             `json:"tag_scheme"` // "bio" or "bioes"
	Tags      *corpus.Dictionary `json:"tags"`       // with <START>/<STOP> last when UseCRF
	Model     Layers             `json:"model"`
	// Embeddings are the token encoders, stacked in this order; each one's
	// parameters live under its kind (word.weight, char.embedding).
	Embeddings []embed.Spec `json:"embeddings"`
	// WeightChecksums says the weights file records a checksum of every
	// tensor, so that one whose checksums were lost (a flipped byte in
	// their metadata key) is refused rather than read unchecked. Models
	// saved before checksums have none and load as they are.
	WeightChecksums bool `json:"weight_checksums,omitempty"`
}

// Layers are the tagger above its encoders: the optional reprojection and
// BiLSTM, the output layer, the CRF, and the dropouts between them.
type Layers struct {
	UseRNN        bool    `json:"use_rnn"`
	HiddenSize    int     `json:"hidden_size"` // per direction
	RNNLayers     int     `json:"rnn_layers"`
	UseCRF        bool    `json:"use_crf"`
	Constraints   bool    `json:"constraints"` // forbid transitions the tag scheme cannot produce
	Dropout       float64 `json:"dropout"`
	WordDropout   float64 `json:"word_dropout"`
	LockedDropout float64 `json:"locked_dropout"`
	Reproject     bool    `json:"reproject"` // linear map of the stacked embeddings before the RNN
	// LinearInit is one of LinearInits ("" is normal, and Save writes
	// normal as ""); it matters only when the tagger is built, not when
	// it is loaded.
	LinearInit string `json:"linear_init,omitempty"`
}

// LinearInits are the ways the output and reprojection layers can start.
// normal is gotch's linear layer: weights from N(0, 1), biases from
// U(±1/√outputs). torch is torch.nn.Linear's, and so flair's: weights and
// biases from U(±1/√inputs), 20 to 40 times smaller for 128 to 512
// inputs. normal stays the default because the BiLSTM learns faster from
// it: on the demo world, 8 epochs, its context view reaches 84 test F1
// where torch's reaches 57. A fine-tuned transformer does 2 points better
// with torch (BENCHMARKS.md, "how the output layer starts").
var LinearInits = []string{"normal", "torch"}

// newLinear makes a linear layer of the tagger, started as init (checked
// by New) says.
func newLinear(p *nn.Path, in, out int64, init string) *nn.Linear {
	if init == "torch" {
		return torch.NewLinear(p, in, out)
	}
	return nn.NewLinear(p, in, out, nn.DefaultLinearConfig())
}

// Tagger is a sequence tagger with its weights.
type Tagger struct {
	Config Config
	VS     *nn.VarStore
	Device gotch.Device

	scheme  corpus.Scheme
	numTags int // real tags, without <START>/<STOP>
	word    *embed.Word
	embed   embed.Embedder
	project *nn.Linear // optional reprojection of the embeddings
	rnn     *embed.BiLSTM
	out     *nn.Linear
	crf     *crf.CRF
}

// New builds a tagger of the given structure with freshly initialised
// weights (Load overwrites them with saved ones).
//
// The parameters are created in the order of the layers: each encoder
// under its kind, then reproject, rnn, out and crf. The order is the
// order of random draws, so it fixes the initial weights of a seed.
func New(cfg Config, device gotch.Device) (*Tagger, error) {
	if cfg.Format != FormatVersion {
		// Load upgrades a format-1 model.json, so only format 2 gets here.
		return nil, fmt.Errorf("model format %d; a tagger is built from a format-%d config (Load reads formats 1 and %d)", cfg.Format, FormatVersion, FormatVersion)
	}
	scheme, err := corpus.ParseScheme(cfg.TagScheme)
	if err != nil || (scheme != corpus.BIO && scheme != corpus.BIOES) {
		return nil, fmt.Errorf("tag scheme %q; expected bio or bioes", cfg.TagScheme)
	}
	if cfg.Tags == nil || cfg.Tags.Len() == 0 {
		return nil, fmt.Errorf("the model has no tag dictionary")
	}
	t := &Tagger{Config: cfg, VS: nn.NewVarStore(device), Device: device, scheme: scheme}
	t.numTags = cfg.Tags.Len()
	if cfg.Model.UseCRF {
		start, ok1 := cfg.Tags.ID(corpus.StartTag)
		stop, ok2 := cfg.Tags.ID(corpus.StopTag)
		if !ok1 || !ok2 || start != t.numTags-2 || stop != t.numTags-1 {
			return nil, fmt.Errorf("a CRF tagger's tag dictionary must end with %s and %s", corpus.StartTag, corpus.StopTag)
		}
		t.numTags -= 2
	}
	root := t.VS.Root()
	if init := cfg.Model.LinearInit; init != "" && !slices.Contains(LinearInits, init) {
		// before the embeddings, which may load a transformer
		return nil, fmt.Errorf("linear_init %q; expected one of %s", init, strings.Join(LinearInits, ", "))
	}
	if len(cfg.Embeddings) == 0 {
		return nil, fmt.Errorf("the model has no embeddings; expected at least one encoder (%s)", strings.Join(embed.Kinds(), ", "))
	}
	parts := make([]embed.Embedder, len(cfg.Embeddings))
	seen := map[string]bool{}
	for i, spec := range cfg.Embeddings {
		if spec.Config == nil {
			return nil, fmt.Errorf("embedding %d has no configuration", i+1)
		}
		kind := spec.Kind()
		if seen[kind] {
			// Both would want the same parameter names.
			return nil, fmt.Errorf("two %s embeddings; a model stacks one encoder of each kind", kind)
		}
		seen[kind] = true
		e, err := spec.New(root.Sub(kind))
		if err != nil {
			return nil, err
		}
		if w, ok := e.(*embed.Word); ok {
			t.word = w
		}
		parts[i] = e
	}
	t.embed = embed.NewStack(device, parts...)
	dim := int64(t.embed.Dim())
	if cfg.Model.Reproject {
		t.project = newLinear(root.Sub("reproject"), dim, dim, cfg.Model.LinearInit)
	}
	if cfg.Model.UseRNN {
		layers := max(cfg.Model.RNNLayers, 1)
		if cfg.Model.HiddenSize <= 0 {
			return nil, fmt.Errorf("model.hidden_size must be positive with use_rnn")
		}
		t.rnn = embed.NewBiLSTM(root.Sub("rnn"), int(dim), cfg.Model.HiddenSize, layers)
		dim = int64(t.rnn.OutDim())
	}
	t.out = newLinear(root.Sub("out"), dim, int64(t.numTags), cfg.Model.LinearInit)
	if cfg.Model.UseCRF {
		t.crf = crf.New(root.Sub("crf"), t.numTags)
		if cfg.Model.Constraints {
			allowed, err := crf.SchemeConstraints(cfg.Tags.Labels()[:t.numTags], scheme)
			if err != nil {
				return nil, err
			}
			t.crf.Constrain(allowed)
		}
	}
	return t, nil
}

// Scheme is the tag scheme the tagger predicts in.
func (t *Tagger) Scheme() corpus.Scheme { return t.scheme }

// NumTags is the number of real tags (without <START>/<STOP>).
func (t *Tagger) NumTags() int { return t.numTags }

// Tag returns the label of tag id.
func (t *Tagger) Tag(id int) string { return t.Config.Tags.Label(id) }

// CRF returns the CRF layer, or nil for a softmax tagger.
func (t *Tagger) CRF() *crf.CRF { return t.crf }

// Word returns the word table, or nil.
func (t *Tagger) Word() *embed.Word { return t.word }

// Params returns the trainable parameters by VarStore name, so optimizers
// can group them (the CRF transitions are "crf.transitions").
//
// The tensors are the VarStore's own (matched by their C handles, since
// VarStore.Variables returns copies): a copy's handle dangles once gotch's
// finalizer frees the original, while the originals live as long as the
// store does.
func (t *Tagger) Params() map[string]*ts.Tensor {
	byHandle := map[uintptr]*ts.Tensor{}
	for _, p := range t.VS.TrainableVariables() {
		byHandle[uintptr(p.Ctensor())] = p
	}
	out := map[string]*ts.Tensor{}
	for name, v := range t.VS.Variables() {
		if p, ok := byHandle[uintptr(v.Ctensor())]; ok {
			out[name] = p
		}
	}
	return out
}

// TransitionsName is the VarStore name of the CRF transitions.
const TransitionsName = "crf.transitions"
