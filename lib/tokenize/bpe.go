package tokenize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nerlab/nerlab/internal/jsonpos"
	"github.com/nerlab/nerlab/internal/safefile"
)

// BPE is byte-level byte-pair encoding, GPT-2's and RoBERTa's tokenizer:
// the text is cut by GPT-2's pattern (contractions, letters, digits,
// other symbols, each with the space before it), every byte of a cut is
// spelled as a printable character (the space is "Ġ"), and the merges
// join adjacent pieces, the earliest-listed merge first.
type BPE struct {
	vocab
	ranks  map[[2]string]int // merge → its line (lower merges first)
	merges [][2]string
	// contPrefix marks a word's later symbols in tokenizer.json's BPE
	// (continuing_subword_prefix): a merge drops the right symbol's.
	contPrefix string
	unk        string // the piece for a byte the vocabulary lacks ("" drops it)
	prefix     bool   // add_prefix_space: a text not starting with ' ' gets one
	trim       bool   // trim_offsets: a piece's offsets leave out its spaces
	names      specialNames
	added      []addedToken
	config     hfConfig
	cacheMu    sync.Mutex
	cache      map[string][]string // a cut's pieces
	cacheCap   int
}

// defaultRobertaNames are RobertaTokenizer's special tokens.
var defaultRobertaNames = specialNames{CLS: "<s>", SEP: "</s>", PAD: "<pad>", UNK: "<unk>", MASK: "<mask>"}

// byteChar spells each byte as a printable character (GPT-2's
// bytes_to_unicode): printable Latin-1 bytes stand for themselves, the
// others for 256, 257, … in byte order. charByte is the inverse.
var byteChar, charByte = func() ([256]rune, map[rune]byte) {
	var bc [256]rune
	cb := map[rune]byte{}
	n := 0
	for b := range 256 {
		if '!' <= b && b <= '~' || 0xA1 <= b && b <= 0xAC || 0xAE <= b && b <= 0xFF {
			bc[b] = rune(b)
		} else {
			bc[b] = rune(256 + n)
			n++
		}
		cb[bc[b]] = byte(b)
	}
	return bc, cb
}()

// NewBPE makes a byte-level BPE tokenizer from a vocabulary (pieces by
// id: no gaps) and merges in priority order, with RoBERTa's settings.
func NewBPE(pieces []string, merges [][2]string) (*BPE, error) {
	b := &BPE{vocab: newVocab(pieces), merges: merges, trim: true, names: defaultRobertaNames, config: hfConfig{}, cacheCap: 10000}
	if err := b.setMerges("merges", merges, nil); err != nil {
		return nil, err
	}
	b.setAdded()
	return b, nil
}

// setMerges checks and ranks merges; lines are their lines in file
// (nil: merge i is on line i+1).
func (b *BPE) setMerges(file string, merges [][2]string, lines []int) error {
	b.ranks = make(map[[2]string]int, len(merges))
	for i, m := range merges {
		for _, p := range []string{m[0], m[1], m[0] + strings.TrimPrefix(m[1], b.contPrefix)} {
			if _, ok := b.ids[p]; !ok {
				where := fmt.Sprintf("merge %d", i)
				if lines != nil {
					where = fmt.Sprintf("line %d", lines[i])
				}
				return fmt.Errorf("%s: %s: merge %q %q: %q is not in the vocabulary", file, where, m[0], m[1], p)
			}
		}
		if _, dup := b.ranks[m]; !dup {
			b.ranks[m] = i
		}
	}
	b.merges = merges
	b.cache = map[string][]string{}
	return nil
}

// setAdded makes the special tokens added tokens; <mask> takes the
// space before it, as RobertaTokenizer's mask token does.
func (b *BPE) setAdded() {
	b.added = b.added[:0]
	for _, s := range b.names.list() {
		if id := b.id(s); id >= 0 {
			b.added = append(b.added, addedToken{content: s, id: id, lstrip: s == b.names.MASK})
		}
	}
}

// ReadBPE reads dir's vocab.json (piece → id) and merges.txt (a merge a
// line, "#version" lines skipped), with tokenizer_config.json's
// add_prefix_space, trim_offsets and special tokens if present.
func ReadBPE(dir string) (*BPE, error) {
	vpath := filepath.Join(dir, "vocab.json")
	pieces, err := readVocabJSON(vpath)
	if err != nil {
		return nil, err
	}
	mpath := filepath.Join(dir, "merges.txt")
	merges, lines, err := readMerges(mpath)
	if err != nil {
		return nil, err
	}
	b := &BPE{vocab: newVocab(pieces), trim: true, names: defaultRobertaNames, cacheCap: 10000}
	if err := b.setMerges(mpath, merges, lines); err != nil {
		return nil, err
	}
	c, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "tokenizer_config.json")
	if b.prefix, err = c.bool(file, "add_prefix_space", false); err != nil {
		return nil, err
	}
	if b.trim, err = c.bool(file, "trim_offsets", true); err != nil {
		return nil, err
	}
	b.names = c.names(defaultRobertaNames)
	b.unk = ""
	b.config = c
	b.setAdded()
	return b, nil
}

