package tokenize

import (
	"container/heap"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nerlab/nerlab/internal/safefile"
)

// SentencePiece is a SentencePiece model (XLM-R's sentencepiece.bpe.model,
// T5's spiece.model): its normaliser (the precompiled rules the model
// carries, nmt_nfkc for most, with SentencePiece's whitespace handling:
// no leading, trailing or repeated spaces, a "▁" before the text, every
// space spelled "▁"), then a unigram model (the segmentation of highest
// total score, by Viterbi) or a BPE model (adjacent pieces merged, the
// merge of highest score first), unknown characters spelled as byte
// pieces where the model has them (byte fallback).
//
// With fairseq ids (XLM-R: XLMRobertaTokenizer's numbering) <s>, <pad>,
// </s>, <unk> are ids 0–3, every other piece has its SentencePiece id
// plus one, and <mask> is the last id.
type SentencePiece struct {
	file    string // the model's file name in its folder
	raw     []byte // the model file, written back by Save
	m       *spModel
	cmap    *charsmap
	ids     map[string]int // SentencePiece id of each piece the model can emit
	maxLen  int            // the longest piece, in bytes (Viterbi looks no further)
	user    []string       // user-defined pieces, longest first
	unkID   int            // SentencePiece id of the unknown piece
	minScr  float32        // lowest score of a normal piece
	maxScr  float32        // highest score of a normal piece (at least the least positive float32)
	fairseq bool
	names   specialNames
	added   []addedToken
	config  hfConfig
}

// spFiles are the names SentencePiece models have in Hugging Face
// folders, in the order Load looks for them.
var spFiles = []string{"sentencepiece.bpe.model", "spiece.model", "spm.model", "sentencepiece.model", "tokenizer.model"}

// ReadSentencePiece reads a SentencePiece model file. fairseq selects
// XLM-R's numbering.
func ReadSentencePiece(path string, fairseq bool) (*SentencePiece, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := NewSentencePiece(data, fairseq)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	s.file = filepath.Base(path)
	return s, nil
}

// NewSentencePiece makes a tokenizer of a model file's bytes.
func NewSentencePiece(data []byte, fairseq bool) (*SentencePiece, error) {
	m, err := parseSPModel(data)
	if err != nil {
		return nil, err
	}
	cm, err := parseCharsmap(m.charsmap)
	if err != nil {
		return nil, err
	}
	s := &SentencePiece{file: "sentencepiece.bpe.model", raw: data, m: m, cmap: cm, ids: map[string]int{}, unkID: -1,
		minScr: math.MaxFloat32, maxScr: math.SmallestNonzeroFloat32, fairseq: fairseq, config: hfConfig{}}
	for id, p := range m.pieces {
		switch p.typ {
		case spUnknown:
			if s.unkID < 0 {
				s.unkID = id
			}
		case spNormal:
			s.minScr, s.maxScr = min(s.minScr, p.score), max(s.maxScr, p.score)
		case spUserDefined:
			s.user = append(s.user, p.piece)
		}
		if _, dup := s.ids[p.piece]; !dup && p.piece != "" {
			s.ids[p.piece] = id
		}
		s.maxLen = max(s.maxLen, len(p.piece))
	}
	if s.unkID < 0 {
		return nil, fmt.Errorf("no piece of type UNKNOWN")
	}
	sort.Slice(s.user, func(i, j int) bool { return len(s.user[i]) > len(s.user[j]) })
	if fairseq && (len(m.pieces) < 3 || s.unkID != 0 || m.pieces[1].piece != "<s>" || m.pieces[2].piece != "</s>") {
		return nil, fmt.Errorf("XLM-R's fairseq ids need the model's first pieces to be <unk>, <s>, </s> (as XLM-R's are)")
	}
	if fairseq {
		s.names = defaultRobertaNames
	} else {
		s.names = specialNames{UNK: m.pieces[s.unkID].piece}
		for _, kv := range []struct {
			name string
			dst  *string
		}{{"<s>", &s.names.CLS}, {"</s>", &s.names.SEP}, {"<pad>", &s.names.PAD}, {"<mask>", &s.names.MASK}, {"[CLS]", &s.names.CLS}, {"[SEP]", &s.names.SEP}, {"[MASK]", &s.names.MASK}} {
			if _, ok := s.ids[kv.name]; ok && *kv.dst == "" {
				*kv.dst = kv.name
			}
		}
	}
	s.setAdded()
	return s, nil
}

func (s *SentencePiece) setAdded() {
	s.added = s.added[:0]
	for _, n := range s.names.list() {
		if id, ok := s.ID(n); ok {
			s.added = append(s.added, addedToken{content: n, id: id, lstrip: n == s.names.MASK})
		}
	}
}

