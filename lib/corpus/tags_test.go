package corpus_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

// spans parses "PER[0:2] LOC[3:4]" into spans (nil for "").
func spans(tb testing.TB, s string) []corpus.Span {
	tb.Helper()
	var out []corpus.Span
	for _, f := range strings.Fields(s) {
		var sp corpus.Span
		open := strings.LastIndexByte(f, '[')
		if open < 0 || !strings.HasSuffix(f, "]") {
			tb.Fatalf("bad span %q", f)
		}
		sp.Type = f[:open]
		var a, b int
		if _, err := fmt.Sscanf(f[open:], "[%d:%d]", &a, &b); err != nil {
			tb.Fatalf("bad span %q: %v", f, err)
		}
		sp.Start, sp.End = a, b
		out = append(out, sp)
	}
	return out
}

func TestSplitTag(t *testing.T) {
	for _, c := range []struct {
		tag    string
		prefix byte
		typ    string
		ok     bool
	}{
		{"O", 'O', "", true},
		{"B-PER", 'B', "PER", true},
		{"I-creative-work", 'I', "creative-work", true},
		{"E-LOC", 'E', "LOC", true},
		{"S-LOC", 'S', "LOC", true},
		{"L-LOC", 'E', "LOC", true}, // BILOU last = BIOES end
		{"U-LOC", 'S', "LOC", true}, // BILOU unit = BIOES single
		{"B-X", 'B', "X", true},
		{"B-", 0, "", false},
		{"B", 0, "", false},
		{"BPER", 0, "", false},
		{"B_PER", 0, "", false},
		{"Z-PER", 0, "", false},
		{"O-PER", 0, "", false},
		{"b-PER", 0, "", false},
		{"o", 0, "", false},
		{"X", 0, "", false},
		{"", 0, "", false},
	} {
		p, typ, ok := corpus.SplitTag(c.tag)
		if p != c.prefix || typ != c.typ || ok != c.ok {
			t.Errorf("SplitTag(%q) = %q, %q, %v; want %q, %q, %v", c.tag, p, typ, ok, c.prefix, c.typ, c.ok)
		}
	}
}

func TestIsContextTag(t *testing.T) {
	for tag, want := range map[string]bool{
		"X": true, "B-X": true, "I-X": true, "S-X": true, "E-X": true, "U-X": true,
		"O": false, "B-PER": false, "B-XX": false, "x": false, "X-": false, "": false, "<EOS>": false,
	} {
		if got := corpus.IsContextTag(tag); got != want {
			t.Errorf("IsContextTag(%q) = %v, want %v", tag, got, want)
		}
	}
}

func TestSpanString(t *testing.T) {
	if s := (corpus.Span{Start: 2, End: 5, Type: "PER"}).String(); s != "PER[2:5]" {
		t.Errorf("Span.String() = %q", s)
	}
}

