package corpus

import (
	"fmt"
	"strings"
)

// Scheme is a tagging scheme for entity spans.
type Scheme int

const (
	// SchemeUnknown means no scheme was given or detected.
	SchemeUnknown Scheme = iota
	// IOB1: I- starts a span; B- only starts a span that directly follows
	// another span of the same type (the original CoNLL-2003 encoding).
	IOB1
	// BIO (IOB2): every span starts with B-, continues with I-.
	BIO
	// BIOES (IOBES, BIEOS, BILOU): B- begins, I- continues, E- ends a span
	// of two or more tokens, S- marks a single-token span.
	BIOES
)

// String returns the scheme's canonical name.
func (s Scheme) String() string {
	switch s {
	case IOB1:
		return "iob1"
	case BIO:
		return "bio"
	case BIOES:
		return "bioes"
	}
	return "unknown"
}

// ParseScheme reads a scheme name; aliases used by other tools are accepted
// (iob2, iob, bieos, iobes, bilou).
func ParseScheme(name string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "iob1":
		return IOB1, nil
	case "bio", "iob2", "iob":
		return BIO, nil
	case "bioes", "iobes", "bieos", "bilou", "bioul":
		return BIOES, nil
	}
	return SchemeUnknown, fmt.Errorf("unknown tag scheme %q; expected iob1, bio or bioes", name)
}

// Outside is the tag of tokens that belong to no entity.
const Outside = "O"

// ContextType is the type of the context tokens of a CLNER context view
// (tagged X, B-X or S-X); they are never entities.
const ContextType = "X"

// SplitTag splits a tag into its prefix and entity type: "B-PER" gives
// ('B', "PER"), "O" gives ('O', ""). BILOU's L and U are read as E and S.
// ok is false when the tag is neither O nor a known prefix, a dash and a
// non-empty type.
func SplitTag(tag string) (prefix byte, typ string, ok bool) {
	if tag == Outside {
		return 'O', "", true
	}
	if len(tag) < 3 || tag[1] != '-' {
		return 0, "", false
	}
	switch p := tag[0]; p {
	case 'B', 'I', 'E', 'S':
		return p, tag[2:], true
	case 'L':
		return 'E', tag[2:], true
	case 'U':
		return 'S', tag[2:], true
	}
	return 0, "", false
}

// IsContextTag reports whether tag marks a context token (X, B-X, I-X, S-X).
func IsContextTag(tag string) bool {
	if tag == ContextType {
		return true
	}
	_, typ, ok := SplitTag(tag)
	return ok && typ == ContextType
}

// Span is an entity: the tokens [Start, End) of a sentence, of one Type.
type Span struct {
	Start, End int
	Type       string
}

func (s Span) String() string { return fmt.Sprintf("%s[%d:%d]", s.Type, s.Start, s.End) }

// Spans extracts entity spans with the CoNLL-2000 conlleval rules, which
// read IOB1, BIO and BIOES alike and never reject a sequence: B- and S-
// start a span; I- and E- continue an open span of the same type and start
// one otherwise (after O or another type); O closes. BIOES is read as its
// BIO conversion (E→I, S→B), so an S- or E- followed by an I- of the same
// type continues. Tags that SplitTag rejects are read as O.
func Spans(tags []string) []Span {
	return AppendSpans(nil, tags)
}

// AppendSpans is Spans appending to dst, for callers that reuse a buffer.
func AppendSpans(dst []Span, tags []string) []Span {
	open := -1 // index in dst of the span still open, or -1
	for i, tag := range tags {
		p, typ, ok := SplitTag(tag)
		if !ok || p == 'O' {
			open = -1
			continue
		}
		if (p == 'I' || p == 'E') && open >= 0 && dst[open].Type == typ {
			dst[open].End = i + 1
			continue
		}
		dst = append(dst, Span{Start: i, End: i + 1, Type: typ})
		open = len(dst) - 1
	}
	return dst
}

// StrictSpans extracts only the spans that are well formed in scheme:
// in BIO a span is B- followed by I-s of its type; in BIOES it is S-, or
// B-, I-s and E- of one type; in IOB1 a span starts with I- (or with B-
// right after a span of the same type) and continues with I-s. Fragments
// that break the scheme (an I- after O in BIO, a B- never closed by E- in
// BIOES) are dropped whole.
func StrictSpans(tags []string, scheme Scheme) []Span {
	return AppendStrictSpans(nil, tags, scheme)
}

