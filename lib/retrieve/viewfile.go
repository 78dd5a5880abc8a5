package retrieve

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
)

// ContextView is one sentence of a context-view file together with the
// passages its context was cut from.
type ContextView struct {
	Sentence int      // 0-based index in the file
	Line     int      // 1-based line of its first token in the view file
	Tokens   []string // the sentence's own tokens
	Tags     []string // their gold tags (nil when the file has no ner column)
	Passages []ViewPassage
}

// ViewPassage is the part of a retrieved passage that made it into a
// sentence's context.
type ViewPassage struct {
	Source
	Tokens []string
}

// ViewFile is a context-view file written by WriteViews, read back with
// its provenance to inspect what each sentence was given.
type ViewFile struct {
	Path    string
	corpus  *corpus.Corpus
	prov    []Provenance
	views   []corpus.View // where each sentence's context starts
	textCol int
	tagCol  int
}

// OpenViewFile reads a context-view file and its .provenance.jsonl and
// checks that they describe the same sentences and context tokens, so
// that every ContextView splits the context into the right passages.
func OpenViewFile(path string, columns corpus.ColumnMap) (*ViewFile, error) {
	c, err := corpus.ReadFile(path, corpus.ReadOptions{Columns: columns})
	if err != nil {
		return nil, err
	}
	provPath := path + ".provenance.jsonl"
	f, err := os.Open(provPath)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("%s has no %s: not a context view written by retrieve", path, provPath)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v := &ViewFile{Path: path, corpus: c, textCol: c.Column(corpus.TextColumn), tagCol: c.Column(corpus.NERColumn)}
	if v.textCol < 0 {
		return nil, fmt.Errorf("%s: no text column; columns are %s", path, c.Columns)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var p Provenance
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", provPath, n, err)
		}
		if p.Sentence != n-1 {
			return nil, fmt.Errorf("%s:%d: sentence %d where %d was expected", provPath, n, p.Sentence, n-1)
		}
		if n > len(c.Sentences) {
			return nil, fmt.Errorf("%s:%d: more provenance lines than %s has sentences (%d)", provPath, n, path, len(c.Sentences))
		}
		s := &c.Sentences[n-1]
		view := corpus.SplitView(s.Columns[v.textCol], s.Columns[v.lastCol(s)])
		used := 0
		for _, src := range p.Passages {
			if src.Used < 0 {
				return nil, fmt.Errorf("%s:%d: passage %s has %d tokens_used", provPath, n, src.ID, src.Used)
			}
			used += src.Used
		}
		// The context is <EOS> and then the passages' tokens.
		if got := view.Total - view.Len - 1; !view.HasContext() && used > 0 || view.HasContext() && got != used {
			return nil, fmt.Errorf("%s:%d: %d context tokens from its passages, but sentence %d (%s:%d) has %d", provPath, n, used, n-1, path, s.Line, max(got, 0))
		}
		v.prov = append(v.prov, p)
		v.views = append(v.views, view)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", provPath, err)
	}
	if len(v.prov) != len(c.Sentences) {
		return nil, fmt.Errorf("%s has %d sentences but %s describes %d: an unfinished retrieve? (run it again to finish)", path, len(c.Sentences), provPath, len(v.prov))
	}
	return v, nil
}

// lastCol is the column whose X tags mark the context: the ner column, or
// the last one when there is none.
func (v *ViewFile) lastCol(s *corpus.Sentence) int {
	if v.tagCol >= 0 {
		return v.tagCol
	}
	return len(s.Columns) - 1
}

// Len is the number of sentences.
func (v *ViewFile) Len() int { return len(v.prov) }

// View returns sentence i with its passages.
func (v *ViewFile) View(i int) (ContextView, error) {
	if i < 0 || i >= len(v.prov) {
		return ContextView{}, fmt.Errorf("%s has sentences 0 to %d; there is no sentence %d", v.Path, len(v.prov)-1, i)
	}
	s := &v.corpus.Sentences[i]
	text := s.Columns[v.textCol]
	view := v.views[i]
	cv := ContextView{Sentence: i, Line: s.Line, Tokens: text[:view.Len]}
	if v.tagCol >= 0 {
		cv.Tags = s.Columns[v.tagCol][:view.Len]
	}
	rest := []string{}
	if view.HasContext() {
		rest = text[view.Len+1:]
	}
	for _, src := range v.prov[i].Passages {
		cv.Passages = append(cv.Passages, ViewPassage{Source: src, Tokens: rest[:src.Used]})
		rest = rest[src.Used:]
	}
	return cv, nil
}

// Find returns the first sentence at or after from whose own tokens
// contain the words of query in a row (case-insensitively), or -1.
func (v *ViewFile) Find(query string, from int) int {
	words := corpus.Tokenize(strings.ToLower(query))
	if len(words) == 0 {
		return -1
	}
	for i := max(from, 0); i < len(v.prov); i++ {
		sentence := v.corpus.Sentences[i].Columns[v.textCol][:v.views[i].Len]
		lower := make([]string, len(sentence))
		for k, t := range sentence {
			lower[k] = strings.ToLower(t)
		}
		if containsRun(lower, words) {
			return i
		}
	}
	return -1
}

// ViewSummary describes how much a view file's contexts say about its
// sentences' gold entities: a cheap check of retrieval before training.
type ViewSummary struct {
	Sentences     int     `json:"sentences"`
	WithPassages  int     `json:"with_passages"`  // sentences given at least one passage
	MeanPassages  float64 `json:"mean_passages"`  // passages per sentence
	MeanTokens    float64 `json:"mean_tokens"`    // context tokens per sentence
	Entities      int     `json:"entities"`       // gold entities in the sentences
	InContext     int     `json:"in_context"`     // of those, how many the context repeats word for word (any case)
	TitledContext int     `json:"titled_context"` // of those, how many are the title of a passage given (any case)
}

// Summarize counts, over every sentence, the passages and context tokens
// and how many gold entities the context mentions or is titled by.
func (v *ViewFile) Summarize() (ViewSummary, error) {
	var s ViewSummary
	passages, tokens := 0, 0
	for i := 0; i < v.Len(); i++ {
		cv, err := v.View(i)
		if err != nil {
			return s, err
		}
		s.Sentences++
		if len(cv.Passages) > 0 {
			s.WithPassages++
		}
		passages += len(cv.Passages)
		titles := map[string]bool{}
		var context []string
		for _, p := range cv.Passages {
			titles[strings.ToLower(p.Title)] = true
			for _, t := range p.Tokens {
				context = append(context, strings.ToLower(t))
			}
		}
		tokens += len(context)
		if len(cv.Tags) != len(cv.Tokens) {
			continue
		}
		for _, sp := range corpus.Spans(cv.Tags) {
			s.Entities++
			words := make([]string, sp.End-sp.Start)
			for k, t := range cv.Tokens[sp.Start:sp.End] {
				words[k] = strings.ToLower(t)
			}
			if containsRun(context, words) {
				s.InContext++
			}
			if titles[strings.Join(words, " ")] {
				s.TitledContext++
			}
		}
	}
	if s.Sentences > 0 {
		s.MeanPassages = float64(passages) / float64(s.Sentences)
		s.MeanTokens = float64(tokens) / float64(s.Sentences)
	}
	return s, nil
}

// containsRun reports whether words occur in a row in tokens.
func containsRun(tokens, words []string) bool {
	for start := 0; start+len(words) <= len(tokens); start++ {
		match := true
		for k, w := range words {
			if tokens[start+k] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
