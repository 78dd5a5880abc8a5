package corpus

import (
	"fmt"
	"strings"
)

// Scheme detects the tag scheme of the corpus's ner column (over sentence
// tokens; context tokens of CLNER views are ignored).
func (c *Corpus) Scheme() (Scheme, error) {
	col, err := c.TagColumn()
	if err != nil {
		return SchemeUnknown, err
	}
	textCol := c.Column(TextColumn)
	var ev SchemeEvidence
	for i := range c.Sentences {
		s := &c.Sentences[i]
		tags := sentenceTags(s, textCol, col)
		ev.Observe(tags)
	}
	return ev.Scheme(), nil
}

// Validate checks every sentence's ner tags against scheme (SchemeUnknown:
// the detected scheme) and returns one error per problem, at most max
// (max <= 0: all), each naming file and line.
func (c *Corpus) Validate(scheme Scheme, max int) ([]error, error) {
	col, err := c.TagColumn()
	if err != nil {
		return nil, err
	}
	if scheme == SchemeUnknown {
		if scheme, err = c.Scheme(); err != nil {
			return nil, err
		}
	}
	textCol := c.Column(TextColumn)
	var errs []error
	for i := range c.Sentences {
		s := &c.Sentences[i]
		tags := sentenceTags(s, textCol, col)
		for _, p := range Validate(tags, scheme) {
			errs = append(errs, &ParseError{Path: c.name(), Line: lineOf(s, p.Index), Msg: p.Msg + "; expected well-formed " + scheme.String()})
			if max > 0 && len(errs) >= max {
				return errs, nil
			}
		}
	}
	return errs, nil
}

func lineOf(s *Sentence, token int) int {
	if s.Line == 0 {
		return 0
	}
	return s.Line + token
}

// ConvertTags rewrites the ner column in scheme to. The tags are read as
// conlleval reads them; unless repair is set, a sequence that is ill-formed
// in the corpus's detected scheme (an I- after O in BIO, say) is refused
// with its file and line instead of being silently repaired. Context
// tokens of CLNER views keep their X tags.
func (c *Corpus) ConvertTags(to Scheme, repair bool) error {
	if to == SchemeUnknown {
		return fmt.Errorf("convert %s: no target scheme; expected iob1, bio or bioes", c.name())
	}
	col, err := c.TagColumn()
	if err != nil {
		return err
	}
	if !repair {
		errs, err := c.Validate(SchemeUnknown, 5)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			msgs := make([]string, len(errs))
			for i, e := range errs {
				msgs[i] = e.Error()
			}
			return fmt.Errorf("%s\n(ill-formed tags; repair them with --repair)", strings.Join(msgs, "\n"))
		}
	}
	textCol := c.Column(TextColumn)
	var spans []Span
	names := tagNames{}
	for i := range c.Sentences {
		s := &c.Sentences[i]
		tags := sentenceTags(s, textCol, col)
		spans = AppendSpans(spans[:0], tags)
		encodeInto(tags, spans, to, names)
	}
	return nil
}
