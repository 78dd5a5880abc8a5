package metrics_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/metrics"
)

// refEval re-implements conlleval.pl's streaming algorithm, line by line,
// independently of package metrics and of corpus: it never builds spans,
// it only detects chunk starts and ends between consecutive tags.
type refEval struct {
	inCorrect                    bool
	lastCorrect, lastCorrectType string
	lastGuessed, lastGuessedType string

	correctChunk, foundCorrect, foundGuessed map[string]int
	totalCorrect, totalGold, totalGuessed    int
	correctTags, tokens                      int
}

func newRefEval() *refEval {
	return &refEval{
		lastCorrect: "O", lastGuessed: "O",
		correctChunk: map[string]int{}, foundCorrect: map[string]int{}, foundGuessed: map[string]int{},
	}
}

// refSplit splits at the first dash, as the 2004 conlleval.pl does.
func refSplit(tag string) (prefix, typ string) {
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		return tag[:i], tag[i+1:]
	}
	return tag, ""
}

func refEndOfChunk(prevTag, tag, prevType, typ string) bool {
	switch {
	case prevTag == "B" && (tag == "B" || tag == "O"),
		prevTag == "I" && (tag == "B" || tag == "O"),
		prevTag == "E" && (tag == "E" || tag == "I" || tag == "O"),
		prevTag != "O" && prevTag != "." && prevType != typ,
		prevTag == "[" || prevTag == "]":
		return true
	}
	return false
}

func refStartOfChunk(prevTag, tag, prevType, typ string) bool {
	switch {
	case tag == "B" && (prevTag == "B" || prevTag == "I" || prevTag == "O"),
		prevTag == "O" && (tag == "I" || tag == "E"),
		prevTag == "E" && (tag == "E" || tag == "I"),
		tag != "O" && tag != "." && prevType != typ,
		tag == "[" || tag == "]":
		return true
	}
	return false
}

// line feeds one input line; boundary is the blank line between sentences,
// which the script reads as O/O and does not count as a token.
func (r *refEval) line(correctTag, guessedTag string, boundary bool) {
	correct, correctType := refSplit(correctTag)
	guessed, guessedType := refSplit(guessedTag)
	if boundary {
		correct, correctType, guessed, guessedType = "O", "", "O", ""
	}
	endC := refEndOfChunk(r.lastCorrect, correct, r.lastCorrectType, correctType)
	endG := refEndOfChunk(r.lastGuessed, guessed, r.lastGuessedType, guessedType)
	startC := refStartOfChunk(r.lastCorrect, correct, r.lastCorrectType, correctType)
	startG := refStartOfChunk(r.lastGuessed, guessed, r.lastGuessedType, guessedType)
	if r.inCorrect {
		if endC && endG && r.lastGuessedType == r.lastCorrectType {
			r.inCorrect = false
			r.totalCorrect++
			r.correctChunk[r.lastCorrectType]++
		} else if endC != endG || guessedType != correctType {
			r.inCorrect = false
		}
	}
	if startC && startG && guessedType == correctType {
		r.inCorrect = true
	}
	if startC {
		r.totalGold++
		r.foundCorrect[correctType]++
	}
	if startG {
		r.totalGuessed++
		r.foundGuessed[guessedType]++
	}
	if !boundary {
		if correct == guessed && correctType == guessedType {
			r.correctTags++
		}
		r.tokens++
	}
	r.lastCorrect, r.lastCorrectType = correct, correctType
	r.lastGuessed, r.lastGuessedType = guessed, guessedType
}

func (r *refEval) sentence(gold, pred []string) {
	for i := range gold {
		r.line(gold[i], pred[i], false)
	}
	r.line("", "", true)
}

// finish closes a chunk still open at the end of the input.
func (r *refEval) finish() {
	if r.inCorrect {
		r.inCorrect = false
		r.totalCorrect++
		r.correctChunk[r.lastCorrectType]++
	}
}

func runRef(gold, pred [][]string) *refEval {
	r := newRefEval()
	for i := range gold {
		r.sentence(gold[i], pred[i])
	}
	r.finish()
	return r
}

