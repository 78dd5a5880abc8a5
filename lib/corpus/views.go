package corpus

import "fmt"

// EOS separates a sentence from its retrieved context in a CLNER context
// view: the sentence's tokens, then <EOS>, then context tokens tagged X.
const EOS = "<EOS>"

// View locates the sentence part of a CLNER context view.
type View struct {
	Len   int // tokens [0, Len) are the sentence
	Total int // tokens [Len, Total) are <EOS> and the context
}

// HasContext reports whether the view has an <EOS> and context.
func (v View) HasContext() bool { return v.Total > v.Len }

// SplitView finds where the sentence ends: at the first <EOS> token after
// which every token (the <EOS> itself included) carries a context tag
// (X, B-X, I-X, S-X) or, for <EOS> itself, O. Without such an <EOS> the
// whole sequence is the sentence.
// Text and tags of different lengths are no view: the whole text is the
// sentence.
func SplitView(text, tags []string) View {
	n := len(text)
	if len(tags) != n {
		return View{Len: n, Total: n}
	}
	// Walk back over the context-tagged tail; the earliest <EOS> in it is
	// the boundary (a context may itself hold <EOS> between passages),
	// unless the token before the tail is an <EOS> tagged O, which is
	// earlier still.
	cut := -1
	i := n
	for i > 0 && IsContextTag(tags[i-1]) {
		i--
		if text[i] == EOS {
			cut = i
		}
	}
	if i > 0 && text[i-1] == EOS && tags[i-1] == Outside {
		cut = i - 1
	}
	if cut < 0 {
		return View{Len: n, Total: n}
	}
	return View{Len: cut, Total: n}
}

// sentenceTags returns the tag column tagCol of s without the <EOS> and
// context of a CLNER view (all of it when textCol < 0 or s is no view).
// It shares memory with s.
func sentenceTags(s *Sentence, textCol, tagCol int) []string {
	tags := s.Columns[tagCol]
	if textCol < 0 {
		return tags
	}
	return tags[:SplitView(s.Columns[textCol], tags).Len]
}

// SentencePart returns the sentence of a view without its context: the same
// columns cut at the <EOS>. It shares memory with s.
func (c *Corpus) SentencePart(s *Sentence) Sentence {
	textCol, tagCol := c.Column(TextColumn), c.Column(NERColumn)
	if textCol < 0 || tagCol < 0 {
		return *s
	}
	v := SplitView(s.Columns[textCol], s.Columns[tagCol])
	out := Sentence{Columns: make([][]string, len(s.Columns)), Line: s.Line, Meta: s.Meta}
	for k, col := range s.Columns {
		out.Columns[k] = col[:v.Len]
	}
	return out
}

// ContextPart returns the context tokens of a view (after <EOS>), or nil.
func (c *Corpus) ContextPart(s *Sentence) []string {
	textCol, tagCol := c.Column(TextColumn), c.Column(NERColumn)
	if textCol < 0 || tagCol < 0 {
		return nil
	}
	v := SplitView(s.Columns[textCol], s.Columns[tagCol])
	if !v.HasContext() {
		return nil
	}
	return s.Columns[textCol][v.Len+1 : v.Total]
}

// Pair checks that view holds the context views of plain's sentences, in
// the same order: the same number of sentences, and each view's sentence
// part has the plain sentence's tokens and tags. The error names both
// files, the lines and the first difference.
func Pair(plain, view *Corpus) error {
	pt, err := plain.TagColumn()
	if err != nil {
		return err
	}
	vt, err := view.TagColumn()
	if err != nil {
		return err
	}
	px, vx := plain.Column(TextColumn), view.Column(TextColumn)
	if px < 0 || vx < 0 {
		return fmt.Errorf("pair %s with %s: both need a %q column", plain.name(), view.name(), TextColumn)
	}
	for i := range plain.Sentences {
		if i >= len(view.Sentences) {
			return fmt.Errorf("%s has %d sentences but %s has %d; expected one context view per sentence (first missing: sentence %d, %s:%d)",
				view.name(), len(view.Sentences), plain.name(), len(plain.Sentences), i+1, plain.name(), plain.Sentences[i].Line)
		}
		p, v := &plain.Sentences[i], &view.Sentences[i]
		part := SplitView(v.Columns[vx], v.Columns[vt])
		if part.Len != p.Len() {
			return fmt.Errorf("%s:%d: sentence %d has %d tokens before <EOS>; expected %d like %s:%d",
				view.name(), v.Line, i+1, part.Len, p.Len(), plain.name(), p.Line)
		}
		for t := 0; t < part.Len; t++ {
			if v.Columns[vx][t] != p.Columns[px][t] {
				return fmt.Errorf("%s:%d: token %q; expected %q like %s:%d (sentence %d)",
					view.name(), v.Line+t, v.Columns[vx][t], p.Columns[px][t], plain.name(), p.Line+t, i+1)
			}
			if v.Columns[vt][t] != p.Columns[pt][t] {
				return fmt.Errorf("%s:%d: tag %q; expected %q like %s:%d (sentence %d)",
					view.name(), v.Line+t, v.Columns[vt][t], p.Columns[pt][t], plain.name(), p.Line+t, i+1)
			}
		}
	}
	if len(view.Sentences) > len(plain.Sentences) {
		extra := &view.Sentences[len(plain.Sentences)]
		return fmt.Errorf("%s:%d: %s has %d sentences but %s has only %d; expected one context view per sentence",
			view.name(), extra.Line, view.name(), len(view.Sentences), plain.name(), len(plain.Sentences))
	}
	return nil
}

// HasContext reports whether any sentence of c carries context: tokens
// after an <EOS> that SplitView recognises, or tokens tagged X within the
// sentence. Such a corpus is a context view, and its scores are the
// context view's.
func (c *Corpus) HasContext() bool {
	textCol := c.Column(TextColumn)
	tagCol, err := c.TagColumn()
	if textCol < 0 || err != nil {
		return false
	}
	for i := range c.Sentences {
		text, tags := c.Sentences[i].Columns[textCol], c.Sentences[i].Columns[tagCol]
		if len(text) != len(tags) {
			continue
		}
		v := SplitView(text, tags)
		if v.HasContext() {
			return true
		}
		for _, tag := range tags[:v.Len] {
			if IsContextTag(tag) {
				return true
			}
		}
	}
	return false
}
