// Package bertscore re-ranks retrieved passages by BERTScore (Zhang et
// al., 2020) computed with a transformer encoder, as CLNER re-ranks its
// retrieved passages: the query sentence and each passage are encoded,
// every sub-token of one side is matched to its most similar sub-token of
// the other (greedy matching by the cosine of their hidden states), and
// precision, recall and F1 are the means of those best similarities. The
// static-vector variant, which needs no encoder, is retrieve's
// "bertscore" re-ranker.
//
// Conventions, as BERTScore's: the sub-tokens are the tokenizer's pieces
// of the raw texts; the encoder reads each text as [CLS] pieces [SEP],
// and [CLS] and [SEP] take no part in the matching (BERTScore's code
// keeps them as targets of the matching and gives them weight 0 as
// sources; here they are neither); the states are those of one layer, by
// default the last. Inverse-document-frequency weighting is off by default
// (BERTScore's default too); Options.IDF turns it on.
package bertscore

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/tokenize"
	"github.com/nerlab/nerlab/lib/torch"
)

// Options tune a Scorer.
type Options struct {
	// Layer is the hidden state used, numbered as Hugging Face's
	// output_hidden_states (0: the embeddings, i: layer i); negative
	// numbers count from the top, as embeddings.transformer.layers does
	// (-1: the last layer, -2: the one below it).
	Layer int
	// Batch is the number of passages encoded together (default 32).
	Batch int
	// IDF, when not nil, weights each sub-token by IDF[id] in the means
	// (ids it lacks weigh 1); see IDFWeights.
	IDF map[int]float64
}

// Scorer is a retrieve.Scorer and retrieve.BatchScorer with an encoder.
type Scorer struct {
	enc    *embed.Bert
	device gotch.Device
	tok    tokenize.Tokenizer
	layer  int
	batch  int
	idf    map[int]float64
	limit  int // pieces a text keeps: the encoder's input limit less [CLS] and [SEP]
	// mu lets one forward run at a time: retrieve's workers share the
	// scorer, and each forward already uses all of libtorch's threads.
	mu sync.Mutex
}