func TestSpans(t *testing.T) {
	for _, c := range []struct{ tags, want string }{
		{"", ""},
		{"O O", ""},
		{"B-PER I-PER O", "PER[0:2]"},
		{"B-PER I-PER", "PER[0:2]"},
		{"I-PER I-PER O", "PER[0:2]"},              // IOB1 / I- at the start
		{"O I-LOC B-LOC", "LOC[1:2] LOC[2:3]"},     // I- after O starts a span
		{"B-PER I-LOC", "PER[0:1] LOC[1:2]"},       // I- after another type starts one
		{"I-PER B-PER I-PER", "PER[0:1] PER[1:3]"}, // IOB1 adjacent spans
		{"B-PER E-PER S-PER", "PER[0:2] PER[2:3]"}, // BIOES
		{"B-LOC I-LOC E-LOC", "LOC[0:3]"},          // BIOES
		{"S-PER I-PER", "PER[0:2]"},                // read as its BIO conversion B- I-
		{"E-PER E-PER", "PER[0:2]"},                // I- I-
		{"E-PER B-PER", "PER[0:1] PER[1:2]"},       // I- B-
		{"U-LOC B-LOC L-LOC", "LOC[0:1] LOC[1:3]"}, // BILOU
		{"B-PER Z-PER I-PER", "PER[0:1] PER[2:3]"}, // unknown tags read as O
		{"B-PER B_PER I-PER", "PER[0:1] PER[2:3]"}, // unknown tags read as O
		{"B-PER B-PER", "PER[0:1] PER[1:2]"},
		{"X B-X I-X", "X[1:3]"}, // X alone is no span; context spans are spans of type X
		{"B-creative-work I-creative-work", "creative-work[0:2]"},
	} {
		got := corpus.Spans(tags(c.tags))
		if want := spans(t, c.want); !reflect.DeepEqual(got, want) {
			t.Errorf("Spans(%q) = %v, want %v", c.tags, got, want)
		}
	}
	// AppendSpans never extends a span already in dst.
	dst := []corpus.Span{{Start: 0, End: 1, Type: "PER"}}
	got := corpus.AppendSpans(dst, tags("I-PER O B-LOC"))
	if want := spans(t, "PER[0:1] PER[0:1] LOC[2:3]"); !reflect.DeepEqual(got, want) {
		t.Errorf("AppendSpans = %v, want %v", got, want)
	}
}

func TestStrictSpans(t *testing.T) {
	for _, c := range []struct {
		scheme     corpus.Scheme
		tags, want string
	}{
		{corpus.BIO, "", ""},
		{corpus.BIO, "B-PER I-PER O B-LOC", "PER[0:2] LOC[3:4]"},
		{corpus.BIO, "I-PER I-PER O", ""},                      // I- at the start: dropped whole
		{corpus.BIO, "O I-LOC I-LOC B-LOC", "LOC[3:4]"},        // I- after O: dropped whole
		{corpus.BIO, "B-PER I-LOC I-LOC", "PER[0:1]"},          // I- of another type: dropped
		{corpus.BIO, "B-PER B-PER I-PER", "PER[0:1] PER[1:3]"}, // adjacent spans
		{corpus.BIO, "B-PER E-PER", "PER[0:1]"},                // E- is no BIO tag
		{corpus.BIO, "S-PER O", ""},                            // S- is no BIO tag
		{corpus.BIO, "B-PER Z-PER I-PER", "PER[0:1]"},          // unknown tag closes
		{corpus.BIO, "B-X I-X", "X[0:2]"},                      //
		{corpus.BIOES, "S-PER B-LOC I-LOC E-LOC O", "PER[0:1] LOC[1:4]"},
		{corpus.BIOES, "B-PER E-PER B-PER E-PER", "PER[0:2] PER[2:4]"},
		{corpus.BIOES, "B-PER I-PER O", ""},                       // never closed
		{corpus.BIOES, "O B-PER", ""},                             // never closed
		{corpus.BIOES, "I-PER E-PER", ""},                         // no B-
		{corpus.BIOES, "B-PER I-LOC E-LOC", ""},                   // type changes inside
		{corpus.BIOES, "B-PER E-LOC", ""},                         //
		{corpus.BIOES, "B-PER S-LOC E-PER", "LOC[1:2]"},           // S- breaks the B- span
		{corpus.BIOES, "B-PER B-PER E-PER", "PER[1:3]"},           // first B- never closed
		{corpus.BIOES, "U-PER B-LOC L-LOC", "PER[0:1] LOC[1:3]"},  // BILOU
		{corpus.BIOES, "B-PER Z-PER E-PER", ""},                   // unknown tag breaks the span
		{corpus.IOB1, "I-PER I-PER B-PER O", "PER[0:2] PER[2:3]"}, //
		{corpus.IOB1, "I-PER I-LOC", "PER[0:1] LOC[1:2]"},         // I- of another type starts one
		{corpus.IOB1, "O I-PER", "PER[1:2]"},                      //
		{corpus.IOB1, "O B-PER I-PER O I-LOC", "LOC[4:5]"},        // B- after O: dropped whole
		{corpus.IOB1, "I-PER B-LOC I-LOC", "PER[0:1]"},            // B- after another type: dropped whole
		{corpus.IOB1, "I-PER B-PER B-PER", "PER[0:1] PER[1:2] PER[2:3]"},
		{corpus.IOB1, "I-PER S-LOC I-LOC", "PER[0:1]"},          // S- is no IOB1 tag
		{corpus.IOB1, "I-PER E-PER I-LOC", "PER[0:1] LOC[2:3]"}, // E- is no IOB1 tag
		{corpus.IOB1, "B-PER I-PER I-LOC", "LOC[2:3]"},          //
		{corpus.IOB1, "I-PER Z-PER I-PER", "PER[0:1] PER[2:3]"}, // unknown tag closes
	} {
		got := corpus.StrictSpans(tags(c.tags), c.scheme)
		if want := spans(t, c.want); !reflect.DeepEqual(got, want) {
			t.Errorf("StrictSpans(%q, %v) = %v, want %v", c.tags, c.scheme, got, want)
		}
	}
}