// readVocabJSON reads a {piece: id} object whose ids are 0…n-1, each
// once, as pieces by id.
func readVocabJSON(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]int
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %s (want an object of piece: id)", path, jsonpos.Describe(data, err))
	}
	return vocabByID(path, m)
}

func vocabByID(path string, m map[string]int) ([]string, error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("%s: empty vocabulary", path)
	}
	pieces := make([]string, len(m))
	seen := make([]bool, len(m))
	for p, id := range m {
		if id < 0 || id >= len(m) {
			return nil, fmt.Errorf("%s: %q has id %d, outside 0…%d (ids must number the %d pieces without gaps)", path, p, id, len(m)-1, len(m))
		}
		if seen[id] {
			return nil, fmt.Errorf("%s: id %d is given to %q and %q", path, id, pieces[id], p)
		}
		pieces[id], seen[id] = p, true
	}
	return pieces, nil
}

// readMerges reads merges.txt: "a b" a line; a first line starting
// "#version" is a header. lines are the merges' line numbers.
func readMerges(path string) (merges [][2]string, lines []int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 && strings.HasPrefix(line, "#version") || line == "" {
			continue
		}
		a, b, ok := strings.Cut(line, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, nil, fmt.Errorf("%s: line %d: %q is not a merge (two pieces separated by one space)", path, n, line)
		}
		merges = append(merges, [2]string{a, b})
		lines = append(lines, n)
	}
	return merges, lines, nil
}

func (b *BPE) Specials() Specials { return b.names.ids(&b.vocab) }

func (b *BPE) Encode(text string) []Token {
	var out []Token
	var added []bool // which pieces are added tokens
	for _, seg := range splitAdded(text, b.added) {
		if seg.id >= 0 {
			// As Hugging Face: the token stands for the whitespace it
			// took too, until trimming takes that off.
			out = append(out, Token{seg.id, b.pieces[seg.id], seg.wideStart, seg.wideEnd})
			added = append(added, true)
			continue
		}
		out = b.encode(text, seg.start, seg.end, out)
		for len(added) < len(out) {
			added = append(added, false)
		}
	}
	if b.trim {
		trimOffsets(text, out, added, b.prefix)
	}
	return out
}

// encode appends the pieces of text[start:end].
func (b *BPE) encode(text string, start, end int, out []Token) []Token {
	cs := newChars(text[start:end], start)
	if b.prefix && len(cs) > 0 && cs[0].r != ' ' {
		// The added space stands for the first character (Hugging Face
		// aligns it so); trimming then moves the piece's offsets off it.
		cs = append(chars{{' ', cs[0].start, cs[0].end}}, cs...)
	}
	for _, cut := range gpt2Split(cs) {
		out = b.cut(cut, out)
	}
	return out
}

// cut appends the pieces of one cut of GPT-2's pattern.
func (b *BPE) cut(cs chars, out []Token) []Token {
	// The cut's bytes spelled as characters, each with the span of the
	// character it is a byte of.
	var sb strings.Builder
	var spans [][2]int
	var buf [4]byte
	for _, c := range cs {
		n := utf8.EncodeRune(buf[:], c.r)
		for _, x := range buf[:n] {
			sb.WriteRune(byteChar[x])
			spans = append(spans, [2]int{c.start, c.end})
		}
	}
	k := 0 // the cut's byte where the next piece starts
	for _, p := range b.bpe(sb.String()) {
		n := utf8.RuneCountInString(p)
		if id, ok := b.ids[p]; ok {
			out = append(out, Token{id, p, spans[k][0], spans[k+n-1][1]})
		} else if id, ok := b.ids[b.unk]; ok && b.unk != "" {
			out = append(out, Token{id, b.unk, spans[k][0], spans[k+n-1][1]})
		}
		k += n
	}
	return out
}

// bpe merges the characters of word: the adjacent pair whose merge is
// listed first, the leftmost if it occurs more than once, until no pair
// has a merge.
func (b *BPE) bpe(word string) []string {
	b.cacheMu.Lock()
	cached, ok := b.cache[word]
	b.cacheMu.Unlock()
	if ok {
		return cached
	}
	syms := make([]string, 0, len(word))
	for _, r := range word {
		syms = append(syms, string(r))
	}
	syms = mergeSymbols(syms, b.ranks, "")
	b.cacheMu.Lock()
	if len(b.cache) >= b.cacheCap {
		clear(b.cache)
	}
	b.cache[word] = syms
	b.cacheMu.Unlock()
	return syms
}

