package tokenize

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// This file reads SentencePiece's model file: a protocol buffer
// (sentencepiece_model.proto's ModelProto) read with a small wire-format
// decoder of its own, since only a few fields matter and the package
// stays free of generated code. Field numbers are the .proto's.

// Piece types (ModelProto.SentencePiece.Type).
const (
	spNormal      = 1
	spUnknown     = 2
	spControl     = 3
	spUserDefined = 4
	spUnused      = 5
	spByte        = 6
)

// Model types (TrainerSpec.ModelType).
const (
	spUnigram = 1
	spBPE     = 2
	spWord    = 3
	spChar    = 4
)

type spPiece struct {
	piece string
	score float32
	typ   int
}

// spModel is what the tokenizer needs of a ModelProto.
type spModel struct {
	pieces       []spPiece
	modelType    int
	byteFallback bool
	// The normaliser (NormalizerSpec).
	normName       string
	charsmap       []byte // precompiled_charsmap: the normalisation rules
	addDummyPrefix bool
	removeSpaces   bool // remove_extra_whitespaces
	escapeSpaces   bool // escape_whitespaces: ' ' becomes "▁"
	// treat_whitespace_as_suffix: "▁" ends a word instead of starting it.
	spaceSuffix bool
}

// errTruncated is a protocol buffer that ends inside a field.
var errTruncated = errors.New("truncated")

// pbReader walks the fields of one protocol buffer message.
type pbReader struct {
	b   []byte
	pos int
	// base is the message's offset in the file, for error messages.
	base int
}

// next returns the next field's number and wire type, and its value: a
// varint or fixed32 as v, a length-delimited field as data (at offset
// at in the file).
func (r *pbReader) next() (num int, wire int, v uint64, data []byte, at int, err error) {
	at = r.base + r.pos
	key, err := r.varint()
	if err != nil {
		return 0, 0, 0, nil, at, err
	}
	num, wire = int(key>>3), int(key&7)
	if num <= 0 {
		return 0, 0, 0, nil, at, fmt.Errorf("field number %d", num)
	}
	switch wire {
	case 0:
		v, err = r.varint()
	case 1:
		if r.pos+8 > len(r.b) {
			return 0, 0, 0, nil, at, errTruncated
		}
		v = binary.LittleEndian.Uint64(r.b[r.pos:])
		r.pos += 8
	case 5:
		if r.pos+4 > len(r.b) {
			return 0, 0, 0, nil, at, errTruncated
		}
		v = uint64(binary.LittleEndian.Uint32(r.b[r.pos:]))
		r.pos += 4
	case 2:
		var n uint64
		if n, err = r.varint(); err != nil {
			break
		}
		if n > uint64(len(r.b)-r.pos) {
			return 0, 0, 0, nil, at, errTruncated
		}
		at = r.base + r.pos
		data = r.b[r.pos : r.pos+int(n)]
		r.pos += int(n)
	default:
		err = fmt.Errorf("field %d has wire type %d, which SentencePiece models do not use", num, wire)
	}
	return num, wire, v, data, at, err
}