func TestEncode(t *testing.T) {
	for _, c := range []struct {
		spans  string
		n      int
		scheme corpus.Scheme
		want   string
	}{
		{"PER[0:2] LOC[3:4]", 5, corpus.BIO, "B-PER I-PER O B-LOC O"},
		{"PER[0:2] LOC[3:4]", 5, corpus.BIOES, "B-PER E-PER O S-LOC O"},
		{"PER[0:2] LOC[3:4]", 5, corpus.IOB1, "I-PER I-PER O I-LOC O"},
		{"PER[0:2] LOC[3:4]", 5, corpus.SchemeUnknown, "B-PER I-PER O B-LOC O"}, // BIO
		{"ORG[1:4]", 4, corpus.BIOES, "O B-ORG I-ORG E-ORG"},
		{"PER[0:2] PER[2:3]", 3, corpus.IOB1, "I-PER I-PER B-PER"}, // adjacent, same type
		{"PER[0:1] LOC[1:2]", 2, corpus.IOB1, "I-PER I-LOC"},       // adjacent, other type
		{"PER[0:1] PER[2:3]", 3, corpus.IOB1, "I-PER O I-PER"},     // not adjacent
		{"PER[0:1] PER[1:2]", 2, corpus.BIO, "B-PER B-PER"},
		{"PER[0:1] PER[1:2]", 2, corpus.BIOES, "S-PER S-PER"},
		{"", 3, corpus.BIO, "O O O"},
		{"", 0, corpus.BIO, ""},
		{"PER[-1:1] LOC[2:4] ORG[1:1] MISC[2:1] X[0:1]", 3, corpus.BIO, "B-X O O"}, // invalid spans skipped
	} {
		got := corpus.Encode(spans(t, c.spans), c.n, c.scheme)
		if want := tags(c.want); !slices.Equal(got, want) || len(got) != c.n {
			t.Errorf("Encode(%s, %d, %v) = %q, want %q", c.spans, c.n, c.scheme, got, want)
		}
	}
}

func TestConvert(t *testing.T) {
	for _, c := range []struct {
		in   string
		to   corpus.Scheme
		want string
	}{
		{"B-PER I-PER O B-LOC", corpus.BIOES, "B-PER E-PER O S-LOC"},
		{"B-PER I-PER O B-LOC", corpus.IOB1, "I-PER I-PER O I-LOC"},
		{"B-PER I-PER B-PER", corpus.IOB1, "I-PER I-PER B-PER"},
		{"I-PER I-PER B-PER", corpus.BIO, "B-PER I-PER B-PER"},
		{"I-PER I-PER B-PER", corpus.BIOES, "B-PER E-PER S-PER"},
		{"B-PER E-PER S-LOC", corpus.BIO, "B-PER I-PER B-LOC"},
		{"B-PER E-PER S-LOC", corpus.IOB1, "I-PER I-PER I-LOC"},
		{"U-PER B-LOC L-LOC", corpus.BIO, "B-PER B-LOC I-LOC"},
		{"O I-PER I-PER", corpus.BIO, "O B-PER I-PER"}, // repaired
		{"B-PER I-LOC", corpus.BIOES, "S-PER S-LOC"},   // repaired
		{"B-PER Z-PER", corpus.BIO, "B-PER O"},         // unknown tag becomes O
		{"", corpus.BIOES, ""},
	} {
		if got := corpus.Convert(tags(c.in), c.to); !slices.Equal(got, tags(c.want)) {
			t.Errorf("Convert(%q, %v) = %q, want %q", c.in, c.to, got, c.want)
		}
	}
}