// refToBIO is the BIOES→BIO conversion the project applies before
// conlleval scoring (S→B, E→I), written out here on its own.
func refToBIO(sentences [][]string) [][]string {
	out := make([][]string, len(sentences))
	for i, tags := range sentences {
		out[i] = make([]string, len(tags))
		for j, tag := range tags {
			switch {
			case strings.HasPrefix(tag, "S-"):
				tag = "B-" + tag[2:]
			case strings.HasPrefix(tag, "E-"):
				tag = "I-" + tag[2:]
			}
			out[i][j] = tag
		}
	}
	return out
}

// checkAgainstRef compares a conlleval-mode report with the reference run
// on the BIO conversion (spans) and on the tags as given (accuracy).
func checkAgainstRef(t *testing.T, what string, gold, pred [][]string, r metrics.Report) {
	t.Helper()
	ref := runRef(refToBIO(gold), refToBIO(pred))
	raw := runRef(gold, pred)
	if got, want := countsOf(r.Micro), (counts{ref.totalGold, ref.totalGuessed, ref.totalCorrect}); got != want {
		t.Errorf("%s: (gold, found, correct) = %v, reference %v", what, got, want)
	}
	if r.Tokens != raw.tokens || r.CorrectTokens != raw.correctTags {
		t.Errorf("%s: %d/%d tokens right, reference %d/%d", what, r.CorrectTokens, r.Tokens, raw.correctTags, raw.tokens)
	}
	var types []string
	for typ := range ref.foundCorrect {
		types = append(types, typ)
	}
	for typ := range ref.foundGuessed {
		if ref.foundCorrect[typ] == 0 {
			types = append(types, typ)
		}
	}
	slices.Sort(types)
	if !slices.Equal(r.Types, types) {
		t.Errorf("%s: types %v, reference %v", what, r.Types, types)
	}
	for _, typ := range types {
		want := counts{ref.foundCorrect[typ], ref.foundGuessed[typ], ref.correctChunk[typ]}
		if got := countsOf(r.PerType[typ]); got != want {
			t.Errorf("%s: %s (gold, found, correct) = %v, reference %v", what, typ, got, want)
		}
	}
}

// randomTags draws a sequence over the given prefixes and types.
func randomTags(rng *rand.Rand, n int, prefixes string, types []string) []string {
	tags := make([]string, n)
	for i := range tags {
		p := prefixes[rng.IntN(len(prefixes))]
		if p == 'O' {
			tags[i] = "O"
		} else {
			tags[i] = string(p) + "-" + types[rng.IntN(len(types))]
		}
	}
	return tags
}

// randomPair draws a gold sequence and a prediction that copies it with
// some tags redrawn, so that many but not all chunks match.
func randomPair(rng *rand.Rand, n int, prefixes string, types []string) (gold, pred []string) {
	gold = randomTags(rng, n, prefixes, types)
	pred = slices.Clone(gold)
	noise := randomTags(rng, n, prefixes, types)
	for i := range pred {
		if rng.IntN(4) == 0 {
			pred[i] = noise[i]
		}
	}
	return gold, pred
}

func TestConllevalMatchesReferenceOnRandomTags(t *testing.T) {
	rng := rand.New(rand.NewPCG(2000, 2003))
	typeSets := [][]string{{"PER", "LOC"}, {"PER", "LOC", "ORG"}, {"A", "creative-work"}}
	prefixSets := []string{"BIO", "BIOOO", "BIOES", "BIEOSOO", "IIBOO"}
	total := 0
	for trial := range 3000 {
		types := typeSets[trial%len(typeSets)]
		prefixes := prefixSets[trial%len(prefixSets)]
		var gold, pred [][]string
		for range 1 + rng.IntN(4) {
			g, p := randomPair(rng, rng.IntN(12), prefixes, types)
			gold, pred = append(gold, g), append(pred, p)
		}
		r, err := metrics.ScoreSentences(gold, pred, metrics.Conlleval, corpus.SchemeUnknown)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstRef(t, strings.Join(slices.Concat(gold...), " ")+" / "+strings.Join(slices.Concat(pred...), " "), gold, pred, r)
		total += r.Micro.Support
		if t.Failed() {
			return
		}
	}
	if total < 10000 {
		t.Errorf("only %d gold chunks in the random trials", total)
	}
}

