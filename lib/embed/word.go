package embed

import (
	"fmt"
	"sort"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/wordvec"
)

// Word is a word-embedding table: one row per vocabulary entry, looked up
// with flair's fallbacks (see Lookup). It is trainable unless frozen. Its
// vocabulary must not grow after NewWord: the table has no rows for
// later additions.
type Word struct {
	vocab    *Vocab
	weight   *ts.Tensor // [vocab.Len(), dim]
	dim      int
	fallback bool
	frozen   bool
	device   gotch.Device
}

// BuildWordVocab makes the vocabulary of a word table: the training words
// with count >= minCount (most frequent first, ties in string order), then,
// when vecs is not nil, every other word of the vectors file in file order,
// so that words first seen at test time still get their pre-trained vector.
// The order depends only on the inputs, never on map iteration.
func BuildWordVocab(counts map[string]int, minCount int, vecs *wordvec.Vectors) *Vocab {
	if minCount < 1 {
		minCount = 1
	}
	words := make([]string, 0, len(counts))
	for w, n := range counts {
		if n >= minCount {
			words = append(words, w)
		}
	}
	sort.Slice(words, func(i, j int) bool {
		if ci, cj := counts[words[i]], counts[words[j]]; ci != cj {
			return ci > cj
		}
		return words[i] < words[j]
	})
	v := NewVocab(words...)
	if vecs != nil {
		for _, w := range vecs.Words {
			v.Add(w)
		}
	}
	return v
}

// defaultInitStd is the standard deviation of rows without a pre-trained
// vector when there are no vectors to take the scale from.
const defaultInitStd = 0.1

// NewWord creates the embedding table for vocab under p, as the variable
// "weight" of shape [vocab.Len(), dim].
//
// A row whose word has a vector in vecs — exactly or, with
// lowercaseFallback, through the fallbacks Lookup uses — starts as a copy of
// it. Other rows are drawn from N(0, σ²), where σ is the standard deviation
// of all values in vecs (0.1 without vectors): new rows then have the
// scale of the pre-trained ones, so the layers above see no difference in
// magnitude between known and unknown words. The "<pad>" row is zero and,
// since Forward passes it as the padding index, receives no gradient. The
// "<unk>" row is zero too when the table is frozen (an unknown word then
// carries no information, as in flair); a trainable table learns it.
//
// frozen tables are not trainable (no gradient). The Coverage returned is
// how the vectors cover counts (zero when vecs is nil); trainers print it.
func NewWord(p *nn.Path, vocab *Vocab, dim int, vecs *wordvec.Vectors, counts map[string]int, lowercaseFallback, frozen bool) (*Word, wordvec.Coverage, error) {
	switch {
	case vocab == nil || vocab.Len() < 2:
		return nil, wordvec.Coverage{}, fmt.Errorf("word embedding: empty vocabulary; expected one made by NewVocab or BuildWordVocab")
	case dim < 1:
		return nil, wordvec.Coverage{}, fmt.Errorf("word embedding: dimension %d; expected at least 1", dim)
	case vecs != nil && vecs.Dim != dim:
		return nil, wordvec.Coverage{}, fmt.Errorf("word embedding: the vectors have %d dimensions; expected %d, the configured word embedding size", vecs.Dim, dim)
	}
	device := p.Device()

	std := defaultInitStd
	var vecIndex map[string]int
	if vecs != nil {
		vecIndex = vecs.Index()
		if s := wordvec.StdDev(vecs.Values); s > 0 {
			std = s
		}
	}

	// Rows to overwrite after the random draw: pre-trained vectors and the
	// reserved rows that start at zero.
	var rowIDs []int64
	var rows []float32
	zeroRow := make([]float32, dim)
	rowIDs = append(rowIDs, PadID)
	rows = append(rows, zeroRow...)
	if frozen {
		rowIDs = append(rowIDs, UnkID)
		rows = append(rows, zeroRow...)
	}
	if vecs != nil {
		for id := UnkID + 1; id < vocab.Len(); id++ {
			if row, how := wordvec.Lookup(vecIndex, vocab.Word(id), lowercaseFallback); how != wordvec.Missing {
				rowIDs = append(rowIDs, int64(id))
				rows = append(rows, vecs.Vector(row)...)
			}
		}
	}

	shape := []int64{int64(vocab.Len()), int64(dim)}
	// None of these tensors requires a gradient, so no graph is recorded.
	random := ts.MustRandn(shape, gotch.Float, device).MustMulScalar(ts.FloatScalar(std), true)
	idx := torch.MustFromInt64s(rowIDs, []int64{int64(len(rowIDs))}, device)
	src := torch.MustFromFloat32s(rows, []int64{int64(len(rowIDs)), int64(dim)}, device)
	init := random.MustIndexCopy(0, idx, src, true)
	idx.MustDrop()
	src.MustDrop()
	weight, err := p.Add("weight", init, !frozen)
	init.MustDrop()
	if err != nil {
		return nil, wordvec.Coverage{}, fmt.Errorf("word embedding: %w", err)
	}

	w := &Word{vocab: vocab, weight: weight, dim: dim, fallback: lowercaseFallback, frozen: frozen, device: device}
	var cov wordvec.Coverage
	if vecs != nil {
		cov = wordvec.CoverageOf(counts, vecIndex, lowercaseFallback)
	}
	return w, cov, nil
}

