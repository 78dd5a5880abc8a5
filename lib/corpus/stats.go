package corpus

// Stats describes a corpus the way `nerlab stats` prints it.
type Stats struct {
	Sentences int            `json:"sentences"`
	Tokens    int            `json:"tokens"`
	Documents int            `json:"documents"` // -DOCSTART- markers (0 when the file has none)
	Tags      map[string]int `json:"tags"`      // tag -> tokens, over sentence tokens
	Entities  map[string]int `json:"entities"`  // type -> spans, read as conlleval reads them
	Scheme    string         `json:"scheme"`    // detected tag scheme
	// Context views (CLNER): sentences that carry <EOS> + context, and
	// their context tokens (counted apart from Tokens).
	ContextSentences int `json:"context_sentences,omitempty"`
	ContextTokens    int `json:"context_tokens,omitempty"`
	MaxLength        int `json:"max_length"` // longest sentence, in tokens
}

// Stats counts sentences, tokens, documents, tags and entity spans. Spans
// are counted as conlleval reads them (B-/S- start one; I-/E- after O or
// another type start one too), so IOB1 files and ill-formed sequences count
// as the CoNLL scripts count them. Context tokens of CLNER views are
// counted apart and never as entities.
func (c *Corpus) Stats() Stats {
	st := Stats{Sentences: len(c.Sentences), Documents: len(c.Docs), Tags: map[string]int{}, Entities: map[string]int{}}
	tagCol := c.Column(NERColumn)
	textCol := c.Column(TextColumn)
	var ev SchemeEvidence
	var spans []Span
	for i := range c.Sentences {
		s := &c.Sentences[i]
		n := s.Len()
		if tagCol >= 0 && textCol >= 0 {
			if v := SplitView(s.Columns[textCol], s.Columns[tagCol]); v.HasContext() {
				st.ContextSentences++
				st.ContextTokens += n - v.Len
				n = v.Len
			}
		}
		st.Tokens += n
		if n > st.MaxLength {
			st.MaxLength = n
		}
		if tagCol < 0 {
			continue
		}
		tags := s.Columns[tagCol][:n]
		for _, t := range tags {
			st.Tags[t]++
		}
		ev.Observe(tags)
		spans = AppendSpans(spans[:0], tags)
		for _, sp := range spans {
			if sp.Type != ContextType {
				st.Entities[sp.Type]++
			}
		}
	}
	if tagCol >= 0 {
		st.Scheme = ev.Scheme().String()
	}
	return st
}