// On sequences well formed in their scheme, strict spans and conlleval
// spans are the same spans, so the two modes must agree exactly.
func TestStrictAgreesOnWellFormedTags(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	types := []string{"PER", "LOC"}
	for _, c := range []struct {
		scheme   corpus.Scheme
		prefixes string
	}{{corpus.BIO, "BIO"}, {corpus.IOB1, "BIO"}, {corpus.IOB1, "IIIBOO"}, {corpus.BIOES, "BIESO"}} {
		wellFormed := 0
		for range 20000 {
			gold, pred := randomPair(rng, rng.IntN(7), c.prefixes, types)
			if len(corpus.Validate(gold, c.scheme)) > 0 || len(corpus.Validate(pred, c.scheme)) > 0 {
				continue
			}
			wellFormed++
			lenient, err1 := metrics.ScoreSentences([][]string{gold}, [][]string{pred}, metrics.Conlleval, c.scheme)
			strict, err2 := metrics.ScoreSentences([][]string{gold}, [][]string{pred}, metrics.Strict, c.scheme)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !reflect.DeepEqual(lenient.Micro, strict.Micro) || !reflect.DeepEqual(lenient.PerType, strict.PerType) {
				t.Fatalf("%v %q / %q: conlleval %+v, strict %+v", c.scheme, gold, pred, lenient.Micro, strict.Micro)
			}
		}
		if wellFormed < 500 {
			t.Errorf("%v over %q: only %d well-formed pairs drawn", c.scheme, c.prefixes, wellFormed)
		}
		t.Logf("%v over %q: %d well-formed pairs agree", c.scheme, c.prefixes, wellFormed)
	}
}

// Over B/I/O tags, strict BIO only drops fragments that conlleval reads as
// spans, so every strict count is at most the conlleval one.
func TestStrictBIONeverExceedsConlleval(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 5000 {
		gold, pred := randomPair(rng, rng.IntN(10), "BIO", []string{"PER", "LOC"})
		lenient, _ := metrics.ScoreSentences([][]string{gold}, [][]string{pred}, metrics.Conlleval, corpus.BIO)
		strict, _ := metrics.ScoreSentences([][]string{gold}, [][]string{pred}, metrics.Strict, corpus.BIO)
		for typ, s := range strict.PerType {
			l := lenient.PerType[typ]
			if s.Support > l.Support || s.Predicted > l.Predicted || s.Correct > l.Correct {
				t.Fatalf("%q / %q: %s strict %+v exceeds conlleval %+v", gold, pred, typ, s, l)
			}
		}
	}
}

// A Strict scorer with no scheme keeps a tally per scheme; it must give
// what a scorer told the detected scheme gives.
func TestStrictDetectionMatchesDeclaredScheme(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	for trial := range 600 {
		prefixes := []string{"BIO", "IIBOO", "BIESO"}[trial%3]
		var gold, pred [][]string
		for range 1 + rng.IntN(5) {
			g, p := randomPair(rng, rng.IntN(10), prefixes, []string{"PER", "LOC", "ORG"})
			gold, pred = append(gold, g), append(pred, p)
		}
		detected, err1 := metrics.ScoreSentences(gold, pred, metrics.Strict, corpus.SchemeUnknown)
		declared, err2 := metrics.ScoreSentences(gold, pred, metrics.Strict, corpus.DetectScheme(gold))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !reflect.DeepEqual(detected, declared) {
			t.Fatalf("%q / %q:\ndetected %+v\ndeclared %+v", gold, pred, detected, declared)
		}
	}
}

func TestZeroScorer(t *testing.T) {
	var s metrics.Scorer
	if err := s.Add(strings.Fields("B-PER I-PER O"), strings.Fields("B-PER I-PER B-LOC")); err != nil {
		t.Fatal(err)
	}
	r := s.Report()
	if r.Mode != "conlleval" || r.Scheme != "bio" || countsOf(r.Micro) != (counts{1, 2, 1}) {
		t.Errorf("zero Scorer: %+v", r)
	}
}