func TestToBIO(t *testing.T) {
	in := tags("S-PER B-LOC I-LOC E-LOC O U-ORG B-ORG L-ORG I-MISC B_X X")
	want := tags("B-PER B-LOC I-LOC I-LOC O B-ORG B-ORG I-ORG I-MISC B_X X")
	got := corpus.ToBIO(in)
	if !slices.Equal(got, want) {
		t.Errorf("ToBIO = %q, want %q", got, want)
	}
	if in[0] != "S-PER" {
		t.Error("ToBIO modified its input")
	}
}

func TestValidate(t *testing.T) {
	type P = corpus.Problem
	for _, c := range []struct {
		scheme corpus.Scheme
		tags   string
		want   []P
	}{
		{corpus.BIO, "B-PER I-PER O B-LOC B-LOC I-LOC", nil},
		{corpus.BIO, "", nil},
		{corpus.BIO, "O I-PER", []P{{1, "I-PER does not continue a PER span (previous tag O)"}}},
		{corpus.BIO, "I-PER", []P{{0, "I-PER does not continue a PER span (previous tag O)"}}},
		{corpus.BIO, "B-PER I-LOC", []P{{1, "I-LOC does not continue a LOC span (previous tag B-PER)"}}},
		{corpus.BIO, "S-PER E-PER", []P{{0, "S-PER is not a BIO tag"}, {1, "E-PER is not a BIO tag"}}},
		{corpus.BIO, "B_PER", []P{{0, `tag "B_PER" is not O or B-/I-/E-/S- followed by a type`}}},
		{corpus.BIO, "B-PER Z-PER I-PER", []P{
			{1, `tag "Z-PER" is not O or B-/I-/E-/S- followed by a type`},
			{2, "I-PER does not continue a PER span (previous tag O)"}}},
		{corpus.IOB1, "I-PER I-PER B-PER O I-LOC", nil},
		{corpus.IOB1, "B-PER", []P{{0, "B-PER in IOB1 must follow a PER span (previous tag O)"}}},
		{corpus.IOB1, "I-LOC B-PER", []P{{1, "B-PER in IOB1 must follow a PER span (previous tag I-LOC)"}}},
		{corpus.IOB1, "E-PER S-PER", []P{{0, "E-PER is not an IOB1 tag"}, {1, "S-PER is not an IOB1 tag"}}},
		{corpus.BIOES, "S-PER B-LOC I-LOC E-LOC O U-ORG B-ORG L-ORG", nil},
		{corpus.BIOES, "B-PER O", []P{{0, "PER span is not closed by E-PER"}}},
		{corpus.BIOES, "O B-PER", []P{{1, "PER span is not closed by E-PER"}}},
		{corpus.BIOES, "B-PER I-PER", []P{{1, "PER span is not closed by E-PER"}}},
		{corpus.BIOES, "O E-PER", []P{{1, "E-PER does not continue a PER span (previous tag O)"}}},
		{corpus.BIOES, "S-PER I-PER E-PER", []P{{1, "I-PER does not continue a PER span (previous tag S-PER)"}}},
		{corpus.BIOES, "B-PER B-LOC E-LOC", []P{{0, "PER span is not closed by E-PER"}}},
		{corpus.BIOES, "B-PER I-LOC E-LOC", []P{
			{0, "PER span is not closed by E-PER"},
			{1, "I-LOC does not continue a LOC span (previous tag B-PER)"}}},
	} {
		got := corpus.Validate(tags(c.tags), c.scheme)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Validate(%q, %v) = %+v, want %+v", c.tags, c.scheme, got, c.want)
		}
	}
}

