package retrieve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/wiki"
)

// BuildOptions say what goes into an index.
type BuildOptions struct {
	Corpora   []string // corpus files
	Format    string   // "" or wiki.FormatAuto detects each file's format
	Passages  PassageOptions
	BatchSize int // passages per index batch and per progress save (default 2000)
	// Fresh removes an existing index first (for a remote one: what it
	// holds there, a Weaviate class);
	// otherwise an unfinished build of the same corpora and options
	// continues where it stopped.
	Fresh bool
	// Backend is where the passages go; the zero value is a bleve index in
	// the folder itself.
	Backend  Backend
	Progress func(BuildProgress) // optional, after every batch
}

// BuildProgress reports a build as it goes.
type BuildProgress struct {
	// Stage is StageIndexing while passages are added, then
	// StageStatistics while an index's own statistics (a StatsKeeper's:
	// a Weaviate class's term statistics) are counted
	// (Passages: read so far).
	Stage              string
	File               string
	Articles, Passages int // done in File
	Total              int // passages in the index
}

// Build stages.
const (
	StageIndexing   = "indexing"
	StageStatistics = "term statistics"
)

// manifest records what an index was built from and how far the build
// got, so that a rerun resumes it.
type manifest struct {
	Format   int            `json:"format"`
	Backend  *Backend       `json:"backend,omitempty"` // nil: bleve (manifests before backends)
	Passages PassageOptions `json:"passages"`
	Corpora  []corpusState  `json:"corpora"`
}

type corpusState struct {
	Path     string `json:"path"`
	Size     int64  `json:"size"`
	Articles int    `json:"articles"` // articles indexed so far
	Passages int    `json:"passages"`
	Finished bool   `json:"finished"`
}

const manifestFile = "nerlab-index.json"

// ErrBuildInterrupted is returned (wrapped) when ctx stops a build; what
// was indexed is kept and a rerun resumes.
var ErrBuildInterrupted = errors.New("index build interrupted")

// Build indexes the corpora into dir as passages, resumably: after every
// batch it records how many articles of which file are in, and a rerun
// with the same corpora and options skips them.
func Build(ctx context.Context, dir string, opt BuildOptions) (total uint64, err error) {
	if len(opt.Corpora) == 0 {
		return 0, errors.New("no corpus to index")
	}
	if err := opt.Passages.Validate(); err != nil {
		return 0, err
	}
	if err := opt.Backend.Validate(); err != nil {
		return 0, err
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	want := manifest{Format: 1, Passages: opt.Passages.withDefaults()}
	if opt.Backend.kind() != bleveKind {
		b := opt.Backend
		want.Backend = &b
	}
	seen := map[string]string{}
	for _, c := range opt.Corpora {
		st, err := os.Stat(c)
		if err != nil {
			return 0, err
		}
		abs, _ := filepath.Abs(c)
		if first, ok := seen[abs]; ok {
			return 0, fmt.Errorf("%s is given twice (also as %s); index each corpus once", c, first)
		}
		seen[abs] = c
		want.Corpora = append(want.Corpora, corpusState{Path: c, Size: st.Size()})
	}
	if opt.Fresh {
		if err := removeIndex(ctx, dir, opt.Backend); err != nil {
			return 0, err
		}
	}
	m, idx, err := openForBuild(ctx, dir, want)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := idx.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	prefixes := corpusPrefixes(m.Corpora)
	for i := range m.Corpora {
		if err := buildCorpus(ctx, dir, idx, m, i, prefixes[i], opt); err != nil {
			return 0, err
		}
	}
	if total, err = idx.Count(); err != nil {
		return 0, err
	}
	if err := updateStats(ctx, idx, total, opt.Progress); err != nil {
		return 0, err
	}
	return total, nil
}

// openForBuild opens a resumable index in dir, or creates one.
func openForBuild(ctx context.Context, dir string, want manifest) (*manifest, Index, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if os.IsNotExist(err) {
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			return nil, nil, fmt.Errorf("%s exists and is not a nerlab index (no %s); choose another --out", dir, manifestFile)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, err
		}
		idx, err := openBackend(ctx, dir, want.Backend, true)
		if err != nil {
			return nil, nil, err
		}
		if err := writeManifest(dir, &want); err != nil {
			idx.Close()
			return nil, nil, err
		}
		return &want, idx, nil
	}
	if err != nil {
		return nil, nil, err
	}
	have, err := parseManifest(dir, data)
	if err != nil {
		return nil, nil, err
	}
	if have.Passages != want.Passages || len(have.Corpora) != len(want.Corpora) {
		return nil, nil, fmt.Errorf("%s was built from other corpora or passage options; rebuild it with --fresh or choose another --out", dir)
	}
	for i, c := range have.Corpora {
		if c.Path != want.Corpora[i].Path || c.Size != want.Corpora[i].Size {
			return nil, nil, fmt.Errorf("%s was built from %s (%d bytes), not %s (%d bytes); rebuild it with --fresh", dir, c.Path, c.Size, want.Corpora[i].Path, want.Corpora[i].Size)
		}
	}
	if err := sameBackend(dir, have.Backend, want.Backend); err != nil {
		return nil, nil, err
	}
	// The cluster may have moved (other ports): the new URLs win.
	have.Backend = want.Backend
	idx, err := openBackend(ctx, dir, have.Backend, false)
	if err != nil {
		return nil, nil, err
	}
	return have, idx, nil
}

