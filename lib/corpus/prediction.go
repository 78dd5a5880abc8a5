package corpus

// Prediction is a model's output for one sentence, whatever the model: a
// sequence tagger decodes tags and reads its entities off them; a span
// extractor finds entities and writes their tags. Metrics, the run
// folder's prediction files, analysis and rendering read only this.
type Prediction struct {
	Tokens []string `json:"tokens"` // the scored tokens (a context view's context is not among them)
	// Tags are one per token in the model's tag scheme; evaluation scores
	// them with conlleval's rules.
	Tags     []string  `json:"tags"`
	Probs    []float64 `json:"probs"` // per-token probability of the predicted tag
	Entities []Entity  `json:"entities"`
}

// Entity is a predicted span over the scored tokens of a sentence.
type Entity struct {
	Start      int     `json:"start"` // first token (index among the scored tokens)
	End        int     `json:"end"`   // one past the last token
	Type       string  `json:"type"`
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"` // the model's probability of exactly this span (a CRF's span marginal, or a softmax tagger's mean token probability)
}

// Span is the entity's position and type.
func (e Entity) Span() Span { return Span{Start: e.Start, End: e.End, Type: e.Type} }
