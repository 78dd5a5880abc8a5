package lab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/hint"
	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/retrieve/bertscore"
	"github.com/nerlab/nerlab/lib/retrieve/weaviate"
	"github.com/nerlab/nerlab/lib/wiki"
	"github.com/nerlab/nerlab/lib/wordvec"
)

func retrieveCommands() []*Command {
	return []*Command{indexCommand(), searchCommand(), retrieveCommand(), contextCommand(), worldCommand(), weaviateCommand()}
}

var indexFlag = Param{Name: "index", Short: "i", Kind: Path, Help: "index folder (written by index build)"}

func indexCommand() *Command {
	return &Command{
		Name:    "index",
		Summary: "Build a passage index of knowledge corpora for retrieval, or describe one.",
		Help: `index build --corpus FILE [--corpus FILE…] --out IDX splits the corpora's articles
into passages (a window of sentences with the article's title) and indexes them
with BM25 in the folder IDX. Corpora are WikiExtractor output (<doc> files, as in
../shared/datasets/knowledge), JSONL {"title", "text"}, plain text (a passage per
line) or Wikipedia XML dumps; .bz2 and .gz are read directly. The build records
its progress: if it is interrupted, running the same command again continues it.
index info IDX prints where an index's passages are and how many it holds.

With --backend weaviate the passages go to a Weaviate cluster (--url for each
node; weaviate start runs one here) in --class, created with --shards and
--replicas when it does not exist; IDX then holds only the build's record, and
search and retrieve --index IDX find the cluster through it. Passage ids make
re-indexing idempotent. --embed-vectors FILE gives every passage the mean of its
words' vectors, and searches become hybrid (BM25 and vector similarity).`,
		Args: []Param{
			{Name: "ACTION", Kind: Choice, Choices: []string{"build", "info"}, Help: "build or info"},
			{Name: "IDX", Kind: Path, Optional: true, Help: "index folder (info)"},
		},
		Flags: []Param{
			{Name: "corpus", Kind: Path, Repeat: true, Help: "corpus file (repeatable)"},
			{Name: "out", Short: "o", Kind: Path, Help: "index folder to build"},
			{Name: "format", Kind: Choice, Choices: append([]string{wiki.FormatAuto}, wiki.Formats...), Default: wiki.FormatAuto, Help: "corpus format"},
			{Name: "sentences", Kind: Int, Min: atLeast(1), Default: "3", Help: "sentences per passage"},
			{Name: "stride", Kind: Int, Min: atLeast(0), Default: "0", Help: "sentences between passage starts (0: the passage length, no overlap)"},
			{Name: "fresh", Kind: Bool, Help: "rebuild from scratch instead of continuing"},
			backendFlag, urlFlag, classFlag,
			{Name: "shards", Kind: Int, Min: atLeast(0), Default: "0", Help: "Weaviate shards of a new class (0: one per --url)"},
			{Name: "replicas", Kind: Int, Min: atLeast(1), Default: "1", Help: "Weaviate replication factor of a new class"},
			consistencyFlag, timeoutFlag, retriesFlag,
			{Name: "embed-vectors", Kind: Path, Help: "word vectors (.vec, .vec.gz) that give passages vectors for hybrid search (weaviate)"},
		},
		Examples: []string{
			"index build --corpus ../shared/datasets/knowledge/enwiki2015_early/part-00.txt --corpus ../shared/datasets/knowledge/enwiki2021_new2018/part-00.txt --out runs/wiki-index",
			"index build --backend weaviate --url http://127.0.0.1:8080 --corpus ../shared/datasets/knowledge/enwiki2021_new2018/part-00.txt --out runs/wiki-weaviate",
			"index info runs/wiki-index",
		},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			if in.Arg("ACTION") == "info" {
				return indexInfo(ctx, env, in)
			}
			return indexBuild(ctx, env, in)
		},
	}
}

