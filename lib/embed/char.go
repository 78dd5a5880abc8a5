package embed

import (
	"fmt"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/torch"
)

// Char encoders.
const (
	CharLSTM = "lstm"
	CharCNN  = "cnn"
)

// Char encodes each word from its characters (runes), as flair's
// CharacterEmbeddings (encoder "lstm") or Ma & Hovy's character CNN
// (encoder "cnn"):
//
//   - lstm: a one-layer BiLSTM over the word's character embeddings; the
//     word's vector is the forward state after its last character followed
//     by the backward state after its first, 2*hidden values.
//   - cnn: a convolution with hidden filters of width kernel over the
//     character embeddings, zero-padded by kernel/2 on both sides; the
//     maximum of each filter over the output positions the word has when
//     convolved alone (its length for odd kernels, one more for even ones);
//     then tanh; hidden values. Applying tanh after the maximum equals Ma &
//     Hovy's tanh-then-max (tanh is increasing) on far fewer values.
//
// Each distinct word of a batch is encoded once and its vector copied to
// every position where it occurs, so a word gets the same vector wherever it
// appears and however the batch is padded. Characters missing from the
// alphabet read as "<unk>"; the alphabet must not grow after NewChar.
type Char struct {
	alphabet *Vocab
	encoder  string
	table    *ts.Tensor // [alphabet.Len(), charDim]
	lstm     *BiLSTM    // encoder lstm
	convW    *ts.Tensor // encoder cnn: [hidden, charDim, kernel]
	convB    *ts.Tensor // encoder cnn: [hidden]
	kernel   int
	dim      int
	device   gotch.Device
}

// BuildCharVocab makes the alphabet of a char encoder: every rune of the
// training words, most frequent (weighted by word count) first, ties in
// rune order.
func BuildCharVocab(counts map[string]int) *Vocab {
	freq := map[rune]int{}
	for w, n := range counts {
		for _, r := range w {
			freq[r] += n
		}
	}
	runes := make([]rune, 0, len(freq))
	for r := range freq {
		runes = append(runes, r)
	}
	sort.Slice(runes, func(i, j int) bool {
		if fi, fj := freq[runes[i]], freq[runes[j]]; fi != fj {
			return fi > fj
		}
		return runes[i] < runes[j]
	})
	chars := make([]string, len(runes))
	for i, r := range runes {
		chars[i] = string(r)
	}
	return NewVocab(chars...)
}

// NewChar creates a char encoder under p: the character table "embedding"
// [alphabet.Len(), charDim] drawn from N(0, 1) like torch.nn.Embedding
// (the "<pad>" row zero), and either a BiLSTM under p.Sub("lstm") with
// hidden units per direction (kernel unused) or a convolution under
// p.Sub("conv") ("weight" [hidden, charDim, kernel], "bias" [hidden],
// initialised like torch.nn.Conv1d: U(-1/√(charDim·kernel), +…)).
func NewChar(p *nn.Path, alphabet *Vocab, encoder string, charDim, hidden, kernel int) (*Char, error) {
	switch {
	case alphabet == nil || alphabet.Len() < 2:
		return nil, fmt.Errorf("char encoder: empty alphabet; expected one made by BuildCharVocab")
	case encoder != CharLSTM && encoder != CharCNN:
		return nil, fmt.Errorf("char encoder %q; expected %q or %q", encoder, CharLSTM, CharCNN)
	case charDim < 1 || hidden < 1:
		return nil, fmt.Errorf("char encoder: char_dim %d, hidden %d; expected both at least 1", charDim, hidden)
	case encoder == CharCNN && kernel < 1:
		return nil, fmt.Errorf("char encoder cnn: kernel width %d; expected at least 1", kernel)
	}
	c := &Char{alphabet: alphabet, encoder: encoder, kernel: kernel, device: p.Device()}

	random := ts.MustRandn([]int64{int64(alphabet.Len()), int64(charDim)}, gotch.Float, c.device)
	padRow := torch.MustFromInt64s([]int64{PadID}, []int64{1}, c.device)
	init := random.MustIndexFill(0, padRow, ts.FloatScalar(0), true)
	padRow.MustDrop()
	table, err := p.Add("embedding", init, true)
	init.MustDrop()
	if err != nil {
		return nil, fmt.Errorf("char encoder: %w", err)
	}
	c.table = table

	switch encoder {
	case CharLSTM:
		c.lstm = NewBiLSTM(p.Sub("lstm"), charDim, hidden, 1)
		c.dim = c.lstm.OutDim()
	case CharCNN:
		conv := p.Sub("conv")
		bound := 1 / math.Sqrt(float64(charDim*kernel))
		c.convW = conv.MustUniform("weight", []int64{int64(hidden), int64(charDim), int64(kernel)}, -bound, bound)
		c.convB = conv.MustUniform("bias", []int64{int64(hidden)}, -bound, bound)
		c.dim = hidden
	}
	return c, nil
}

// CharKind is the kind of character encoders in a model's list of
// encoders.
const CharKind = "char"

func init() { Register(CharKind, func() Config { return new(CharConfig) }) }

// CharConfig is a character encoder's saved configuration (see Config
// and NewChar).
type CharConfig struct {
	Encoder  string `json:"encoder"` // CharLSTM or CharCNN
	Dim      int    `json:"dim"`     // character embedding size
	Hidden   int    `json:"hidden"`  // per-direction LSTM size, or CNN filters
	Kernel   int    `json:"kernel"`  // CNN kernel width
	Alphabet *Vocab `json:"alphabet"`
}

// Kind is CharKind.
func (c *CharConfig) Kind() string { return CharKind }