func (r *pbReader) varint() (uint64, error) {
	var v uint64
	for shift := 0; ; shift += 7 {
		if r.pos >= len(r.b) {
			return 0, errTruncated
		}
		if shift >= 64 {
			return 0, errors.New("varint longer than 10 bytes")
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

// parseSPModel decodes a SentencePiece model file's bytes; errors say
// where in the file the fault is.
func parseSPModel(data []byte) (*spModel, error) {
	m := &spModel{modelType: spUnigram, addDummyPrefix: true, removeSpaces: true, escapeSpaces: true}
	fail := func(at int, format string, args ...any) error {
		return fmt.Errorf("byte %d: %s", at, fmt.Sprintf(format, args...))
	}
	// wantWire checks a field's wire type against the .proto's.
	wantWire := func(num, wire, want, at int) error {
		if wire != want {
			return fail(at, "field %d has wire type %d, want %d", num, wire, want)
		}
		return nil
	}
	r := &pbReader{b: data}
	for r.pos < len(data) {
		num, wire, _, msg, at, err := r.next()
		if err != nil {
			return nil, fail(at, "%v", err)
		}
		switch num {
		case 1, 2, 3: // pieces, trainer_spec, normalizer_spec
			if err := wantWire(num, wire, 2, at); err != nil {
				return nil, err
			}
			sub := &pbReader{b: msg, base: at}
			var err error
			switch num {
			case 1:
				err = m.readPiece(sub)
			case 2:
				err = m.readTrainer(sub)
			case 3:
				err = m.readNormalizer(sub)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if len(m.pieces) == 0 {
		return nil, errors.New("no pieces (not a SentencePiece model?)")
	}
	switch m.modelType {
	case spUnigram, spBPE:
	case spWord, spChar:
		return nil, fmt.Errorf("model type %s: only unigram and BPE models are supported", map[int]string{spWord: "WORD", spChar: "CHAR"}[m.modelType])
	default:
		return nil, fmt.Errorf("unknown model type %d", m.modelType)
	}
	return m, nil
}

func (m *spModel) readPiece(r *pbReader) error {
	p := spPiece{typ: spNormal}
	for r.pos < len(r.b) {
		num, wire, v, data, at, err := r.next()
		if err != nil {
			return fmt.Errorf("byte %d: piece %d: %v", at, len(m.pieces), err)
		}
		switch {
		case num == 1 && wire == 2:
			if !utf8.Valid(data) {
				return fmt.Errorf("byte %d: piece %d is not UTF-8", at, len(m.pieces))
			}
			p.piece = string(data)
		case num == 2 && wire == 5:
			p.score = math.Float32frombits(uint32(v))
		case num == 3 && wire == 0:
			p.typ = int(v)
			if p.typ < spNormal || p.typ > spByte {
				return fmt.Errorf("byte %d: piece %d %q has unknown type %d", at, len(m.pieces), p.piece, p.typ)
			}
		case num <= 3:
			return fmt.Errorf("byte %d: piece %d: field %d has wire type %d", at, len(m.pieces), num, wire)
		}
	}
	m.pieces = append(m.pieces, p)
	return nil
}

func (m *spModel) readTrainer(r *pbReader) error {
	for r.pos < len(r.b) {
		num, wire, v, _, at, err := r.next()
		if err != nil {
			return fmt.Errorf("byte %d: trainer_spec: %v", at, err)
		}
		if wire != 0 {
			continue
		}
		switch num {
		case 3:
			m.modelType = int(v)
		case 24:
			m.spaceSuffix = v != 0
		case 35:
			m.byteFallback = v != 0
		}
	}
	return nil
}

func (m *spModel) readNormalizer(r *pbReader) error {
	for r.pos < len(r.b) {
		num, wire, v, data, at, err := r.next()
		if err != nil {
			return fmt.Errorf("byte %d: normalizer_spec: %v", at, err)
		}
		switch {
		case num == 1 && wire == 2:
			m.normName = string(data)
		case num == 2 && wire == 2:
			m.charsmap = data
		case num == 3 && wire == 0:
			m.addDummyPrefix = v != 0
		case num == 4 && wire == 0:
			m.removeSpaces = v != 0
		case num == 5 && wire == 0:
			m.escapeSpaces = v != 0
		}
	}
	return nil
}

// charsmap is SentencePiece's precompiled normalisation: a double-array
// trie (darts-clone's layout) from UTF-8 byte strings to offsets into a
// blob of NUL-terminated replacements.
type charsmap struct {
	units []uint32
	blob  []byte
}

func parseCharsmap(b []byte) (*charsmap, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) < 4 {
		return nil, errors.New("precompiled_charsmap shorter than its 4-byte header")
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n%4 != 0 || n > len(b)-4 || n == 0 {
		return nil, fmt.Errorf("precompiled_charsmap: trie size %d does not fit its %d bytes", n, len(b)-4)
	}
	units := make([]uint32, n/4)
	for i := range units {
		units[i] = binary.LittleEndian.Uint32(b[4+4*i:])
	}
	return &charsmap{units: units, blob: b[4+n:]}, nil
}

// longest returns the replacement for the longest key that starts s,
// and the key's length (0 when none does): SentencePiece's rule.
func (c *charsmap) longest(s string) (repl string, n int) {
	return c.lookup(s, false)
}

// lookup finds the longest (or, with shortest, the shortest) key that
// starts s.
func (c *charsmap) lookup(s string, shortest bool) (repl string, n int) {
	// A unit: bit 8 says the node has a leaf (a key ends here), bits 0–7
	// and 31 are the label, the rest the offset to the children; a leaf
	// unit's low 31 bits are the value.
	offset := func(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
	pos := uint32(0)
	if len(c.units) == 0 {
		return "", 0
	}
	pos ^= offset(c.units[0])
	value := -1
	for i := 0; i < len(s); i++ {
		pos ^= uint32(s[i])
		if int(pos) >= len(c.units) {
			break
		}
		u := c.units[pos]
		if u&((1<<31)|0xFF) != uint32(s[i]) {
			break
		}
		pos ^= offset(u)
		if int(pos) >= len(c.units) {
			break
		}
		if (u>>8)&1 == 1 {
			value, n = int(c.units[pos]&((1<<31)-1)), i+1
			if shortest {
				break
			}
		}
	}
	if value < 0 || value >= len(c.blob) {
		return "", 0
	}
	end := value
	for end < len(c.blob) && c.blob[end] != 0 {
		end++
	}
	return string(c.blob[value:end]), n
}
