package tokenize

import (
	"cmp"
	"container/heap"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// WordPiece vocabulary training, the procedure of Hugging Face's
// WordPieceTrainer (tokenizers/src/models/wordpiece/trainer.rs), which is
// BPE's merge counting with a continuation prefix: every word of the
// corpus (after BERT's basic pre-tokenization, basicWords) starts as its
// characters, the first as itself and the others as ##c; then, until the
// vocabulary is full, the pair of adjacent symbols that occurs most often
// in the corpus (each word weighted by its count) is merged into one
// symbol (a + b without b's ##) everywhere, and the merged symbol joins
// the vocabulary. WordPiece's encoder later splits a word greedily by the
// longest prefix in the vocabulary, so the merges themselves are not kept.
//
// Where HF breaks ties between pairs of equal count by its internal ids,
// this trainer takes the pair whose two symbols come first in byte order,
// so that the vocabulary depends only on the word counts: the order in
// which texts are added does not change it.

// The special tokens of a BERT vocabulary, at ids 0–4 of a trained one.
var wordPieceSpecials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}

// maxWordChars is BERT's max_input_chars_per_word: its WordPiece encodes a
// longer word as [UNK], so such words are not counted.
const maxWordChars = 100

// WordPieceTrainerOptions set what TrainWordPiece makes.
type WordPieceTrainerOptions struct {
	// VocabSize is the size of the vocabulary, the five special tokens
	// included. Training stops earlier when no pair is frequent enough.
	VocabSize int
	// MinFrequency is the least count a pair needs to be merged (0 means
	// 2, HF's WordPiece default: a pair seen once teaches nothing).
	MinFrequency int
	// Lowercase makes an uncased vocabulary (do_lower_case: lower-cased,
	// accents stripped), as bert-base-uncased; the default is cased.
	Lowercase bool
	// LimitAlphabet keeps only the most frequent characters as initial
	// symbols (0: all of them); words with another character are then
	// [UNK] for the encoder. HF's default is 1000.
	LimitAlphabet int
}

// WordPieceTrainer counts the words of texts and makes a WordPiece
// vocabulary of them. It is not safe for concurrent use.
type WordPieceTrainer struct {
	opt    WordPieceTrainerOptions
	counts map[string]int
}

// NewWordPieceTrainer makes a trainer; Add texts, then Vocab.
func NewWordPieceTrainer(opt WordPieceTrainerOptions) *WordPieceTrainer {
	if opt.MinFrequency <= 0 {
		opt.MinFrequency = 2
	}
	return &WordPieceTrainer{opt: opt, counts: map[string]int{}}
}

// Add counts the words of text.
func (t *WordPieceTrainer) Add(text string) {
	for _, w := range basicWords(text, t.opt.Lowercase) {
		if utf8.RuneCountInString(w) <= maxWordChars {
			t.counts[w]++
		}
	}
}

// Words is the number of distinct words counted so far.
func (t *WordPieceTrainer) Words() int { return len(t.counts) }