// Fit makes the alphabet from the training words (BuildCharVocab).
func (c *CharConfig) Fit(counts map[string]int) (summary, note string, err error) {
	c.Alphabet = BuildCharVocab(counts)
	return fmt.Sprintf("%d characters", c.Alphabet.Len()), "", nil
}

// New creates the encoder (NewChar).
func (c *CharConfig) New(p *nn.Path) (Embedder, error) {
	if c.Alphabet == nil {
		return nil, fmt.Errorf("character embeddings need an alphabet")
	}
	return NewChar(p, c.Alphabet, c.Encoder, c.Dim, c.Hidden, c.Kernel)
}

// Dim returns the size of a word's vector.
func (c *Char) Dim() int { return c.dim }

// Alphabet returns the character vocabulary.
func (c *Char) Alphabet() *Vocab { return c.alphabet }

// Encoder returns CharLSTM or CharCNN.
func (c *Char) Encoder() string { return c.encoder }

// Forward encodes every token of the batch: [B, T, Dim()], zeros at
// padding.
func (c *Char) Forward(batch [][]string, train bool) *ts.Tensor {
	b, t := batchShape(batch)
	// slot[i*t+j] is 1 + the distinct-word index of token j of sentence i,
	// 0 at padding.
	slot := make([]int64, b*t)
	seen := map[string]int64{}
	var words []string
	for i, sentence := range batch {
		for j, token := range sentence {
			k, ok := seen[token]
			if !ok {
				k = int64(len(words))
				seen[token] = k
				words = append(words, token)
			}
			slot[i*t+j] = k + 1
		}
	}
	if len(words) == 0 {
		return torch.Zeros([]int64{int64(b), int64(t), int64(c.dim)}, c.device)
	}

	encoded := c.encodeWords(words, train) // [U, dim]
	zeroRow := torch.Zeros([]int64{1, int64(c.dim)}, c.device)
	withZero := ts.MustCat([]*ts.Tensor{zeroRow, encoded}, 0)
	zeroRow.MustDrop()
	encoded.MustDrop()
	idx := torch.MustFromInt64s(slot, []int64{int64(b), int64(t)}, c.device)
	out := ts.MustEmbedding(withZero, idx, -1, false, false)
	idx.MustDrop()
	withZero.MustDrop()
	return out
}

// MaxTokenChars is how many characters of one token the character
// encoder reads: a longer token is read as its first and last
// MaxTokenChars/2 characters. A 5 MB token once took 285 s and 6 GB to
// tag; the words the encoder learns from are far shorter (a URL of 64
// characters keeps its scheme, host start and ending).
const MaxTokenChars = 64

// readChars is the characters of w the encoder reads (see MaxTokenChars).
func readChars(w string) []rune {
	if utf8.RuneCountInString(w) <= MaxTokenChars {
		return []rune(w)
	}
	half := MaxTokenChars / 2
	head := make([]rune, 0, MaxTokenChars)
	for _, r := range w {
		if len(head) == half {
			break
		}
		head = append(head, r)
	}
	tail := make([]rune, half)
	end := len(w)
	for i := half - 1; i >= 0; i-- {
		r, size := utf8.DecodeLastRuneInString(w[:end])
		tail[i], end = r, end-size
	}
	return append(head, tail...)
}

// encodeWords returns one vector per word: [len(words), Dim()].
func (c *Char) encodeWords(words []string, train bool) *ts.Tensor {
	chars := make([][]rune, len(words))
	lengths := make([]int, len(words))
	longest := 0
	for i, w := range words {
		chars[i] = readChars(w)
		// An empty token is read as one unknown character, so that every
		// word has at least one position.
		n := max(len(chars[i]), 1)
		lengths[i] = n
		longest = max(longest, n)
	}
	ids := make([]int64, len(words)*longest) // PadID after each word's end
	for i, w := range chars {
		if len(w) == 0 {
			ids[i*longest] = UnkID
		}
		for j, r := range w {
			id, _ := c.alphabet.ID(string(r))
			ids[i*longest+j] = int64(id)
		}
	}
	u := int64(len(words))
	idx := torch.MustFromInt64s(ids, []int64{u, int64(longest)}, c.device)
	embedded := ts.MustEmbedding(c.table, idx, PadID, false, false) // [U, L, charDim]
	idx.MustDrop()
	defer embedded.MustDrop()

	if c.encoder == CharLSTM {
		return c.lstm.Final(embedded, lengths, train)
	}
	return c.convolve(embedded, lengths, longest)
}

// convolve is the cnn encoder on embedded characters [U, L, charDim].
func (c *Char) convolve(chars *ts.Tensor, lengths []int, longest int) *ts.Tensor {
	pad := int64(c.kernel / 2)
	x := chars.MustTranspose(1, 2, false) // [U, charDim, L]
	conv := ts.MustConv1d(x, c.convW, c.convB, []int64{1}, []int64{pad}, []int64{1}, 1)
	x.MustDrop()
	// Alone, a word of n characters has n+2·pad-kernel+1 output positions;
	// the batch's later positions exist only because of longer words and
	// are masked with -Inf before the max.
	positions := longest + 2*int(pad) - c.kernel + 1
	mask := make([]float32, len(lengths)*positions)
	negInf := float32(math.Inf(-1))
	for i, n := range lengths {
		for p := n + 2*int(pad) - c.kernel + 1; p < positions; p++ {
			mask[i*positions+p] = negInf
		}
	}
	maskT := torch.MustFromFloat32s(mask, []int64{int64(len(lengths)), 1, int64(positions)}, c.device)
	masked := conv.MustAdd(maskT, true)
	maskT.MustDrop()
	return masked.MustAmax([]int64{2}, false, true).MustTanh(true)
}
