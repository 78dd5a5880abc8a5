package retrieve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/corpus"
)

// ViewOptions control writing context views.
type ViewOptions struct {
	Retrieve RetrieveOptions
	Budget   int // context tokens per sentence at most (default 200)
	Workers  int // parallel retrievals (default: the number of CPUs)
	Columns  corpus.ColumnMap
	Progress func(done, total int)
	// Fresh starts over instead of continuing a view file already there.
	Fresh bool
}

// Provenance is one line of a view's .provenance.jsonl: which passages
// made a sentence's context. Offset is where the sentence's block ends in
// the view file, so an interrupted run can cut a half-written block off.
type Provenance struct {
	Sentence int      `json:"sentence"` // 0-based, in file order
	Line     int      `json:"line"`     // 1-based line of its first token in the input
	Context  int      `json:"context_tokens"`
	Passages []Source `json:"passages"`
	Offset   int64    `json:"offset"`
}

// Source is a passage that went into a sentence's context; its first
// Used tokens did (the last passage may be cut by the budget).
type Source struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Score  float64 `json:"score"`
	Rerank float64 `json:"rerank"`
	Used   int     `json:"tokens_used"`
}

// ErrViewsInterrupted is returned (wrapped) when ctx stops WriteViews; a
// rerun continues after the last finished sentence.
var ErrViewsInterrupted = errors.New("retrieval interrupted")