// Vocab trains the vocabulary: the special tokens [PAD] [UNK] [CLS] [SEP]
// [MASK] (ids 0 to 4), then the initial symbols (the characters, then ##
// and each character that occurs inside a word, each in byte order), then the merged symbols in the order
// they were made. It is an error when VocabSize cannot hold the specials
// and the alphabet.
func (t *WordPieceTrainer) Vocab() ([]string, error) {
	alphabet := t.alphabet()
	// Words as symbol ids; symbols[id] spells symbol id.
	var symbols []string
	ids := map[string]int32{}
	symbol := func(s string) int32 {
		if id, ok := ids[s]; ok {
			return id
		}
		ids[s] = int32(len(symbols))
		symbols = append(symbols, s)
		return ids[s]
	}
	// The characters, then ## and the characters that occur after a
	// word's first (punctuation, always a word of its own, has no ##
	// form).
	inner := map[string]bool{}
	for w := range t.counts {
		for i, r := range w {
			if i > 0 {
				inner[string(r)] = true
			}
		}
	}
	initial := slices.Clone(alphabet)
	for _, c := range alphabet {
		if inner[c] {
			initial = append(initial, "##"+c)
		}
	}
	for _, s := range initial {
		symbol(s)
	}
	need := len(wordPieceSpecials) + len(initial)
	if t.opt.VocabSize < need {
		return nil, fmt.Errorf("tokenize: a vocabulary of %d cannot hold the 5 special tokens and the %d initial symbols of %d characters; ask for at least %d (or limit the alphabet)", t.opt.VocabSize, len(initial), len(alphabet), need)
	}
	inAlphabet := map[string]bool{}
	for _, c := range alphabet {
		inAlphabet[c] = true
	}
	// Distinct words in byte order, so that everything below is
	// independent of map iteration.
	var words [][]int32
	var counts []int
	for _, w := range slices.Sorted(maps.Keys(t.counts)) {
		var syms []int32
		ok := true
		for i, r := range w {
			c := string(r)
			if !inAlphabet[c] {
				ok = false
				break
			}
			if i > 0 {
				c = "##" + c
			}
			syms = append(syms, ids[c])
		}
		if ok {
			words = append(words, syms)
			counts = append(counts, t.counts[w])
		}
	}
	vocab := append(slices.Clone(wordPieceSpecials), initial...)
	inVocab := map[string]bool{}
	for _, s := range vocab {
		inVocab[s] = true
	}
	m := newMerger(words, counts, func(a, b int32) string { return symbols[a] + "\x00" + symbols[b] })
	for len(vocab) < t.opt.VocabSize {
		a, b, n := m.best()
		if n < t.opt.MinFrequency {
			break
		}
		merged := symbols[a] + strings.TrimPrefix(symbols[b], "##")
		id := symbol(merged)
		if !inVocab[merged] {
			// Two pairs can spell the same symbol (##ab + ##c and ##a + ##bc).
			inVocab[merged] = true
			vocab = append(vocab, merged)
		}
		m.merge(a, b, id)
	}
	return vocab, nil
}

// alphabet is the characters of the counted words in byte order, the
// LimitAlphabet most frequent ones when that is set.
func (t *WordPieceTrainer) alphabet() []string {
	freq := map[string]int{}
	for w, n := range t.counts {
		for _, r := range w {
			freq[string(r)] += n
		}
	}
	chars := slices.Sorted(maps.Keys(freq))
	if l := t.opt.LimitAlphabet; l > 0 && len(chars) > l {
		slices.SortStableFunc(chars, func(a, b string) int { return cmp.Compare(freq[b], freq[a]) })
		chars = chars[:l]
		slices.Sort(chars)
	}
	return chars
}

// merger keeps the pair counts of words of symbols as pairs are merged.
type merger struct {
	words  [][]int32
	counts []int
	pairs  map[uint64]int     // weighted count of each adjacent pair
	where  map[uint64][]int32 // words that had the pair (may hold stale or repeated entries)
	queue  mergeQueue
	seen   []int // the merge that last visited each word, to visit it once per merge
	merges int
}

func pairKey(a, b int32) uint64            { return uint64(uint32(a))<<32 | uint64(uint32(b)) }
func pairOf(k uint64) (a, b int32)         { return int32(uint32(k >> 32)), int32(uint32(k)) }
func (m *merger) pairName(k uint64) string { a, b := pairOf(k); return m.queue.name(a, b) }

func newMerger(words [][]int32, counts []int, name func(a, b int32) string) *merger {
	m := &merger{words: words, counts: counts, pairs: map[uint64]int{}, where: map[uint64][]int32{},
		seen: make([]int, len(words)), queue: mergeQueue{name: name}}
	for wi, w := range words {
		for i := 0; i+1 < len(w); i++ {
			k := pairKey(w[i], w[i+1])
			m.pairs[k] += counts[wi]
			m.where[k] = append(m.where[k], int32(wi))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.pairs)) {
		m.queue.items = append(m.queue.items, pairItem{key: k, count: m.pairs[k], name: m.pairName(k)})
	}
	heap.Init(&m.queue)
	return m
}

