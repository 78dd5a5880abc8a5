// Package metrics scores predicted entity tags against gold tags: span
// precision, recall and F1 (micro, macro and per type) and token accuracy.
//
// Two modes decide what counts as a span:
//
//   - Conlleval reproduces the CoNLL-2000 conlleval.pl script: chunks are
//     read leniently with corpus.Spans (an I- after O or after another type
//     starts a chunk; BIOES is read as its BIO conversion) and a predicted
//     chunk is correct iff a gold chunk has the same start, end and type.
//   - Strict counts only spans well formed in the tag scheme
//     (corpus.StrictSpans), in gold and prediction alike; fragments that
//     break the scheme are neither gold nor predicted spans.
//
// Token accuracy compares tag strings as given, before any BIO conversion,
// so it is the same in both modes. Sentence boundaries always close spans.
// Tags that corpus.SplitTag rejects are read as O; conlleval.pl would read
// such a tag as a chunk of an empty type.
package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
)

// Mode selects how spans are read from tags.
type Mode int

const (
	// Conlleval reads spans as conlleval.pl does (corpus.Spans).
	Conlleval Mode = iota
	// Strict keeps only spans well formed in the scheme (corpus.StrictSpans).
	Strict
)

// String returns the mode's name as ParseMode accepts it.
func (m Mode) String() string {
	switch m {
	case Conlleval:
		return "conlleval"
	case Strict:
		return "strict"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads a mode name: conlleval or strict (case-insensitive).
func ParseMode(name string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "conlleval":
		return Conlleval, nil
	case "strict":
		return Strict, nil
	}
	return Conlleval, fmt.Errorf("unknown scoring mode %q; expected conlleval or strict", name)
}

// Score is precision, recall and F1 as fractions in [0, 1] with the counts
// they come from. A ratio whose denominator is 0 is 0, as conlleval prints.
type Score struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`   // gold spans
	Predicted int     `json:"predicted"` // predicted spans
	Correct   int     `json:"correct"`   // predicted spans that match a gold span exactly
}

func newScore(gold, found, correct int) Score {
	s := Score{Support: gold, Predicted: found, Correct: correct}
	if found > 0 {
		s.Precision = float64(correct) / float64(found)
	}
	if gold > 0 {
		s.Recall = float64(correct) / float64(gold)
	}
	// Equal to 2PR/(P+R), without its rounding.
	if correct > 0 {
		s.F1 = 2 * float64(correct) / float64(gold+found)
	}
	return s
}

// Report is the result of scoring a set of sentences.
type Report struct {
	Mode          string // "conlleval" or "strict"
	Scheme        string // the declared scheme, or the one detected from gold tags
	Sentences     int
	Tokens        int
	CorrectTokens int     // tokens whose predicted tag equals the gold tag
	Accuracy      float64 // CorrectTokens / Tokens
	Micro         Score   // over all spans
	// Macro holds the unweighted means of the per-type precision, recall
	// and F1 (F1 is the mean of the F1s, not the F1 of the means); its
	// counts are the totals, as in Micro.
	Macro   Score
	PerType map[string]Score
	Types   []string // the types in gold or prediction, sorted bytewise as conlleval sorts
}

// typeCounts are the counts of one entity type.
type typeCounts struct{ gold, found, correct int }

// tally accumulates span counts under one way of reading spans.
type tally struct {
	types                map[string]*typeCounts
	gold, found, correct int
	goldSpans, predSpans []corpus.Span // reused per sentence
}

func (t *tally) counts(typ string) *typeCounts {
	c := t.types[typ]
	if c == nil {
		c = new(typeCounts)
		if t.types == nil {
			t.types = make(map[string]*typeCounts)
		}
		// Clone so the map does not pin the caller's tag storage.
		t.types[strings.Clone(typ)] = c
	}
	return c
}

// add counts one sentence's spans. Both lists are in order of Start with
// distinct starts, so one merge pass finds the exact matches.
func (t *tally) add(gold, pred []corpus.Span) {
	t.gold += len(gold)
	t.found += len(pred)
	for _, g := range gold {
		t.counts(g.Type).gold++
	}
	for _, p := range pred {
		t.counts(p.Type).found++
	}
	i, j := 0, 0
	for i < len(gold) && j < len(pred) {
		g, p := &gold[i], &pred[j]
		switch {
		case g.Start < p.Start:
			i++
		case g.Start > p.Start:
			j++
		default:
			if g.End == p.End && g.Type == p.Type {
				t.correct++
				t.counts(g.Type).correct++
			}
			i++
			j++
		}
	}
}

// strictSchemes are the schemes a Strict scorer with no declared scheme
// keeps tallies for until the gold tags have decided which one applies.
var strictSchemes = [...]corpus.Scheme{corpus.IOB1, corpus.BIO, corpus.BIOES}

// Scorer accumulates scores sentence by sentence. Its zero value scores in
// Conlleval mode with the scheme detected from the gold tags.
type Scorer struct {
	mode   Mode
	scheme corpus.Scheme
	err    error

	sentences, tokens, correctTokens int

	// With no declared scheme the report names the scheme detected from the
	// gold tags; in Strict mode the spans depend on it, so one tally per
	// candidate scheme is kept and Report picks one.
	evidence corpus.SchemeEvidence
	tallies  [len(strictSchemes)]tally
}

// NewScorer returns a Scorer for mode. scheme matters in Strict mode only;
// corpus.SchemeUnknown means: detect it from all the gold tags added.
func NewScorer(mode Mode, scheme corpus.Scheme) *Scorer {
	s := &Scorer{mode: mode, scheme: scheme}
	switch {
	case mode != Conlleval && mode != Strict:
		s.err = fmt.Errorf("metrics: unknown scoring mode %d", int(mode))
	case scheme != corpus.SchemeUnknown && scheme != corpus.IOB1 && scheme != corpus.BIO && scheme != corpus.BIOES:
		s.err = fmt.Errorf("metrics: unknown tag scheme %d", int(scheme))
	}
	return s
}

// Add scores one sentence. gold and pred must have the same length; a
// sentence that fails is not counted. Add keeps no reference to the slices.
func (s *Scorer) Add(gold, pred []string) error {
	if s.err != nil {
		return s.err
	}
	if len(gold) != len(pred) {
		return fmt.Errorf("metrics: %d gold tags but %d predicted tags", len(gold), len(pred))
	}
	s.sentences++
	s.tokens += len(gold)
	for i, g := range gold {
		if g == pred[i] {
			s.correctTokens++
		}
	}
	if s.scheme == corpus.SchemeUnknown {
		s.evidence.Observe(gold)
	}
	switch {
	case s.mode == Conlleval:
		t := &s.tallies[0]
		t.goldSpans = corpus.AppendSpans(t.goldSpans[:0], gold)
		t.predSpans = corpus.AppendSpans(t.predSpans[:0], pred)
		t.add(t.goldSpans, t.predSpans)
	case s.scheme != corpus.SchemeUnknown:
		t := &s.tallies[0]
		t.goldSpans = corpus.AppendStrictSpans(t.goldSpans[:0], gold, s.scheme)
		t.predSpans = corpus.AppendStrictSpans(t.predSpans[:0], pred, s.scheme)
		t.add(t.goldSpans, t.predSpans)
	default:
		for k, sc := range strictSchemes {
			t := &s.tallies[k]
			t.goldSpans = corpus.AppendStrictSpans(t.goldSpans[:0], gold, sc)
			t.predSpans = corpus.AppendStrictSpans(t.predSpans[:0], pred, sc)
			t.add(t.goldSpans, t.predSpans)
		}
	}
	return nil
}

// Report returns the scores of the sentences added so far; the Scorer can
// go on accumulating afterwards.
func (s *Scorer) Report() Report {
	scheme := s.scheme
	if scheme == corpus.SchemeUnknown {
		scheme = s.evidence.Scheme()
	}
	t := &s.tallies[0]
	if s.mode == Strict && s.scheme == corpus.SchemeUnknown {
		t = &s.tallies[slices.Index(strictSchemes[:], scheme)]
	}
	r := Report{
		Mode:          s.mode.String(),
		Scheme:        scheme.String(),
		Sentences:     s.sentences,
		Tokens:        s.tokens,
		CorrectTokens: s.correctTokens,
		Micro:         newScore(t.gold, t.found, t.correct),
		PerType:       make(map[string]Score, len(t.types)),
		Types:         make([]string, 0, len(t.types)),
	}
	if s.tokens > 0 {
		r.Accuracy = float64(s.correctTokens) / float64(s.tokens)
	}
	for typ, c := range t.types {
		r.PerType[typ] = newScore(c.gold, c.found, c.correct)
		r.Types = append(r.Types, typ)
	}
	slices.Sort(r.Types)
	r.Macro = Score{Support: t.gold, Predicted: t.found, Correct: t.correct}
	if n := float64(len(r.Types)); n > 0 {
		// Summed in sorted order so the result does not depend on map order.
		for _, typ := range r.Types {
			sc := r.PerType[typ]
			r.Macro.Precision += sc.Precision
			r.Macro.Recall += sc.Recall
			r.Macro.F1 += sc.F1
		}
		r.Macro.Precision /= n
		r.Macro.Recall /= n
		r.Macro.F1 /= n
	}
	return r
}

// ScoreSentences scores gold against pred, sentence by sentence.
func ScoreSentences(gold, pred [][]string, mode Mode, scheme corpus.Scheme) (Report, error) {
	if len(gold) != len(pred) {
		return Report{}, fmt.Errorf("metrics: %d gold sentences but %d predicted sentences", len(gold), len(pred))
	}
	s := NewScorer(mode, scheme)
	if s.err != nil {
		return Report{}, s.err
	}
	for i := range gold {
		if len(gold[i]) != len(pred[i]) {
			return Report{}, fmt.Errorf("metrics: sentence %d: %d gold tags but %d predicted tags", i, len(gold[i]), len(pred[i]))
		}
		s.Add(gold[i], pred[i]) // cannot fail: mode, scheme and lengths are checked
	}
	return s.Report(), nil
}