func parseManifest(dir string, data []byte) (*manifest, error) {
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v; rebuild the index with --fresh", filepath.Join(dir, manifestFile), err)
	}
	if m.Backend != nil {
		if err := m.Backend.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Join(dir, manifestFile), err)
		}
	}
	return &m, nil
}

// indexEntries are what a build writes into an index folder: --fresh
// removes these and nothing else.
var indexEntries = []string{manifestFile, bleveSub, "." + manifestFile + ".tmp-*"}

// removeIndex empties an index folder nerlab made (one with its manifest)
// of the entries a build writes and, for a remote index, drops what its
// manifest records (a Weaviate class). A folder without the manifest is
// refused when it holds anything, and nothing remote is dropped for it:
// nerlab cannot tell that it made a class nothing records (a class of the
// same name may be someone else's).
func removeIndex(ctx context.Context, dir string, now Backend) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return fmt.Errorf("%s is not a nerlab index (no %s); --fresh only replaces indexes that nerlab made: choose another --out", dir, manifestFile)
	}
	have, err := parseManifest(dir, data)
	if err != nil {
		return err
	}
	var foreign []string
	for _, e := range entries {
		if !slices.ContainsFunc(indexEntries, func(p string) bool { ok, _ := filepath.Match(p, e.Name()); return ok }) {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("%s is a nerlab index but also holds %s, which a build did not write; --fresh does not remove what nerlab did not make: move it away or choose another --out", dir, strings.Join(foreign, ", "))
	}
	if have.Backend.kind() != bleveKind { // parseManifest validated it
		if err := dropRemote(ctx, have.Backend, &now); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// OpenOptions adjust how OpenIndex reaches a remote index (a Weaviate
// cluster); a bleve index takes only Warn.
type OpenOptions struct {
	// Warn is told when the index degrades (a node down, consistency
	// lowered); nil discards the messages.
	Warn func(string)
	// URLs replace the recorded node endpoints (the cluster moved);
	// Consistency, when set, replaces the recorded read consistency.
	URLs        []string
	Consistency string
}

// OpenIndex opens the index of a folder written by Build, in whichever
// backend it was built.
func OpenIndex(ctx context.Context, dir string, oo OpenOptions) (Index, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if os.IsNotExist(err) {
		return OpenBleve(dir) // says how to build one
	}
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(dir, data)
	if err != nil {
		return nil, err
	}
	if msg := m.unfinished(dir); msg != "" && oo.Warn != nil {
		// Searching a partial index silently retrieved from 40% of a corpus.
		oo.Warn(msg)
	}
	if m.Backend.kind() != bleveKind && m.Backend.Options != nil {
		b := *m.Backend
		b.Options = b.Options.Reach(oo)
		m.Backend = &b
	}
	return openBackend(ctx, dir, m.Backend, false)
}

// unfinished says how far an interrupted build of the index in dir got,
// or "" when every corpus is in.
func (m *manifest) unfinished(dir string) string {
	var open []string
	passages := 0
	for _, c := range m.Corpora {
		passages += c.Passages
		if !c.Finished {
			open = append(open, fmt.Sprintf("%s (%d articles in)", c.Path, c.Articles))
		}
	}
	if len(open) == 0 {
		return ""
	}
	return fmt.Sprintf("index %s is unfinished: %d passages so far, %s not indexed to the end; run the same `index build` again to finish it", dir, passages, strings.Join(open, ", "))
}

// Unfinished reports whether the index build in dir stopped before every
// corpus was in, and how far it got; an index without nerlab's manifest
// (or a folder that holds none) is not unfinished.
func Unfinished(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	m, err := parseManifest(dir, data)
	if err != nil {
		return "", err
	}
	return m.unfinished(dir), nil
}

func writeManifest(dir string, m *manifest) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, manifestFile), append(data, '\n'))
}