// AppendStrictSpans is StrictSpans appending to dst.
func AppendStrictSpans(dst []Span, tags []string, scheme Scheme) []Span {
	if scheme == IOB1 {
		return appendStrictIOB1(dst, tags)
	}
	if scheme == BIOES {
		return appendStrictBIOES(dst, tags)
	}
	// BIO: a span opens at B-; I- of the same type extends it; anything else
	// closes it. An I- with no open span of its type belongs to no span.
	start, typ := -1, ""
	for i, tag := range tags {
		p, t, ok := SplitTag(tag)
		if ok && p == 'I' && start >= 0 && t == typ {
			continue
		}
		if start >= 0 {
			dst = append(dst, Span{Start: start, End: i, Type: typ})
			start = -1
		}
		if ok && p == 'B' {
			start, typ = i, t
		}
	}
	if start >= 0 {
		dst = append(dst, Span{Start: start, End: len(tags), Type: typ})
	}
	return dst
}

// appendStrictIOB1: a span starts with I- (after O, another type or the
// sentence start) or with B- right after a span of the same type, and
// continues with I-s of its type. A B- anywhere else, and E-/S- (which
// IOB1 does not have), start a fragment that is dropped whole, together
// with the I-s of its type that continue it.
func appendStrictIOB1(dst []Span, tags []string) []Span {
	start, typ := -1, "" // the open span
	bad := false         // an ill-formed fragment of type typ is open
	for i, tag := range tags {
		p, t, ok := SplitTag(tag)
		if ok && p == 'I' && (start >= 0 || bad) && t == typ {
			continue // continues the open span or the dropped fragment
		}
		follows := start >= 0 && t == typ
		if start >= 0 {
			dst = append(dst, Span{Start: start, End: i, Type: typ})
		}
		start, typ, bad = -1, "", false
		switch {
		case !ok || p == 'O':
		case p == 'I' || p == 'B' && follows:
			start, typ = i, t
		default: // B- not after a span of its type, E-, S-
			typ, bad = t, true
		}
	}
	if start >= 0 {
		dst = append(dst, Span{Start: start, End: len(tags), Type: typ})
	}
	return dst
}

func appendStrictBIOES(dst []Span, tags []string) []Span {
	start, typ := -1, "" // an open B- span
	for i, tag := range tags {
		p, t, ok := SplitTag(tag)
		if !ok {
			start = -1
			continue
		}
		switch p {
		case 'S':
			dst = append(dst, Span{Start: i, End: i + 1, Type: t})
			start = -1
		case 'B':
			start, typ = i, t
		case 'I':
			if start < 0 || t != typ {
				start = -1
			}
		case 'E':
			if start >= 0 && t == typ {
				dst = append(dst, Span{Start: start, End: i + 1, Type: t})
			}
			start = -1
		default:
			start = -1
		}
	}
	return dst
}

// Encode writes spans as n tags in scheme. Spans must not overlap; they are
// written in order of Start. In IOB1, B- marks a span that directly
// follows a span of the same type.
func Encode(spans []Span, n int, scheme Scheme) []string {
	tags := make([]string, n)
	encodeInto(tags, spans, scheme, nil)
	return tags
}

// tagNames interns the tags encodeInto writes (type -> B-, I-, E-, S-), so
// that converting a corpus allocates per entity type, not per token.
type tagNames map[string]*[4]string

func (m tagNames) get(prefix byte, typ string) string {
	if m == nil {
		return string(prefix) + "-" + typ
	}
	t := m[typ]
	if t == nil {
		t = &[4]string{"B-" + typ, "I-" + typ, "E-" + typ, "S-" + typ}
		m[typ] = t
	}
	switch prefix {
	case 'B':
		return t[0]
	case 'I':
		return t[1]
	case 'E':
		return t[2]
	}
	return t[3]
}

// encodeInto is Encode writing into tags (n = len(tags)).
func encodeInto(tags []string, spans []Span, scheme Scheme, names tagNames) {
	n := len(tags)
	for i := range tags {
		tags[i] = Outside
	}
	prevEnd, prevType := -1, ""
	for _, s := range spans {
		if s.Start < 0 || s.End > n || s.Start >= s.End {
			continue
		}
		switch scheme {
		case BIOES:
			if s.End-s.Start == 1 {
				tags[s.Start] = names.get('S', s.Type)
			} else {
				tags[s.Start] = names.get('B', s.Type)
				for i := s.Start + 1; i < s.End-1; i++ {
					tags[i] = names.get('I', s.Type)
				}
				tags[s.End-1] = names.get('E', s.Type)
			}
		case IOB1:
			first := byte('I')
			if prevEnd == s.Start && prevType == s.Type {
				first = 'B'
			}
			tags[s.Start] = names.get(first, s.Type)
			for i := s.Start + 1; i < s.End; i++ {
				tags[i] = names.get('I', s.Type)
			}
		default:
			tags[s.Start] = names.get('B', s.Type)
			for i := s.Start + 1; i < s.End; i++ {
				tags[i] = names.get('I', s.Type)
			}
		}
		prevEnd, prevType = s.End, s.Type
	}
}

