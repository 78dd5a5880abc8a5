package tagger

import (
	"fmt"

	"github.com/nerlab/nerlab/lib/corpus"
)

// Examples turns a corpus into training or evaluation examples: the text
// column as tokens, and the gold tags of the scored positions re-encoded in
// the tagger's scheme (the corpus itself is not modified). Scored positions
// are those of the sentence part of a CLNER view that are not tagged X;
// everything else is context. A gold entity type the tagger does not know
// is an error naming the file and line.
func (t *Tagger) Examples(c *corpus.Corpus) ([]*Example, error) {
	textCol := c.Column(corpus.TextColumn)
	if textCol < 0 {
		return nil, fmt.Errorf("%s: no text column", c.Path)
	}
	tagCol, err := c.TagColumn()
	if err != nil {
		return nil, err
	}
	out := make([]*Example, len(c.Sentences))
	for i := range c.Sentences {
		s := &c.Sentences[i]
		text, tags := s.Columns[textCol], s.Columns[tagCol]
		ex, keptTags := exampleOf(text, tags)
		gold, err := t.encodeGold(keptTags)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", c.Path, s.Line, err)
		}
		ex.Gold = gold
		out[i] = ex
	}
	return out, nil
}

// exampleOf splits a tagged sequence into an example (without gold) and
// the tags of its scored positions.
func exampleOf(text, tags []string) (*Example, []string) {
	view := corpus.SplitView(text, tags)
	ex := &Example{Tokens: text}
	contextual := view.HasContext()
	for j := 0; j < view.Len && !contextual; j++ {
		contextual = corpus.IsContextTag(tags[j])
	}
	if !contextual {
		return ex, tags
	}
	kept := make([]string, 0, view.Len)
	ex.Keep = make([]int, 0, view.Len)
	for j := 0; j < view.Len; j++ {
		if !corpus.IsContextTag(tags[j]) {
			ex.Keep = append(ex.Keep, j)
			kept = append(kept, tags[j])
		}
	}
	return ex, kept
}

// ExampleOfTokens makes an example for prediction from tokens: when the
// tokens contain <EOS>, what follows the first one is context.
func ExampleOfTokens(tokens []string) *Example {
	ex := &Example{Tokens: tokens}
	for i, tok := range tokens {
		if tok == corpus.EOS {
			ex.Keep = make([]int, i)
			for j := range ex.Keep {
				ex.Keep[j] = j
			}
			break
		}
	}
	return ex
}

// encodeGold re-encodes tags (any scheme, read as conlleval reads them) in
// the tagger's scheme and maps them to ids.
func (t *Tagger) encodeGold(tags []string) ([]int, error) {
	spans := corpus.Spans(tags)
	encoded := corpus.Encode(spans, len(tags), t.scheme)
	ids := make([]int, len(encoded))
	for j, tag := range encoded {
		id, ok := t.Config.Tags.ID(tag)
		if !ok || id >= t.numTags {
			return nil, fmt.Errorf("token %d has tag %s, which the model does not know (its types come from the training data)", j+1, tags[j])
		}
		ids[j] = id
	}
	return ids, nil
}