// buildCorpus indexes one corpus file from where an earlier build stopped.
func buildCorpus(ctx context.Context, dir string, idx Index, m *manifest, i int, prefix string, opt BuildOptions) error {
	st := &m.Corpora[i]
	if st.Finished {
		return nil
	}
	r, err := wiki.Open(st.Path, opt.Format)
	if err != nil {
		return err
	}
	defer r.Close()
	// Skip the articles an earlier build indexed.
	for n := 0; n < st.Articles; n++ {
		if _, err := r.Next(); err != nil {
			return fmt.Errorf("%s: resuming after %d articles: %w", st.Path, st.Articles, err)
		}
	}
	var batch []Passage
	articles := st.Articles
	flush := func() error {
		if len(batch) > 0 {
			if err := idx.Add(batch); err != nil {
				return err
			}
		}
		st.Articles, st.Passages = articles, st.Passages+len(batch)
		batch = batch[:0]
		if err := writeManifest(dir, m); err != nil {
			return err
		}
		if opt.Progress != nil {
			total, _ := idx.Count()
			opt.Progress(BuildProgress{Stage: StageIndexing, File: st.Path, Articles: st.Articles, Passages: st.Passages, Total: int(total)})
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return fmt.Errorf("%w after %d articles of %s; run it again to resume", ErrBuildInterrupted, st.Articles, st.Path)
		}
		a, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for _, p := range Passages(a, m.Passages) {
			p.ID = prefix + p.ID
			p.ArticleID = prefix + p.ArticleID
			batch = append(batch, p)
		}
		articles++
		if len(batch) >= opt.BatchSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	st.Finished = true
	return flush()
}

// corpusPrefixes make passage ids unique across the corpora of an index:
// "folder/file:" (without the file's extensions), readable in provenance
// files. Corpora that would share one (a/wiki_00 and b/a/wiki_00.bz2, or
// wiki.txt and wiki.jsonl) get "folder/file~2:", "~3:", ... in their
// order on the command line, which the manifest keeps, so a resumed
// build gives the ids the first run gave.
func corpusPrefixes(corpora []corpusState) []string {
	out := make([]string, len(corpora))
	taken := map[string]bool{}
	for i, c := range corpora {
		base := filepath.Base(c.Path)
		if j := strings.IndexByte(base, '.'); j > 0 {
			base = base[:j]
		}
		base = filepath.Base(filepath.Dir(c.Path)) + "/" + base
		p := base
		for n := 2; taken[p]; n++ {
			p = fmt.Sprintf("%s~%d", base, n)
		}
		taken[p] = true
		out[i] = p + ":"
	}
	return out
}