// Convert re-encodes tags in scheme to. It reads them as conlleval does
// (Spans), which also repairs ill-formed sequences: an I- after O becomes
// the start of a span. Use Validate first to refuse such input instead.
func Convert(tags []string, to Scheme) []string {
	return Encode(Spans(tags), len(tags), to)
}

// ToBIO maps BIOES tags to BIO one for one (E→I, S→B), the conversion
// conlleval-style scoring applies first; IOB1 and BIO tags pass through.
func ToBIO(tags []string) []string {
	out := make([]string, len(tags))
	for i, tag := range tags {
		p, typ, ok := SplitTag(tag)
		switch {
		case ok && p == 'E':
			out[i] = "I-" + typ
		case ok && p == 'S':
			out[i] = "B-" + typ
		default:
			out[i] = tag
		}
	}
	return out
}

// Problem is one place where a tag sequence breaks its scheme.
type Problem struct {
	Index int    // token index in the sentence
	Msg   string // what is wrong
}

// Validate lists the places where tags break scheme: I- after O or after
// another type (BIO), E- without its B-, B- not closed by E- (BIOES), E-/S-
// in IOB1 or BIO. It returns nil for a well-formed sequence.
func Validate(tags []string, scheme Scheme) []Problem {
	var probs []Problem
	prevP, prevT := byte('O'), ""
	for i, tag := range tags {
		p, t, ok := SplitTag(tag)
		if !ok {
			probs = append(probs, Problem{i, fmt.Sprintf("tag %q is not O or B-/I-/E-/S- followed by a type", tag)})
			prevP, prevT = 'O', ""
			continue
		}
		inside := (prevP == 'B' || prevP == 'I') && prevT == t // a span of t is open
		switch scheme {
		case BIO:
			if p == 'E' || p == 'S' {
				probs = append(probs, Problem{i, fmt.Sprintf("%s is not a BIO tag", tag)})
			} else if p == 'I' && !inside {
				probs = append(probs, Problem{i, fmt.Sprintf("%s does not continue a %s span (previous tag %s)", tag, t, tagOf(prevP, prevT))})
			}
		case IOB1:
			if p == 'E' || p == 'S' {
				probs = append(probs, Problem{i, fmt.Sprintf("%s is not an IOB1 tag", tag)})
			} else if p == 'B' && !inside {
				probs = append(probs, Problem{i, fmt.Sprintf("%s in IOB1 must follow a %s span (previous tag %s)", tag, t, tagOf(prevP, prevT))})
			}
		case BIOES:
			open := prevP == 'B' || prevP == 'I'
			if open && !(p == 'I' || p == 'E') || open && prevT != t {
				probs = append(probs, Problem{i - 1, fmt.Sprintf("%s span is not closed by E-%s", prevT, prevT)})
			}
			if (p == 'I' || p == 'E') && !inside {
				probs = append(probs, Problem{i, fmt.Sprintf("%s does not continue a %s span (previous tag %s)", tag, t, tagOf(prevP, prevT))})
			}
		}
		prevP, prevT = p, t
	}
	if scheme == BIOES && (prevP == 'B' || prevP == 'I') {
		probs = append(probs, Problem{len(tags) - 1, fmt.Sprintf("%s span is not closed by E-%s", prevT, prevT)})
	}
	return probs
}

func tagOf(p byte, t string) string {
	if p == 'O' {
		return Outside
	}
	return string(p) + "-" + t
}

// SchemeEvidence accumulates what a corpus's tags say about their scheme.
type SchemeEvidence struct {
	EndOrSingle int // E- or S- tags seen
	BStarts     int // B- starting a span after O, another type or the sentence start
	IStarts     int // I- starting a span after O, another type or the sentence start
}

// Observe adds one sentence's tags.
func (e *SchemeEvidence) Observe(tags []string) {
	prevP, prevT := byte('O'), ""
	for _, tag := range tags {
		p, t, ok := SplitTag(tag)
		if !ok {
			prevP, prevT = 'O', ""
			continue
		}
		fresh := prevP == 'O' || prevT != t
		switch {
		case p == 'E' || p == 'S':
			e.EndOrSingle++
		case p == 'B' && fresh:
			e.BStarts++
		case p == 'I' && fresh:
			e.IStarts++
		}
		prevP, prevT = p, t
	}
}

// Scheme decides: BIOES when any E- or S- appears; IOB1 when spans mostly
// start with I-; BIO otherwise (including when there are no entities).
func (e SchemeEvidence) Scheme() Scheme {
	switch {
	case e.EndOrSingle > 0:
		return BIOES
	case e.IStarts > e.BStarts:
		return IOB1
	}
	return BIO
}

// DetectScheme guesses the scheme of a set of tag sequences.
func DetectScheme(sentences [][]string) Scheme {
	var e SchemeEvidence
	for _, tags := range sentences {
		e.Observe(tags)
	}
	return e.Scheme()
}
