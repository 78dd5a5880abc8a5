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

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/crf"
	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// FormatVersion is written into saved models; loading refuses other
// versions rather than misreading them.
const FormatVersion = 1

// Config is everything needed to rebuild a tagger's structure; it is saved
// as the model's JSON, beside the weights.
type Config struct {
	Format    int                `json:"format"`
	TagScheme string             `json:"tag_scheme"` // "bio" or "bioes"
	Tags      *corpus.Dictionary `json:"tags"`       // with <START>/<STOP> last when UseCRF
	Model     config.Model       `json:"model"`
	Word      *WordConfig        `json:"word,omitempty"`
	Char      *CharConfig        `json:"char,omitempty"`
	// WeightChecksums says the weights file records a checksum of every
	// tensor, so that one whose checksums were lost (a flipped byte in
	// their metadata key) is refused rather than read unchecked. Models
	// saved before checksums have none and load as they are.
	WeightChecksums bool `json:"weight_checksums,omitempty"`
}

// WordConfig is the word table: its vocabulary and size.
type WordConfig struct {
	Dim               int          `json:"dim"`
	LowercaseFallback bool         `json:"lowercase_fallback"`
	Frozen            bool         `json:"frozen"`
	Vocab             *embed.Vocab `json:"vocab"`
}

// CharConfig is the character encoder.
type CharConfig struct {
	Encoder  string       `json:"encoder"`
	Dim      int          `json:"dim"`
	Hidden   int          `json:"hidden"`
	Kernel   int          `json:"kernel"`
	Alphabet *embed.Vocab `json:"alphabet"`
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
// weights (vectors, when given, initialise the word table; pass nil when
// loading saved weights next).
func New(cfg Config, vecs *wordvec.Vectors, counts map[string]int, device gotch.Device) (*Tagger, wordvec.Coverage, error) {
	var cov wordvec.Coverage
	if cfg.Format != FormatVersion {
		return nil, cov, fmt.Errorf("model format %d; this nerlab reads format %d", cfg.Format, FormatVersion)
	}
	scheme, err := corpus.ParseScheme(cfg.TagScheme)
	if err != nil || (scheme != corpus.BIO && scheme != corpus.BIOES) {
		return nil, cov, fmt.Errorf("tag scheme %q; expected bio or bioes", cfg.TagScheme)
	}
	if cfg.Tags == nil || cfg.Tags.Len() == 0 {
		return nil, cov, fmt.Errorf("the model has no tag dictionary")
	}
	t := &Tagger{Config: cfg, VS: nn.NewVarStore(device), Device: device, scheme: scheme}
	t.numTags = cfg.Tags.Len()
	if cfg.Model.UseCRF {
		start, ok1 := cfg.Tags.ID(corpus.StartTag)
		stop, ok2 := cfg.Tags.ID(corpus.StopTag)
		if !ok1 || !ok2 || start != t.numTags-2 || stop != t.numTags-1 {
			return nil, cov, fmt.Errorf("a CRF tagger's tag dictionary must end with %s and %s", corpus.StartTag, corpus.StopTag)
		}
		t.numTags -= 2
	}
	root := t.VS.Root()
	var parts []embed.Embedder
	if cfg.Word != nil {
		if cfg.Word.Vocab == nil || cfg.Word.Dim <= 0 {
			return nil, cov, fmt.Errorf("word embeddings need a vocabulary and a positive size")
		}
		w, c, err := embed.NewWord(root.Sub("word"), cfg.Word.Vocab, cfg.Word.Dim, vecs, counts, cfg.Word.LowercaseFallback, cfg.Word.Frozen)
		if err != nil {
			return nil, cov, err
		}
		t.word, cov = w, c
		parts = append(parts, w)
	}
	if cfg.Char != nil {
		if cfg.Char.Alphabet == nil {
			return nil, cov, fmt.Errorf("character embeddings need an alphabet")
		}
		c, err := embed.NewChar(root.Sub("char"), cfg.Char.Alphabet, cfg.Char.Encoder, cfg.Char.Dim, cfg.Char.Hidden, cfg.Char.Kernel)
		if err != nil {
			return nil, cov, err
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		return nil, cov, fmt.Errorf("the model has no embeddings; expected word and/or char")
	}
	t.embed = embed.NewStack(parts...)
	dim := int64(t.embed.Dim())
	if cfg.Model.Reproject {
		t.project = nn.NewLinear(root.Sub("reproject"), dim, dim, nn.DefaultLinearConfig())
	}
	if cfg.Model.UseRNN {
		layers := max(cfg.Model.RNNLayers, 1)
		if cfg.Model.HiddenSize <= 0 {
			return nil, cov, fmt.Errorf("model.hidden_size must be positive with use_rnn")
		}
		t.rnn = embed.NewBiLSTM(root.Sub("rnn"), int(dim), cfg.Model.HiddenSize, layers)
		dim = int64(t.rnn.OutDim())
	}
	t.out = nn.NewLinear(root.Sub("out"), dim, int64(t.numTags), nn.DefaultLinearConfig())
	if cfg.Model.UseCRF {
		t.crf = crf.New(root.Sub("crf"), t.numTags)
		if cfg.Model.Constraints {
			allowed, err := crf.SchemeConstraints(cfg.Tags.Labels()[:t.numTags], scheme)
			if err != nil {
				return nil, cov, err
			}
			t.crf.Constrain(allowed)
		}
	}
	return t, cov, nil
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