// WordKind is the kind of word tables in a model's list of encoders.
const WordKind = "word"

func init() { Register(WordKind, func() Config { return new(WordConfig) }) }

// WordConfig is a word table's saved configuration (see Config).
type WordConfig struct {
	Dim               int    `json:"dim"`
	LowercaseFallback bool   `json:"lowercase_fallback"`
	Frozen            bool   `json:"frozen"`
	Vocab             *Vocab `json:"vocab"` // made by Fit

	// MinCount and Vectors are how Fit makes the vocabulary and New the
	// initial table (see BuildWordVocab and NewWord). They are not
	// saved: the vocabulary and the weights hold what they gave.
	MinCount    int              `json:"-"`
	Vectors     *wordvec.Vectors `json:"-"`
	VectorsPath string           `json:"-"` // where Vectors were read, for Fit's note
}

// Kind is WordKind.
func (c *WordConfig) Kind() string { return WordKind }

// Fit makes the vocabulary from the training words (BuildWordVocab) and
// takes the size from the vectors when there are any; its note is how
// the vectors cover the training words.
func (c *WordConfig) Fit(counts map[string]int) (summary, note string, err error) {
	if c.Vectors != nil {
		c.Dim = c.Vectors.Dim
		cov := wordvec.CoverageOf(counts, c.Vectors.Index(), c.LowercaseFallback)
		note = "vectors " + c.VectorsPath + ": " + cov.String()
	}
	c.Vocab = BuildWordVocab(counts, c.MinCount, c.Vectors)
	return fmt.Sprintf("%d words", c.Vocab.Len()), note, nil
}

// New creates the table (NewWord), initialised from Vectors when set. It
// lets go of them then: the table holds what they gave, and a vectors file
// of 100k words need not live as long as the model.
func (c *WordConfig) New(p *nn.Path) (Embedder, error) {
	if c.Vocab == nil || c.Dim <= 0 {
		return nil, fmt.Errorf("word embeddings need a vocabulary and a positive size")
	}
	w, _, err := NewWord(p, c.Vocab, c.Dim, c.Vectors, nil, c.LowercaseFallback, c.Frozen)
	if err == nil {
		c.Vectors = nil
	}
	return w, err
}

// Lookup returns the row of token: its exact form; then, when the table
// was made with lowercaseFallback, its lowercase form, then its lowercase
// form with every digit replaced by '0'; then "<unk>". The literal token
// "<pad>" is read as unknown, so that only padding positions embed to the
// padding row.
func (w *Word) Lookup(token string) int {
	id, how := wordvec.Lookup(w.vocab.index, token, w.fallback)
	if how == wordvec.Missing || id == PadID {
		return UnkID
	}
	return id
}

// Dim returns the embedding size.
func (w *Word) Dim() int { return w.dim }

// Vocab returns the table's vocabulary.
func (w *Word) Vocab() *Vocab { return w.vocab }

// Weight returns the table, [Vocab().Len(), Dim()] (owned by the VarStore).
func (w *Word) Weight() *ts.Tensor { return w.weight }

// Frozen reports whether the table is excluded from training.
func (w *Word) Frozen() bool { return w.frozen }

// Forward looks up every token of the batch: [B, T, Dim()], zeros at
// padding. train has no effect (word dropout is WordDropout's job).
func (w *Word) Forward(batch [][]string, train bool) *ts.Tensor {
	b, t := batchShape(batch)
	ids := make([]int64, b*t) // PadID everywhere a sentence has ended
	for i, sentence := range batch {
		for j, token := range sentence {
			ids[i*t+j] = int64(w.Lookup(token))
		}
	}
	if b == 0 || t == 0 {
		return torch.Zeros([]int64{int64(b), int64(t), int64(w.dim)}, w.device)
	}
	idx := torch.MustFromInt64s(ids, []int64{int64(b), int64(t)}, w.device)
	out := ts.MustEmbedding(w.weight, idx, PadID, false, false)
	idx.MustDrop()
	return out
}