// WriteViews writes the CLNER context view of a CoNLL file: every
// sentence's lines as they are, then <EOS> and the tokens of the passages
// retrieved for it (up to Budget), all tagged X in every column but the
// text, so that the output lines up sentence for sentence with the input.
// outPath+".provenance.jsonl" records the passages of each sentence. A
// rerun resumes after the last sentence both files finished.
func WriteViews(ctx context.Context, idx Index, inPath, outPath string, opt ViewOptions) (done int, err error) {
	if opt.Budget <= 0 {
		opt.Budget = 200
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	if safefile.SameFile(inPath, outPath) {
		return 0, fmt.Errorf("%s: the views would be written over the file they are made from; choose another output", outPath)
	}
	// One read gives the sentences and the raw lines copied around them.
	data, err := os.ReadFile(inPath)
	if err != nil {
		return 0, err
	}
	c, err := corpus.Parse(data, inPath, corpus.ReadOptions{Columns: opt.Columns})
	if err != nil {
		return 0, err
	}
	lines := splitLines(data)
	textCol := c.Column(corpus.TextColumn)
	sep := string(c.Separator)
	if c.Separator == 0 {
		sep = " "
	}
	if opt.Fresh {
		for _, p := range []string{outPath, outPath + ".provenance.jsonl"} {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				return 0, err
			}
		}
	}
	start, err := resumeViews(outPath)
	if err != nil {
		return 0, err
	}
	if start > len(c.Sentences) {
		return 0, fmt.Errorf("%s has %d finished sentences but %s has only %d; the output belongs to other data (remove it, run with --fresh or choose another --out)", outPath, start, inPath, len(c.Sentences))
	}
	if err := checkResumed(outPath, c, textCol, start, opt.Columns); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(outPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	prov, err := os.OpenFile(outPath+".provenance.jsonl", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	defer prov.Close()
	offset, err := out.Seek(0, 2)
	if err != nil {
		return 0, err
	}

	// Retrieve in parallel, write in order.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := retrieveAll(cctx, idx, c, textCol, start, opt.Workers, opt.Retrieve)

	pending := map[int]retrieval{}
	next := start
	// Lines between sentences (blank lines, -DOCSTART-) are copied from
	// the input: prevEnd is the 0-based line after the last sentence written.
	prevEnd := 0
	if start > 0 {
		s := c.Sentences[start-1]
		prevEnd = s.Line - 1 + s.Len()
	}
	for r := range results {
		if r.err != nil {
			return next, r.err
		}
		pending[r.i] = r
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			s := &c.Sentences[next]
			// The lines since the previous sentence (blank lines,
			// -DOCSTART-, metadata), then the sentence's own.
			var b bytes.Buffer
			for _, l := range lines[prevEnd : s.Line-1+s.Len()] {
				b.WriteString(l + "\n")
			}
			prevEnd = s.Line - 1 + s.Len()
			p := Provenance{Sentence: next, Line: s.Line}
			p.Context, p.Passages = writeContext(&b, r.ranked, opt.Budget, len(s.Columns), textCol, sep)
			if _, err := out.Write(b.Bytes()); err != nil {
				return next, err
			}
			offset += int64(b.Len())
			p.Offset = offset
			line, err := json.Marshal(p)
			if err != nil {
				return next, fmt.Errorf("%s: sentence %d's provenance: %w", outPath+".provenance.jsonl", next+1, err)
			}
			if _, err := prov.Write(append(line, '\n')); err != nil {
				return next, err
			}
			next++
			if opt.Progress != nil {
				opt.Progress(next, len(c.Sentences))
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if next < len(c.Sentences) {
		if ctx.Err() != nil {
			return next, fmt.Errorf("%w after %d of %d sentences of %s; run it again to continue", ErrViewsInterrupted, next, len(c.Sentences), inPath)
		}
		return next, fmt.Errorf("retrieval for %s stopped after %d of %d sentences", inPath, next, len(c.Sentences))
	}
	// Trailing lines after the last sentence (blank lines).
	var tail bytes.Buffer
	for _, l := range lines[min(prevEnd, len(lines)):] {
		tail.WriteString(l + "\n")
	}
	if tail.Len() > 0 && start < len(c.Sentences) {
		if _, err := out.Write(tail.Bytes()); err != nil {
			return next, err
		}
	}
	return next, nil
}

// retrieval is the passages retrieved for sentence i, or why there are
// none.
type retrieval struct {
	i      int
	ranked []Ranked
	err    error
}

// retrieveAll retrieves for the sentences of c from start on, workers at
// a time. The results come in any order; the channel closes when every
// sentence is done or ctx is.
func retrieveAll(ctx context.Context, idx Index, c *corpus.Corpus, textCol, start, workers int, opt RetrieveOptions) <-chan retrieval {
	jobs := make(chan int)
	results := make(chan retrieval, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ranked, err := Retrieve(idx, c.Sentences[i].Columns[textCol], opt)
				select {
				case results <- retrieval{i, ranked, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := start; i < len(c.Sentences); i++ {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	return results
}

// writeContext writes a sentence's context lines to b: <EOS>, then the
// passages' tokens in rank order up to budget tokens, each a line of cols
// columns tagged X with the token in textCol (spaces made "_"). It returns
// the number of context tokens and where they came from.
func writeContext(b *bytes.Buffer, ranked []Ranked, budget, cols, textCol int, sep string) (int, []Source) {
	var sources []Source
	ctxTokens := []string{corpus.EOS}
	for _, h := range ranked {
		if len(ctxTokens)-1 >= budget {
			break
		}
		toks := h.tokens()
		toks = toks[:min(len(toks), budget-(len(ctxTokens)-1))]
		ctxTokens = append(ctxTokens, toks...)
		sources = append(sources, Source{ID: h.ID, Title: h.Title, Score: h.Score, Rerank: h.Rerank, Used: len(toks)})
	}
	for _, t := range ctxTokens {
		fields := make([]string, cols)
		for k := range fields {
			fields[k] = corpus.ContextType
		}
		fields[textCol] = strings.ReplaceAll(t, " ", "_")
		b.WriteString(strings.Join(fields, sep) + "\n")
	}
	return len(ctxTokens) - 1, sources
}

// resumeViews returns how many sentences an earlier run finished, and
// cuts both files back to the end of the last finished one.
func resumeViews(outPath string) (int, error) {
	provPath := outPath + ".provenance.jsonl"
	data, err := os.ReadFile(provPath)
	if os.IsNotExist(err) {
		// No ledger: any view file is from elsewhere; start afresh.
		if err := os.Remove(outPath); err != nil && !os.IsNotExist(err) {
			return 0, err
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var last Provenance
	n, good := 0, 0
	for _, l := range bytes.SplitAfter(data, []byte("\n")) {
		if len(l) == 0 || l[len(l)-1] != '\n' {
			break // a half-written line
		}
		var p Provenance
		if err := json.Unmarshal(l, &p); err != nil || p.Sentence != n {
			return 0, fmt.Errorf("%s:%d: not a provenance line of sentence %d; remove the output to start over", provPath, n+1, n)
		}
		last, n, good = p, n+1, good+len(l)
	}
	if err := os.Truncate(provPath, int64(good)); err != nil {
		return 0, err
	}
	end := int64(0)
	if n > 0 {
		end = last.Offset
	}
	if st, err := os.Stat(outPath); err == nil && st.Size() < end {
		return 0, fmt.Errorf("%s is shorter than its provenance says; remove both to start over", outPath)
	}
	if err := os.Truncate(outPath, end); err != nil && !os.IsNotExist(err) {
		return 0, err
	}
	return n, nil
}

// checkResumed makes sure the finished sentences of a view file being
// continued are the first sentences of its input: a view file left by
// other data (a regenerated dataset, say) would otherwise be extended into
// a file that pairs no sentence with its own context.
func checkResumed(outPath string, in *corpus.Corpus, textCol, finished int, columns corpus.ColumnMap) error {
	if finished == 0 {
		return nil
	}
	data, err := os.ReadFile(outPath)
	if err != nil {
		return err
	}
	out, err := corpus.Parse(data, outPath, corpus.ReadOptions{Columns: columns})
	if err != nil {
		return fmt.Errorf("%w; remove it or run with --fresh", err)
	}
	outCol := out.Column(corpus.TextColumn)
	for i := 0; i < finished; i++ {
		var own []string
		if i < len(out.Sentences) {
			s := &out.Sentences[i]
			// WriteViews tags every column of the context X, the last too.
			toks := s.Columns[outCol]
			own = toks[:corpus.SplitView(toks, s.Columns[len(s.Columns)-1]).Len]
		}
		if want := in.Sentences[i].Columns[textCol]; !slices.Equal(own, want) {
			line := 0
			if i < len(out.Sentences) {
				line = out.Sentences[i].Line
			}
			return fmt.Errorf("%s:%d: sentence %d is not %s:%d's; the view file belongs to other data (remove it, run with --fresh or choose another --out)",
				outPath, line, i, in.Path, in.Sentences[i].Line)
		}
	}
	return nil
}

// splitLines splits a file into lines as bufio.ScanLines does, without
// the CRs of CRLF endings.
func splitLines(data []byte) []string {
	lines := strings.Split(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the newline that ends the file
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}