// toID turns a SentencePiece id into the tokenizer's.
func (s *SentencePiece) toID(sp int) int {
	if !s.fairseq {
		return sp
	}
	switch {
	case sp == s.unkID:
		return 3
	case s.m.pieces[sp].piece == "<s>":
		return 0
	case s.m.pieces[sp].piece == "</s>":
		return 2
	case s.m.pieces[sp].piece == "<pad>":
		return 1
	}
	return sp + 1
}

func (s *SentencePiece) VocabSize() int {
	if s.fairseq {
		return len(s.m.pieces) + 2 // the offset and <mask>
	}
	return len(s.m.pieces)
}

func (s *SentencePiece) Piece(id int) string {
	if s.fairseq {
		switch id {
		case 0:
			return "<s>"
		case 1:
			return "<pad>"
		case 2:
			return "</s>"
		case 3:
			return "<unk>"
		case len(s.m.pieces) + 1:
			return "<mask>"
		}
		id--
	}
	if id < 0 || id >= len(s.m.pieces) {
		return ""
	}
	return s.m.pieces[id].piece
}

func (s *SentencePiece) ID(piece string) (int, bool) {
	if s.fairseq {
		switch piece {
		case "<s>":
			return 0, true
		case "<pad>":
			return 1, true
		case "</s>":
			return 2, true
		case "<unk>":
			return 3, true
		case "<mask>":
			return len(s.m.pieces) + 1, true
		}
	}
	id, ok := s.ids[piece]
	if !ok {
		for i, p := range s.m.pieces { // control and byte pieces
			if p.piece == piece {
				return s.toID(i), true
			}
		}
		return 0, false
	}
	return s.toID(id), true
}

func (s *SentencePiece) Specials() Specials {
	id := func(p string) int {
		if p == "" {
			return -1
		}
		if i, ok := s.ID(p); ok {
			return i
		}
		return -1
	}
	return Specials{CLS: id(s.names.CLS), SEP: id(s.names.SEP), PAD: id(s.names.PAD), UNK: id(s.names.UNK), MASK: id(s.names.MASK)}
}

func (s *SentencePiece) Encode(text string) []Token {
	var out []Token
	for _, seg := range splitAdded(text, s.added) {
		if seg.id >= 0 {
			out = append(out, Token{seg.id, s.Piece(seg.id), seg.start, seg.end})
			continue
		}
		out = s.encode(text[seg.start:seg.end], seg.start, out)
	}
	return out
}

// normalize applies the model's normaliser, returning the normalised
// text and, for each of its bytes and one past the end, the offset in
// text of the character it came from (SentencePiece's norm_to_orig).
func (s *SentencePiece) normalize(text string) (string, []int) {
	var b strings.Builder
	var orig []int
	consumed := 0
	// prefix is the normalisation of the start of in and how many bytes
	// of it that consumes: a user-defined piece stays as it is, else the
	// longest rule applies, else one character passes unchanged (a byte
	// that is not UTF-8 becomes U+FFFD).
	prefix := func(in string) (string, int) {
		for _, u := range s.user {
			if strings.HasPrefix(in, u) {
				return in[:len(u)], len(u)
			}
		}
		if s.cmap != nil {
			if repl, n := s.cmap.longest(in); n > 0 {
				return repl, n
			}
		}
		r, n := utf8.DecodeRuneInString(in)
		if r == utf8.RuneError && n <= 1 {
			return "\uFFFD", 1
		}
		return in[:n], n
	}
	space := " "
	if s.m.escapeSpaces {
		space = "▁"
	}
	addSpace := func() {
		b.WriteString(space)
		for range len(space) {
			orig = append(orig, consumed)
		}
	}
	in := text
	if s.m.removeSpaces {
		for in != "" {
			p, n := prefix(in)
			if p != " " {
				break
			}
			in, consumed = in[n:], consumed+n
		}
	}
	if in == "" {
		return "", []int{consumed}
	}
	if s.m.addDummyPrefix && !s.m.spaceSuffix {
		addSpace()
	}
	prevSpace := s.m.removeSpaces
	for in != "" {
		p, n := prefix(in)
		if prevSpace {
			p = strings.TrimLeft(p, " ")
		}
		if p != "" {
			for i := 0; i < len(p); i++ {
				if s.m.escapeSpaces && p[i] == ' ' {
					b.WriteString(space)
					for range len(space) {
						orig = append(orig, consumed)
					}
				} else {
					b.WriteByte(p[i])
					orig = append(orig, consumed)
				}
			}
			prevSpace = strings.HasSuffix(p, " ")
		}
		in, consumed = in[n:], consumed+n
		if !s.m.removeSpaces {
			prevSpace = false
		}
	}
	norm := b.String()
	if s.m.removeSpaces {
		for strings.HasSuffix(norm, space) {
			k := len(norm) - len(space)
			consumed = orig[k]
			norm, orig = norm[:k], orig[:k]
		}
	}
	if s.m.addDummyPrefix && s.m.spaceSuffix {
		b.Reset()
		b.WriteString(norm)
		addSpace()
		norm = b.String()
	}
	return norm, append(orig, consumed)
}