// Load reads the encoder and tokenizer of a Hugging Face model folder
// (embed.LoadBert, tokenize.Load) for scoring on the CPU.
func Load(dir string, opt Options) (*Scorer, error) {
	enc, _, err := embed.LoadBert(dir, gotch.CPU)
	if err != nil {
		return nil, err
	}
	tok, err := tokenize.Load(dir)
	if err != nil {
		return nil, err
	}
	s, err := New(enc, tok, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return s, nil
}

// New makes a Scorer of an encoder and its tokenizer.
func New(enc *embed.Bert, tok tokenize.Tokenizer, opt Options) (*Scorer, error) {
	c := enc.Config
	layer := opt.Layer
	if layer < 0 {
		layer += c.NumHiddenLayers + 1
	}
	if layer < 0 || layer > c.NumHiddenLayers {
		return nil, fmt.Errorf("bertscore: layer %d of an encoder with %d layers (hidden states 0 to %d, or -1 to -%d from the top)",
			opt.Layer, c.NumHiddenLayers, c.NumHiddenLayers, c.NumHiddenLayers+1)
	}
	sp := tok.Specials()
	if sp.CLS < 0 || sp.SEP < 0 {
		return nil, fmt.Errorf("bertscore: the tokenizer has no [CLS] or no [SEP] token")
	}
	if tok.VocabSize() > int(c.VocabSize) {
		return nil, fmt.Errorf("bertscore: the tokenizer has %d pieces, the encoder's vocab_size is %d", tok.VocabSize(), c.VocabSize)
	}
	limit := c.InputLimit()
	batch := opt.Batch
	if batch <= 0 {
		batch = 32
	}
	device := enc.Variables()["embeddings.word_embeddings.weight"].MustDevice()
	return &Scorer{enc: enc, device: device, tok: tok, layer: layer, batch: batch, idf: opt.IDF, limit: int(limit) - 2}, nil
}

// Name is the re-ranker's name, as retrieve's.
func (s *Scorer) Name() string { return "bertscore" }

// Score is the F1 of one passage for a query sentence's tokens; 0 where
// either has no pieces. ScoreAll scores many at once, faster.
func (s *Scorer) Score(query []string, hit retrieve.Hit) float64 {
	f, err := s.ScoreAll(query, []retrieve.Hit{hit})
	if err != nil {
		panic(err) // retrieve.Scorer has no error; Retrieve calls ScoreAll
	}
	return f[0]
}

// ScoreAll is each passage's F1 for the query sentence's tokens.
func (s *Scorer) ScoreAll(query []string, hits []retrieve.Hit) ([]float64, error) {
	texts := make([]string, len(hits))
	for i, h := range hits {
		texts[i] = h.Text
	}
	prf, err := s.Scores(strings.Join(query, " "), texts)
	if err != nil {
		return nil, err
	}
	f := make([]float64, len(prf))
	for i, r := range prf {
		f[i] = r.F1
	}
	return f, nil
}

// PRF is BERTScore's precision (the candidate's sub-tokens matched into
// the reference), recall (the reference's matched into the candidate) and
// their harmonic mean.
type PRF struct{ P, R, F1 float64 }

// Scores is BERTScore of each candidate text against the reference text
// (here: each passage against the query sentence). A text's pieces beyond
// the encoder's input limit are left out, as BERTScore truncates.
func (s *Scorer) Scores(reference string, candidates []string) ([]PRF, error) {
	ref := s.pieces(reference)
	refVecs, err := s.encode([][]int{ref})
	if err != nil {
		return nil, err
	}
	out := make([]PRF, len(candidates))
	cands := make([][]int, len(candidates))
	for i, c := range candidates {
		cands[i] = s.pieces(c)
	}
	// Batches of similar lengths pad little: longest first.
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(cands[b]) - len(cands[a]) })
	for start := 0; start < len(order); start += s.batch {
		part := order[start:min(start+s.batch, len(order))]
		ids := make([][]int, len(part))
		for j, i := range part {
			ids[j] = cands[i]
		}
		vecs, err := s.encode(ids)
		if err != nil {
			return nil, err
		}
		for j, i := range part {
			out[i] = Match(refVecs[0], vecs[j], s.weights(ref), s.weights(cands[i]))
		}
	}
	return out, nil
}

// pieces are a text's piece ids, cut at the input limit.
func (s *Scorer) pieces(text string) []int {
	toks := s.tok.Encode(text)
	ids := make([]int, 0, min(len(toks), s.limit))
	for _, t := range toks[:min(len(toks), s.limit)] {
		ids = append(ids, t.ID)
	}
	return ids
}

// weights are the pieces' IDF weights, nil without IDF weighting.
func (s *Scorer) weights(ids []int) []float64 {
	if s.idf == nil {
		return nil
	}
	w := make([]float64, len(ids))
	for i, id := range ids {
		w[i] = 1
		if v, ok := s.idf[id]; ok {
			w[i] = v
		}
	}
	return w
}