func TestSchemeNames(t *testing.T) {
	for name, want := range map[string]corpus.Scheme{
		"iob1": corpus.IOB1, "bio": corpus.BIO, "iob2": corpus.BIO, "IOB": corpus.BIO,
		"bioes": corpus.BIOES, " iobes ": corpus.BIOES, "BIEOS": corpus.BIOES, "bilou": corpus.BIOES, "bioul": corpus.BIOES,
	} {
		got, err := corpus.ParseScheme(name)
		if err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, bad := range []string{"", "io", "bioes2"} {
		got, err := corpus.ParseScheme(bad)
		if err == nil || got != corpus.SchemeUnknown || !strings.Contains(err.Error(), "expected iob1, bio or bioes") {
			t.Errorf("ParseScheme(%q) = %v, %v; want an error", bad, got, err)
		}
	}
	for s, want := range map[corpus.Scheme]string{corpus.SchemeUnknown: "unknown", corpus.IOB1: "iob1", corpus.BIO: "bio", corpus.BIOES: "bioes", corpus.Scheme(42): "unknown"} {
		if s.String() != want {
			t.Errorf("Scheme(%d).String() = %q, want %q", int(s), s.String(), want)
		}
	}
}

func TestDetectScheme(t *testing.T) {
	for _, c := range []struct {
		sentences []string
		want      corpus.Scheme
	}{
		{nil, corpus.BIO},
		{[]string{"O O", ""}, corpus.BIO},
		{[]string{"B-PER I-PER", "O B-LOC"}, corpus.BIO},
		{[]string{"I-PER I-PER B-PER", "O I-LOC"}, corpus.IOB1},
		{[]string{"I-PER", "B-LOC"}, corpus.BIO}, // a tie is BIO
		{[]string{"I-PER", "I-LOC", "B-ORG"}, corpus.IOB1},
		{[]string{"B-PER I-PER", "O I-LOC", "B-LOC"}, corpus.BIO}, // BIO with a violation
		{[]string{"B-PER E-PER"}, corpus.BIOES},
		{[]string{"I-PER I-PER", "I-LOC", "S-ORG"}, corpus.BIOES},
		{[]string{"U-PER"}, corpus.BIOES},
	} {
		seqs := make([][]string, len(c.sentences))
		for i, s := range c.sentences {
			seqs[i] = tags(s)
		}
		if got := corpus.DetectScheme(seqs); got != c.want {
			t.Errorf("DetectScheme(%q) = %v, want %v", c.sentences, got, c.want)
		}
	}
	var ev corpus.SchemeEvidence
	ev.Observe(tags("B-PER I-PER O I-LOC B-LOC S-PER I-ORG Z-ORG I-ORG E-ORG"))
	ev.Observe(tags("B-MISC"))
	// B- starts: B-PER, B-MISC (B-LOC continues I-LOC's type); I- starts:
	// I-LOC after O, I-ORG after S-PER, I-ORG after the unknown Z-ORG.
	if want := (corpus.SchemeEvidence{EndOrSingle: 2, BStarts: 2, IStarts: 3}); ev != want {
		t.Errorf("SchemeEvidence = %+v, want %+v", ev, want)
	}
	if ev.Scheme() != corpus.BIOES {
		t.Errorf("Scheme() = %v", ev.Scheme())
	}
}

// TestSchemeProperties is a brute-force check: every sequence of up to 5
// tags over O and B-/I-/E-/S- of two types (plus one unknown tag), and many
// random longer ones.
//   - Convert to any scheme gives a sequence that scheme's Validate accepts,
//     with the same Spans, and StrictSpans equal to Spans; converting again
//     changes nothing;
//   - for sequences Validate accepts, Spans == StrictSpans;
//   - for well-formed BIO sequences, Convert to each scheme and back to BIO
//     is the identity, and so is ToBIO after BIOES.
func TestSchemeProperties(t *testing.T) {
	alphabet := []string{"O", "B-A", "I-A", "E-A", "S-A", "B-B", "I-B", "E-B", "S-B", "Z-A"}
	schemes := []corpus.Scheme{corpus.IOB1, corpus.BIO, corpus.BIOES}
	accepted := map[corpus.Scheme]int{}
	wellFormedBIO := 0
	check := func(seq []string) {
		orig := corpus.Spans(seq)
		bioOK := corpus.Validate(seq, corpus.BIO) == nil
		if bioOK {
			wellFormedBIO++
		}
		for _, s := range schemes {
			if corpus.Validate(seq, s) == nil {
				accepted[s]++
				if strict := corpus.StrictSpans(seq, s); !reflect.DeepEqual(strict, orig) {
					t.Fatalf("%v accepts %q but StrictSpans = %v, Spans = %v", s, seq, strict, orig)
				}
			}
			conv := corpus.Convert(seq, s)
			if p := corpus.Validate(conv, s); p != nil {
				t.Fatalf("Convert(%q, %v) = %q, ill-formed: %v", seq, s, conv, p)
			}
			if got := corpus.Spans(conv); !reflect.DeepEqual(got, orig) {
				t.Fatalf("Convert(%q, %v) = %q: spans %v, want %v", seq, s, conv, got, orig)
			}
			if got := corpus.StrictSpans(conv, s); !reflect.DeepEqual(got, orig) {
				t.Fatalf("StrictSpans(Convert(%q, %v)) = %v, want %v", seq, s, got, orig)
			}
			if again := corpus.Convert(conv, s); !slices.Equal(again, conv) {
				t.Fatalf("Convert not idempotent on %q, %v: %q then %q", seq, s, conv, again)
			}
			if bioOK {
				if back := corpus.Convert(conv, corpus.BIO); !slices.Equal(back, seq) {
					t.Fatalf("BIO %q -> %v %q -> BIO %q", seq, s, conv, back)
				}
				if s == corpus.BIOES {
					if back := corpus.ToBIO(conv); !slices.Equal(back, seq) {
						t.Fatalf("ToBIO(%q) = %q, want %q", conv, back, seq)
					}
				}
			}
		}
	}
	// Exhaustive up to length 5.
	var rec func(seq []string)
	rec = func(seq []string) {
		check(seq)
		if len(seq) == 5 {
			return
		}
		for _, tag := range alphabet {
			rec(append(seq, tag))
		}
	}
	rec(make([]string, 0, 5))
	// Well-formed sequences of length 0..5 over O and two types: 1, 3, 11,
	// 41, 153, 571 in each scheme (BIO: o' = o+2t, t' = o+3t per type;
	// BIOES: c' = 3c+2u, u' = c+u; IOB1 mirrors BIO), 780 in all.
	for _, s := range schemes {
		if accepted[s] != 780 {
			t.Errorf("%v accepts %d of the exhaustive sequences, want 780", s, accepted[s])
		}
	}
	if wellFormedBIO != 780 {
		t.Errorf("%d well-formed BIO sequences, want 780", wellFormedBIO)
	}
	// Random well-formed BIO sequences, longer, over more types.
	rng := rand.New(rand.NewPCG(2017, 3))
	types := []string{"PER", "LOC", "creative-work", "X"}
	for range 5000 {
		n := rng.IntN(40)
		seq := make([]string, n)
		cur := ""
		for i := range seq {
			switch r := rng.IntN(10); {
			case r < 4:
				seq[i], cur = "O", ""
			case r < 7 && cur != "":
				seq[i] = "I-" + cur
			default:
				cur = types[rng.IntN(len(types))]
				seq[i] = "B-" + cur
			}
		}
		if corpus.Validate(seq, corpus.BIO) != nil {
			t.Fatalf("generator made an ill-formed BIO sequence %q", seq)
		}
		check(seq)
	}
}