// spSpan is a piece of the normalised text: bytes [start, end) and its
// SentencePiece id.
type spSpan struct{ start, end, id int }

// encode appends the pieces of text, whose first byte is at offset in
// the text given to Encode.
func (s *SentencePiece) encode(text string, offset int, out []Token) []Token {
	norm, orig := s.normalize(text)
	if norm == "" {
		return out
	}
	var spans []spSpan
	if s.m.modelType == spBPE {
		spans = s.bpe(norm)
	} else {
		spans = s.viterbi(norm)
	}
	for _, sp := range spans {
		if sp.id == s.unkID && s.m.byteFallback {
			out = s.bytePieces(norm, orig, sp, offset, out)
			continue
		}
		start, end := orig[sp.start], orig[sp.end]
		id := s.toID(sp.id)
		out = append(out, Token{id, s.Piece(id), offset + start, offset + end})
	}
	return out
}

// bytePieces spells an unknown stretch as its UTF-8 bytes' pieces
// (<0xE6>…), each covering the character it is a byte of. SentencePiece
// itself gives all but a character's last byte piece an empty span at
// the character's start; the agreement test allows for that.
func (s *SentencePiece) bytePieces(norm string, orig []int, sp spSpan, offset int, out []Token) []Token {
	for i := sp.start; i < sp.end; {
		_, n := utf8.DecodeRuneInString(norm[i:sp.end])
		start, end := orig[i], orig[min(i+n, sp.end)]
		for k := i; k < i+n && k < sp.end; k++ {
			p := fmt.Sprintf("<0x%02X>", norm[k])
			id, ok := s.byteID(p)
			if !ok {
				id = s.unkID
			}
			id = s.toID(id)
			out = append(out, Token{id, s.Piece(id), offset + start, offset + end})
		}
		i += n
	}
	return out
}

func (s *SentencePiece) byteID(p string) (int, bool) {
	for id, q := range s.m.pieces {
		if q.typ == spByte && q.piece == p {
			return id, true
		}
	}
	return 0, false
}

// viterbi segments norm into the pieces of highest total score
// (SentencePiece's unigram model): a user-defined piece scores as if it
// were better than any sequence of normal pieces it spans, a character
// no piece starts with is unknown with a score below any piece's, and a
// run of unknown characters is one unknown piece. Ties go to the piece
// that starts first, and scores are added with SentencePiece's mix of
// float and double (below), so that near-ties break alike.
func (s *SentencePiece) viterbi(norm string) []spSpan {
	type node struct {
		score float32
		from  int // where the best piece ending here starts (-1: unreached)
		id    int
	}
	best := make([]node, len(norm)+1)
	for i := range best {
		best[i].from = -1
	}
	best[0].from = 0
	unkScore := s.minScr - 10
	for i := 0; i < len(norm); {
		_, n := utf8.DecodeRuneInString(norm[i:])
		if best[i].from < 0 {
			i += n
			continue
		}
		single := false
		for j := i + 1; j <= min(len(norm), i+s.maxLen); j++ {
			id, ok := s.ids[norm[i:j]]
			if !ok {
				continue
			}
			p := s.m.pieces[id]
			if p.typ != spNormal && p.typ != spUserDefined {
				continue
			}
			// SentencePiece adds a piece's score to the path's in double
			// precision (a user-defined piece's score is a double) and
			// compares with the float it stored, so a path whose float sum
			// ties the stored one can still win: do exactly the same.
			score := float64(p.score)
			if p.typ == spUserDefined {
				score = float64(float32(j-i)*s.maxScr) - 0.1
			}
			total := score + float64(best[i].score)
			if best[j].from < 0 || total > float64(best[j].score) {
				best[j] = node{float32(total), i, id}
			}
			if j-i == n {
				single = true
			}
		}
		if !single {
			total := best[i].score + unkScore // float, as SentencePiece's
			if best[i+n].from < 0 || total > best[i+n].score {
				best[i+n] = node{total, i, s.unkID}
			}
		}
		i += n
	}
	var spans []spSpan
	for j := len(norm); j > 0; j = best[j].from {
		spans = append(spans, spSpan{best[j].from, j, best[j].id})
	}
	for i, j := 0, len(spans)-1; i < j; i, j = i+1, j-1 {
		spans[i], spans[j] = spans[j], spans[i]
	}
	return joinUnknown(spans, s.unkID)
}