// mergeSymbols applies merges to a word's symbols: the adjacent pair
// whose merge ranks first, the leftmost if it occurs more than once,
// until no pair has a merge (Hugging Face's BPE, whose priority queue
// pops the lowest rank, then the leftmost position). A merged symbol
// drops its right part's continuing prefix.
func mergeSymbols(syms []string, ranks map[[2]string]int, prefix string) []string {
	for len(syms) > 1 {
		best, at := -1, -1
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := ranks[[2]string{syms[i], syms[i+1]}]; ok && (best < 0 || r < best) {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		syms[at] += strings.TrimPrefix(syms[at+1], prefix)
		syms = append(syms[:at+1], syms[at+2:]...)
	}
	return syms
}

// trimOffsets moves a piece's offsets off its spaces ("Ġ" at either end:
// "Ġthe" covers "the"; an added token's whitespace it took), as the
// ByteLevel and Roberta post-processors' trim_offsets do: by as many
// characters as the piece has spaces there (Hugging Face's bindings
// trim offsets already counted in characters), with their rule for a
// text's first piece: when the tokenizer added a space before the text
// (add_prefix_space), that space stands for the first character, so the
// first piece's start stays. An added token (added[i]) is spelled by the
// text it took.
func trimOffsets(text string, toks []Token, added []bool, prefixAdded bool) {
	for i := range toks {
		t := &toks[i]
		spelled := t.Piece
		if added[i] {
			spelled = text[t.Start:t.End]
		}
		rs := []rune(spelled)
		lead, trail := 0, 0
		for lead < len(rs) && (rs[lead] == byteChar[' '] || unicode.IsSpace(rs[lead])) {
			lead++
		}
		for trail < len(rs) && (rs[len(rs)-1-trail] == byteChar[' '] || unicode.IsSpace(rs[len(rs)-1-trail])) {
			trail++
		}
		if lead > 0 {
			first := i == 0 || t.Start == 0
			if !first || !prefixAdded {
				start := t.Start
				for k := 0; k < lead && start < len(text); k++ {
					_, w := utf8.DecodeRuneInString(text[start:])
					start += w
				}
				t.Start = min(start, t.End)
			}
		}
		if trail > 0 && utf8.RuneCountInString(text[:t.End]) >= trail {
			end := t.End
			for k := 0; k < trail && end > 0; k++ {
				_, w := utf8.DecodeLastRuneInString(text[:end])
				end -= w
			}
			t.End = max(end, t.Start)
		}
	}
}

// gpt2Split cuts text as GPT-2's pattern
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// does (leftmost alternative first), written out because Go's regexp
// has no look-ahead.
func gpt2Split(cs chars) []chars {
	var cuts []chars
	isL := func(r rune) bool { return unicode.IsLetter(r) }
	isN := func(r rune) bool { return unicode.IsNumber(r) }
	isO := func(r rune) bool { return !isSpace(r) && !isL(r) && !isN(r) }
	run := func(i int, f func(rune) bool) int {
		for i < len(cs) && f(cs[i].r) {
			i++
		}
		return i
	}
	for i := 0; i < len(cs); {
		end := -1
		if cs[i].r == '\'' && i+1 < len(cs) {
			switch cs[i+1].r {
			case 's', 't', 'm', 'd':
				end = i + 2
			case 'r', 'v', 'l':
				if i+2 < len(cs) && cs[i+2].r == map[rune]rune{'r': 'e', 'v': 'e', 'l': 'l'}[cs[i+1].r] {
					end = i + 3
				}
			}
		}
		if end < 0 {
			j := i
			if cs[j].r == ' ' && j+1 < len(cs) {
				j++
			}
			for _, f := range []func(rune) bool{isL, isN, isO} {
				if f(cs[j].r) {
					end = run(j, f)
					break
				}
			}
		}
		if end < 0 { // whitespace
			j := run(i, isSpace)
			if j < len(cs) && j-i > 1 {
				j-- // leave the last space to the word after it
			}
			end = j
		}
		cuts = append(cuts, cs[i:end])
		i = end
	}
	return cuts
}

func (b *BPE) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m := make(map[string]int, len(b.pieces))
	for id, p := range b.pieces {
		m[p] = id
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := safefile.WriteBytes(filepath.Join(dir, "vocab.json"), data); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("#version: 0.2\n")
	for _, mg := range b.merges {
		sb.WriteString(mg[0] + " " + mg[1] + "\n")
	}
	if err := safefile.WriteBytes(filepath.Join(dir, "merges.txt"), []byte(sb.String())); err != nil {
		return err
	}
	return b.config.write(dir, map[string]any{
		"tokenizer_class":  "RobertaTokenizer",
		"add_prefix_space": b.prefix,
		"trim_offsets":     b.trim,
	}, b.names)
}