// encode runs the encoder on texts given as piece ids, each read as
// [CLS] pieces [SEP] in one padded batch, and returns each piece's state
// at the chosen layer (without [CLS] and [SEP]).
func (s *Scorer) encode(texts [][]int) ([][][]float32, error) {
	sp := s.tok.Specials()
	pad := sp.PAD
	if pad < 0 {
		pad = int(s.enc.Config.PadTokenID)
	}
	width := 2
	for _, t := range texts {
		width = max(width, len(t)+2)
	}
	B := len(texts)
	idData, maskData := make([]int64, B*width), make([]int64, B*width)
	for b, t := range texts {
		row := append(append([]int{sp.CLS}, t...), sp.SEP)
		for k := range width {
			if k < len(row) {
				idData[b*width+k], maskData[b*width+k] = int64(row[k]), 1
			} else {
				idData[b*width+k] = int64(pad)
			}
		}
	}
	var vals []float32
	var err error
	s.mu.Lock()
	defer s.mu.Unlock()
	torch.NoGrad(func() {
		ids := torch.MustFromInt64s(idData, []int64{int64(B), int64(width)}, s.device)
		mask := torch.MustFromInt64s(maskData, []int64{int64(B), int64(width)}, s.device)
		states := s.enc.HiddenStates(ids, mask, nil, false, func(i int) bool { return i == s.layer })
		ids.MustDrop()
		mask.MustDrop()
		vals, err = torch.Float32s(states[s.layer])
		states[s.layer].MustDrop()
	})
	if err != nil {
		return nil, err
	}
	H := int(s.enc.Config.HiddenSize)
	out := make([][][]float32, B)
	for b, t := range texts {
		out[b] = make([][]float32, len(t))
		for k := range t {
			at := (b*width + 1 + k) * H // row k+1: after [CLS]
			out[b][k] = vals[at : at+H]
		}
	}
	return out, nil
}

// Match is BERTScore's greedy matching of a reference's and a candidate's
// token vectors: each token's best cosine with a token of the other side,
// averaged (weighted by wRef and wCand when not nil) into recall over the
// reference and precision over the candidate, and their F1. Either side
// empty (or weighing 0) gives zeros; F1 is 0 when P + R ≤ 0.
func Match(ref, cand [][]float32, wRef, wCand []float64) PRF {
	if len(ref) == 0 || len(cand) == 0 {
		return PRF{}
	}
	unit := func(vs [][]float32) [][]float64 {
		out := make([][]float64, len(vs))
		for i, v := range vs {
			var n float64
			for _, x := range v {
				n += float64(x) * float64(x)
			}
			n = math.Sqrt(n)
			out[i] = make([]float64, len(v))
			if n == 0 {
				continue // a zero vector: cosine 0 with everything
			}
			for j, x := range v {
				out[i][j] = float64(x) / n
			}
		}
		return out
	}
	r, c := unit(ref), unit(cand)
	bestR := make([]float64, len(r))
	bestC := make([]float64, len(c))
	for i := range bestR {
		bestR[i] = math.Inf(-1)
	}
	for j := range bestC {
		bestC[j] = math.Inf(-1)
	}
	for i, u := range r {
		for j, v := range c {
			var dot float64
			for k := range u {
				dot += u[k] * v[k]
			}
			bestR[i] = max(bestR[i], dot)
			bestC[j] = max(bestC[j], dot)
		}
	}
	var out PRF
	out.R = weightedMean(bestR, wRef)
	out.P = weightedMean(bestC, wCand)
	if out.P+out.R > 0 {
		out.F1 = 2 * out.P * out.R / (out.P + out.R)
	}
	return out
}

func weightedMean(xs, w []float64) float64 {
	var sum, total float64
	for i, x := range xs {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		sum += wi * x
		total += wi
	}
	if total == 0 {
		return 0
	}
	return sum / total
}

// IDFWeights are BERTScore's inverse document frequencies of the pieces
// of a set of texts (the references it scores against, say): a piece in
// d of the M texts weighs log((M+1)/(d+1)); pieces in none weigh
// log(M+1), as BERTScore gives unseen pieces.
func IDFWeights(tok tokenize.Tokenizer, texts []string) map[int]float64 {
	df := map[int]int{}
	for _, t := range texts {
		seen := map[int]bool{}
		for _, p := range tok.Encode(t) {
			if !seen[p.ID] {
				seen[p.ID] = true
				df[p.ID]++
			}
		}
	}
	M := float64(len(texts))
	w := make(map[int]float64, tok.VocabSize())
	for id := range tok.VocabSize() {
		w[id] = math.Log((M + 1) / float64(df[id]+1))
	}
	return w
}

// Close frees the encoder's weights.
func (s *Scorer) Close() {
	if s.enc.VS != nil {
		s.enc.VS.Destroy()
	}
}

var _ retrieve.BatchScorer = (*Scorer)(nil)