// bpe merges norm's characters as SentencePiece's BPE model does: the
// adjacent pair whose concatenation is a piece with the highest score
// first (the leftmost among equals); a user-defined piece is one symbol
// from the start and never merged; a merged piece of type UNUSED is
// split back into the pieces it was merged from.
func (s *SentencePiece) bpe(norm string) []spSpan {
	type symbol struct {
		start, end  int
		prev, next  int
		frozen      bool
		left, right string // for an unused piece: what it was made of
	}
	var syms []symbol
	for i := 0; i < len(norm); {
		n := 0
		frozen := false
		for _, u := range s.user {
			if strings.HasPrefix(norm[i:], u) {
				n, frozen = len(u), true
				break
			}
		}
		if n == 0 {
			_, n = utf8.DecodeRuneInString(norm[i:])
		}
		syms = append(syms, symbol{start: i, end: i + n, prev: len(syms) - 1, next: len(syms) + 1, frozen: frozen})
		i += n
	}
	syms[len(syms)-1].next = -1
	unused := map[string][2]string{}
	pq := &pairQueue{}
	push := func(l, r int) {
		if l < 0 || r < 0 || syms[l].frozen || syms[r].frozen {
			return
		}
		piece := norm[syms[l].start:syms[r].end]
		id, ok := s.ids[piece]
		if !ok {
			return
		}
		p := s.m.pieces[id]
		if p.typ == spUnused {
			unused[piece] = [2]string{norm[syms[l].start:syms[l].end], norm[syms[r].start:syms[r].end]}
		}
		heap.Push(pq, pair{l, r, p.score, len(piece)})
	}
	for i := 0; i+1 < len(syms); i++ {
		push(i, i+1)
	}
	for pq.Len() > 0 {
		top := heap.Pop(pq).(pair)
		l, r := &syms[top.left], &syms[top.right]
		// Stale: one side was merged since.
		if l.end == l.start || r.end == r.start || l.next != top.right || r.end-l.start != top.size {
			continue
		}
		l.end = r.end
		r.start, r.end = 0, 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = top.left
		}
		push(l.prev, top.left)
		push(top.left, l.next)
	}
	var out []spSpan
	var resegment func(start, end int)
	resegment = func(start, end int) {
		piece := norm[start:end]
		id, ok := s.ids[piece]
		if !ok {
			out = append(out, spSpan{start, end, s.unkID})
			return
		}
		if sub, isUnused := unused[piece]; isUnused && s.m.pieces[id].typ == spUnused {
			resegment(start, start+len(sub[0]))
			resegment(start+len(sub[0]), end)
			return
		}
		if t := s.m.pieces[id].typ; t != spNormal && t != spUserDefined {
			id = s.unkID
		}
		out = append(out, spSpan{start, end, id})
	}
	for i := 0; i >= 0; i = syms[i].next {
		resegment(syms[i].start, syms[i].end)
	}
	return joinUnknown(out, s.unkID)
}

// joinUnknown makes each run of unknown pieces one, as both of
// SentencePiece's models do.
func joinUnknown(spans []spSpan, unk int) []spSpan {
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.id == unk && out[n-1].id == unk {
			out[n-1].end = sp.end
			continue
		}
		out = append(out, sp)
	}
	return out
}

type pair struct {
	left, right int
	score       float32
	size        int
}

// pairQueue pops the highest score first, then the leftmost.
type pairQueue []pair

func (q pairQueue) Len() int { return len(q) }
func (q pairQueue) Less(i, j int) bool {
	if q[i].score != q[j].score {
		return q[i].score > q[j].score
	}
	return q[i].left < q[j].left
}
func (q pairQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pairQueue) Push(x any)   { *q = append(*q, x.(pair)) }
func (q *pairQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// Save writes the model file under its name and, for fairseq ids,
// tokenizer_config.json naming XLMRobertaTokenizer, so that the folder
// reads back with the same numbering.
func (s *SentencePiece) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := s.file
	if !slices.Contains(spFiles, name) {
		name = spFiles[0] // a model read from elsewhere gets XLM-R's name
	}
	if err := safefile.WriteBytes(filepath.Join(dir, name), s.raw); err != nil {
		return err
	}
	settings := map[string]any{}
	if s.fairseq {
		settings["tokenizer_class"] = "XLMRobertaTokenizer"
	}
	return s.config.write(dir, settings, s.names)
}