// best returns the most frequent pair (0 count when none is left). The
// queue holds counts as they were pushed; a count that has since dropped
// is pushed again with its current value.
func (m *merger) best() (a, b int32, count int) {
	for m.queue.Len() > 0 {
		top := m.queue.items[0]
		now := m.pairs[top.key]
		if now == top.count {
			a, b = pairOf(top.key)
			return a, b, now
		}
		heap.Pop(&m.queue)
		if now > 0 {
			heap.Push(&m.queue, pairItem{key: top.key, count: now, name: top.name})
		}
	}
	return 0, 0, 0
}

// merge replaces every adjacent a, b by id and updates the pair counts.
func (m *merger) merge(a, b, id int32) {
	m.merges++
	k := pairKey(a, b)
	changed := map[uint64]bool{}
	add := func(x, y int32, n int, wi int32) {
		key := pairKey(x, y)
		m.pairs[key] += n
		if n > 0 {
			m.where[key] = append(m.where[key], wi)
			changed[key] = true
		}
	}
	for _, wi := range m.where[k] {
		if m.seen[wi] == m.merges {
			continue
		}
		m.seen[wi] = m.merges
		w, n := m.words[wi], m.counts[wi]
		out := w[:0:0]
		for i := 0; i < len(w); i++ {
			if i+1 < len(w) && w[i] == a && w[i+1] == b {
				// The pairs around a b give way to the pairs around the
				// merged symbol.
				if len(out) > 0 {
					prev := out[len(out)-1]
					add(prev, a, -n, wi)
					add(prev, id, n, wi)
				}
				if i+2 < len(w) {
					add(b, w[i+2], -n, wi)
					add(id, w[i+2], n, wi)
				}
				add(a, b, -n, wi)
				out = append(out, id)
				i++
				continue
			}
			out = append(out, w[i])
		}
		m.words[wi] = out
	}
	delete(m.where, k)
	delete(m.pairs, k)
	for _, key := range slices.Sorted(maps.Keys(changed)) {
		if c := m.pairs[key]; c > 0 {
			heap.Push(&m.queue, pairItem{key: key, count: c, name: m.pairName(key)})
		}
	}
}

type pairItem struct {
	key   uint64
	count int
	name  string // the two symbols, for ties
}

// mergeQueue is a max-heap of pairs by count, then by name (byte order).
type mergeQueue struct {
	items []pairItem
	name  func(a, b int32) string
}

func (q mergeQueue) Len() int { return len(q.items) }
func (q mergeQueue) Less(i, j int) bool {
	if q.items[i].count != q.items[j].count {
		return q.items[i].count > q.items[j].count
	}
	return q.items[i].name < q.items[j].name
}
func (q mergeQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *mergeQueue) Push(x any)   { q.items = append(q.items, x.(pairItem)) }
func (q *mergeQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

// WriteWordPiece writes a trained vocabulary as a BERT tokenizer's files
// into dir (WordPiece.Save: vocab.txt, one entry a line, the line number
// its id, and tokenizer_config.json for transformers' BertTokenizer with
// do_lower_case as trained), with model_max_length maxLength.
func WriteWordPiece(dir string, vocab []string, lowercase bool, maxLength int) error {
	for i, v := range vocab {
		if v == "" || strings.ContainsAny(v, "\n\r") {
			return fmt.Errorf("write %s: vocabulary entry %d is %q; entries are non-empty and one a line", filepath.Join(dir, "vocab.txt"), i, v)
		}
	}
	w := NewWordPiece(vocab, lowercase)
	w.config = hfConfig{"model_max_length": maxLength}
	return w.Save(dir)
}