// indexInfo prints where an index's passages are, how many it holds,
// whether its build is unfinished and, for an index that keeps statistics
// of its own, whether they are up to date.
func indexInfo(ctx context.Context, env *Env, in *Input) error {
	dir := in.Arg("IDX")
	if dir == "" {
		dir = in.Flag("out")
	}
	if dir == "" {
		return &UsageError{Command: "index", Msg: "index info needs the index folder"}
	}
	idx, err := retrieve.OpenIndex(ctx, dir, retrieve.OpenOptions{URLs: in.Flags("url")})
	if err != nil {
		return err
	}
	defer idx.Close()
	n, err := idx.Count()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %d passages (%s)\n", dir, n, retrieve.Describe(idx))
	if msg, err := retrieve.Unfinished(dir); err != nil {
		return err
	} else if msg != "" {
		fmt.Fprintln(env.Stdout, "unfinished:", strings.TrimPrefix(msg, "index "+dir+" is unfinished: "))
	}
	if sk, ok := idx.(retrieve.StatsKeeper); ok {
		docs, where, err := sk.Stats(ctx)
		switch {
		case err != nil:
			return err
		case docs == 0:
			fmt.Fprintf(env.Stdout, "no term statistics: ranked by Weaviate's BM25, not as bleve ranks (%s again writes them)\n", env.Frontend.Command("index build"))
		case docs != n:
			fmt.Fprintf(env.Stdout, "term statistics of %d passages, not %d: stale (%s again updates them)\n", docs, n, env.Frontend.Command("index build"))
		default:
			fmt.Fprintf(env.Stdout, "term statistics in class %s\n", where)
		}
	}
	return nil
}

// indexBuild indexes the --corpus files into --out, in the --backend.
func indexBuild(ctx context.Context, env *Env, in *Input) error {
	corpora, out := in.Flags("corpus"), in.Flag("out")
	if len(corpora) == 0 || out == "" {
		return &UsageError{Command: "index", Msg: "index build needs --corpus FILE (one or more) and --out IDX"}
	}
	if err := checkOutput("--out", out, corpora...); err != nil {
		return err
	}
	format := in.Flag("format")
	backend := retrieve.Backend{Kind: in.Flag("backend")}
	if backend.Kind == weaviate.Kind {
		wo := weaviateOptions(in, env)
		wo.Shards, wo.Replicas, wo.Vectors = in.Int("shards"), in.Int("replicas"), in.Flag("embed-vectors")
		backend = weaviate.Backend(wo)
	} else if len(in.Flags("url")) > 0 || in.Flag("embed-vectors") != "" {
		return &UsageError{Command: "index", Msg: "--url and --embed-vectors are for --backend weaviate"}
	}
	live := IsTerminal(env.Stderr)
	started, lastFile := time.Now(), ""
	opt := retrieve.BuildOptions{Corpora: corpora, Format: format, Fresh: in.Bool("fresh"), Backend: backend,
		Passages: retrieve.PassageOptions{Sentences: in.Int("sentences"), Stride: in.Int("stride")},
		Progress: func(p retrieve.BuildProgress) {
			if p.Stage == retrieve.StageStatistics {
				if live {
					fmt.Fprintf(env.Stderr, "\r\x1b[Kcounting terms: %d of %d passages", p.Passages, p.Total)
				} else if lastFile != p.Stage {
					fmt.Fprintf(env.Stderr, "counting the terms of %d passages\n", p.Total)
				}
				lastFile = p.Stage
				return
			}
			if live {
				fmt.Fprintf(env.Stderr, "\r\x1b[Kindexing %s: %d articles, %d passages (%d in the index, %.0f/s)",
					filepath.Base(p.File), p.Articles, p.Passages, p.Total, float64(p.Total)/time.Since(started).Seconds())
			} else if p.File != lastFile {
				fmt.Fprintf(env.Stderr, "indexing %s\n", p.File)
			}
			lastFile = p.File
		}}
	n, err := retrieve.Build(ctx, out, opt)
	if live {
		fmt.Fprint(env.Stderr, "\r\x1b[K")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %d passages (%.1fs)\n", out, n, time.Since(started).Seconds())
	return nil
}

var rerankFlag = Param{Name: "rerank", Kind: Choice, Choices: retrieve.Rerankers, Default: "bm25", Help: "how candidates are re-ranked"}
var perArticleFlag = Param{Name: "per-article", Kind: Int, Min: atLeast(0), Default: "0", Help: "passages of one article kept at most (0: no limit)"}
var vectorsFlag = Param{Name: "vectors", Kind: Path, Help: "word vectors for --rerank bertscore (.vec or .vec.gz)"}
var encoderFlag = Param{Name: "encoder", Kind: Path, Help: "a transformer model folder for --rerank bertscore: its last layer's states instead of word vectors"}

// openRetrieval reads the shared retrieval flags and opens the index
// (openIndexFlags); the caller closes it.
func openRetrieval(ctx context.Context, env *Env, in *Input) (retrieve.RetrieveOptions, retrieve.Index, error) {
	var opt retrieve.RetrieveOptions
	var scorer retrieve.Scorer
	if dir := in.Flag("encoder"); dir != "" {
		// BERTScore with the encoder's contextual states (the caller closes it).
		if in.Flag("rerank") != "bertscore" || in.Flag("vectors") != "" {
			return opt, nil, &UsageError{Command: in.cmd.Name, Msg: "--encoder is for --rerank bertscore, instead of --vectors"}
		}
		s, err := bertscore.Load(dir, bertscore.Options{Layer: -1})
		if err != nil {
			return opt, nil, err
		}
		scorer = s
	} else {
		var vecs *wordvec.Vectors
		if path := in.Flag("vectors"); path != "" {
			v, err := wordvec.ReadVectors(path, 0)
			if err != nil {
				return opt, nil, err
			}
			vecs = v
		}
		var err error
		if scorer, err = retrieve.NewScorer(in.Flag("rerank"), vecs); err != nil {
			return opt, nil, &UsageError{Command: in.cmd.Name, Msg: err.Error()}
		}
	}
	idx, err := openIndexFlags(ctx, env, in)
	if err != nil {
		closeScorer(scorer)
		return opt, nil, err
	}
	return retrieve.RetrieveOptions{K: in.Int("k"), Keep: in.Int("keep"), Rerank: scorer, PerArticle: in.Int("per-article")}, idx, nil
}

// closeScorer frees a re-ranker's resources (an encoder's weights).
func closeScorer(s retrieve.Scorer) {
	if c, ok := s.(interface{ Close() }); ok {
		c.Close()
	}
}

func searchCommand() *Command {
	return &Command{
		Name:    "search",
		Summary: "Retrieve the passages an index holds for a sentence, as retrieve would for context.",
		Help: `Runs the retrieval that builds context views on one sentence: the sentence (split
at punctuation when long) is the query, candidates are de-duplicated, those that
contain the sentence are dropped, and the rest re-ranked; the best --keep are
shown with their scores. In a notebook they render as HTML with the query's
words highlighted.`,
		Args: []Param{{Name: "QUERY", Rest: true, Help: "the sentence"}},
		Flags: append([]Param{indexFlag, {Name: "k", Kind: Int, Min: atLeast(1), Default: "20", Help: "candidates per query"},
			{Name: "keep", Kind: Int, Min: atLeast(1), Default: "6", Help: "passages to show"}, perArticleFlag, rerankFlag, vectorsFlag, encoderFlag,
			{Name: "json", Kind: Bool, Help: "print JSON"}}, weaviateReach...),
		Examples: []string{"search --index runs/wiki-index Angela Merkel visited Paris", "search -i runs/wiki-index --rerank overlap -k 50 the new album by Drake"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			opt, idx, err := openRetrieval(ctx, env, in)
			if err != nil {
				return err
			}
			defer idx.Close()
			defer closeScorer(opt.Rerank)
			tokens := corpus.Tokenize(in.Arg("QUERY"))
			ranked, err := retrieve.Retrieve(idx, tokens, opt)
			if err != nil {
				return err
			}
			if in.Bool("json") {
				if ranked == nil {
					ranked = []retrieve.Ranked{}
				}
				return writeJSON(env.Stdout, ranked)
			}
			if env.Display != nil {
				var text strings.Builder
				writeHits(&text, ranked)
				return env.Display(map[string]any{"text/html": render.HitsHTML(tokens, ranked), "text/plain": text.String()})
			}
			writeHits(env.Stdout, ranked)
			return nil
		},
	}
}

func writeHits(w io.Writer, ranked []retrieve.Ranked) {
	if len(ranked) == 0 {
		fmt.Fprintln(w, "no passages")
	}
	for i, r := range ranked {
		text := r.Text
		if rs := []rune(text); len(rs) > 240 {
			text = string(rs[:239]) + "…"
		}
		fmt.Fprintf(w, "%d. %s  (%s; search %.2f, rerank %.3f)\n   %s\n", i+1, r.Title, r.ID, r.Score, r.Rerank, text)
	}
}

func contextCommand() *Command {
	return &Command{
		Name:    "context",
		Summary: "Show a sentence of a context view with the passages retrieved for it.",
		Help: `Reads a file written by retrieve and its .provenance.jsonl, and shows sentence N
(0-based; default 0) with its gold entities marked, then each passage that went
into its context: title, passage id, search and rerank scores, and the tokens the
context took from it, with the sentence's words highlighted. --find TEXT shows the
first sentence from N on whose own words contain TEXT. In a notebook it renders
as HTML.

--summary describes the whole file instead: passages and context tokens per
sentence, and how many gold entities their context repeats word for word or
has as the title of a passage (a quick check of retrieval before training).`,
		Args: []Param{{Name: "FILE", Kind: Path, Help: "a context-view file (retrieve --out DIR wrote DIR/<split>)"},
			{Name: "N", Kind: Int, Min: atLeast(0), Optional: true, Help: "sentence index, from 0"}},
		Flags: []Param{{Name: "find", Short: "f", Help: "show the first sentence (from N on) that contains these words"},
			{Name: "summary", Kind: Bool, Help: "describe the whole file: passages, context tokens, entities the context mentions"},
			{Name: "json", Kind: Bool, Help: "print the summary as JSON"},
			columnsFlag},
		Examples: []string{"context runs/wnut17-context/dev.txt 12", "context runs/world-context/test.conll --find Razaerholm",
			"context --summary runs/wnut17-context/test.txt"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			n := 0
			if a := in.Arg("N"); a != "" {
				v, err := strconv.Atoi(a)
				if err != nil || v < 0 {
					return &UsageError{Command: "context", Msg: fmt.Sprintf("N must be a sentence index (0, 1, …), not %q", a)}
				}
				n = v
			}
			var columns corpus.ColumnMap
			if spec := in.Flag("columns"); spec != "" {
				m, err := corpus.ParseColumns(spec)
				if err != nil {
					return &UsageError{Command: "context", Msg: "--columns: " + err.Error()}
				}
				columns = m
			}
			vf, err := retrieve.OpenViewFile(in.Arg("FILE"), columns)
			if err != nil {
				return err
			}
			if in.Bool("summary") || in.Bool("json") {
				sum, err := vf.Summarize()
				if err != nil {
					return err
				}
				if in.Bool("json") {
					return writeJSON(env.Stdout, sum)
				}
				pct := func(k int) float64 { return 100 * float64(k) / float64(max(sum.Entities, 1)) }
				fmt.Fprintf(env.Stdout, "%s: %d sentences, %d with passages (%.2f passages and %.1f context tokens per sentence)\n",
					in.Arg("FILE"), sum.Sentences, sum.WithPassages, sum.MeanPassages, sum.MeanTokens)
				fmt.Fprintf(env.Stdout, "gold entities: %d; repeated in their context: %d (%.1f%%); title of a passage given: %d (%.1f%%)\n",
					sum.Entities, sum.InContext, pct(sum.InContext), sum.TitledContext, pct(sum.TitledContext))
				return nil
			}
			if q := in.Flag("find"); q != "" {
				if n = vf.Find(q, n); n < 0 {
					return fmt.Errorf("no sentence of %s from %s on contains %q", in.Arg("FILE"), cmp.Or(in.Arg("N"), "0"), q)
				}
			}
			cv, err := vf.View(n)
			if err != nil {
				return err
			}
			if env.Display != nil {
				return env.Display(map[string]any{"text/html": render.ContextHTML(cv), "text/plain": render.ContextText(cv, false)})
			}
			fmt.Fprintln(env.Stdout, render.ContextText(cv, IsTerminal(env.Stdout)))
			return nil
		},
	}
}

func retrieveCommand() *Command {
	return &Command{
		Name:    "retrieve",
		Summary: "Write CLNER context views of a data folder: each sentence, <EOS>, retrieved context tagged X.",
		Help: `For each CoNLL file of --data (a folder, or the current dataset), retrieves
passages for every sentence from --index and writes OUT/<file>: the sentence's
lines as they were, then <EOS> and the kept passages' tokens (up to --budget)
tagged X, so the files line up sentence for sentence with the input and train a
context-view model (data.context in an experiment). OUT/<file>.provenance.jsonl
records each sentence's passages. Retrieval runs on all cores; Ctrl-C stops it,
and running the command again continues after the last finished sentence (of
the same input: views of other sentences are refused; --fresh starts over).
--index may be a bleve or a Weaviate index folder; --backend weaviate --url URL
--class C reads a Weaviate class without one. If Weaviate replicas go down, reads
fall back to consistency ONE and say so.`,
		Flags: append([]Param{indexFlag,
			{Name: "data", Short: "d", Kind: Path, Help: "data folder (default: the current dataset)"},
			{Name: "out", Short: "o", Kind: Path, Help: "output folder"},
			{Name: "k", Kind: Int, Min: atLeast(1), Default: "20", Help: "candidates per query"},
			{Name: "keep", Kind: Int, Min: atLeast(1), Default: "6", Help: "passages kept per sentence"},
			{Name: "budget", Kind: Int, Min: atLeast(1), Default: "200", Help: "context tokens per sentence at most"},
			perArticleFlag, rerankFlag, vectorsFlag, encoderFlag, columnsFlag,
			{Name: "workers", Kind: Int, Min: atLeast(0), Default: "0", Help: "parallel retrievals (0: one per CPU)"},
			{Name: "fresh", Kind: Bool, Help: "write the views from scratch instead of continuing those in --out"}}, weaviateReach...),
		Examples: []string{"retrieve --index runs/wiki-index --data ../shared/datasets/wnut17 --out runs/wnut17-context",
			"retrieve -i runs/world/index -d runs/world -o runs/world-context --keep 2 --budget 32 --fresh",
			"retrieve --backend weaviate --url http://127.0.0.1:8080 --class Passage --data ../shared/datasets/wnut17 --out runs/wnut17-context-wv"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			if in.Flag("out") == "" {
				return &UsageError{Command: "retrieve", Msg: "missing --out DIR"}
			}
			var files []string
			var columns corpus.ColumnMap
			if dir := in.Flag("data"); dir != "" {
				var err error
				if files, err = dataFiles(dir); err != nil {
					return err
				}
			} else if d := env.Session.Dataset(""); d != nil {
				for _, sp := range d.Splits {
					files = append(files, sp.Path)
				}
				columns = d.Splits[0].Corpus.Columns
			} else {
				return &UsageError{Command: "retrieve", Msg: "missing --data DIR (or " + hint.Command("load NAME DATA_DIR") + " first)"}
			}
			if spec := in.Flag("columns"); spec != "" {
				m, err := corpus.ParseColumns(spec)
				if err != nil {
					return &UsageError{Command: "retrieve", Msg: "--columns: " + err.Error()}
				}
				columns = m
			}
			if err := checkOutput("--out", in.Flag("out"), append([]string{in.Flag("data"), in.Flag("index")}, files...)...); err != nil {
				return err
			}
			opt, idx, err := openRetrieval(ctx, env, in)
			if err != nil {
				return err
			}
			defer idx.Close()
			defer closeScorer(opt.Rerank)
			fmt.Fprintf(env.Stderr, "retrieving from %s\n", retrieve.Describe(idx))
			if err := os.MkdirAll(in.Flag("out"), 0o755); err != nil {
				return err
			}
			live := IsTerminal(env.Stderr)
			for _, f := range files {
				dst := filepath.Join(in.Flag("out"), filepath.Base(f))
				started := time.Now()
				n, err := retrieve.WriteViews(ctx, idx, f, dst, retrieve.ViewOptions{
					Retrieve: opt, Budget: in.Int("budget"), Workers: in.Int("workers"), Columns: columns, Fresh: in.Bool("fresh"),
					Progress: func(done, total int) {
						if live && (done%20 == 0 || done == total) {
							fmt.Fprintf(env.Stderr, "\r\x1b[Kretrieving for %s: %d/%d sentences", filepath.Base(f), done, total)
						}
					}})
				if live {
					fmt.Fprint(env.Stderr, "\r\x1b[K")
				}
				if err != nil {
					if errors.Is(err, retrieve.ErrViewsInterrupted) {
						return fmt.Errorf("%w (%s is resumable)", err, dst)
					}
					return err
				}
				fmt.Fprintf(env.Stdout, "%s → %s  (%d sentences, %.1fs)\n", f, dst, n, time.Since(started).Seconds())
			}
			return nil
		},
	}
}
