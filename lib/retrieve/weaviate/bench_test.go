package weaviate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/weaviatelocal"
)

// BenchmarkBackends indexes one corpus into bleve, a single Weaviate node
// and a three-node cluster (3 shards × 2 replicas, consistency QUORUM),
// then retrieves the context of every WNUT-17 dev sentence from each, after
// an untimed pass over the first 200, with $NERLAB_BENCH_WORKERS concurrent
// retrievals (default 4). It reports index and retrieval throughput; for
// Weaviate also the seconds the term statistics took after the passages
// were in (stats-s) and overlap@6 with bleve's kept passages. The corpus is
// the shared enwiki2021_new2018 shard, or the files in
// $NERLAB_BENCH_CORPORA (comma-separated). Run it once:
//
//	go test ./lib/retrieve -run '^$' -bench Backends -benchtime 1x -timeout 60m
func BenchmarkBackends(b *testing.B) {
	corpora := strings.Split(os.Getenv("NERLAB_BENCH_CORPORA"), ",")
	if corpora[0] == "" {
		corpora = []string{shareddata.Path(b, "datasets", "knowledge", "enwiki2021_new2018", "part-00.txt")}
	}
	dev, err := corpus.ReadFile(shareddata.Path(b, "datasets", "wnut17", "dev.txt"), corpus.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var queries [][]string
	for _, s := range dev.Sentences {
		queries = append(queries, s.Columns[0])
	}
	workers := 4
	if n := os.Getenv("NERLAB_BENCH_WORKERS"); n != "" {
		if _, err := fmt.Sscan(n, &workers); err != nil {
			b.Fatal(err)
		}
	}
	server, serverErr := weaviatelocal.ServerPath()
	var bleveRanked [][]retrieve.Ranked
	for _, backend := range []struct {
		name  string
		nodes int
	}{{"bleve", 0}, {"weaviate-1node", 1}, {"weaviate-3nodes", 3}} {
		b.Run(backend.name, func(b *testing.B) {
			var spec retrieve.Backend
			if backend.nodes > 0 {
				if serverErr != nil {
					shareddata.Missing(b, "%v", serverErr)
				}
				c, err := weaviatelocal.Start(context.Background(), weaviatelocal.Config{Server: server, Dir: b.TempDir(), Nodes: backend.nodes})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Stop()
				opt := &Options{URLs: c.URLs()}
				if backend.nodes == 3 {
					opt.Shards, opt.Replicas = 3, 2
				}
				spec = Backend(*opt)
			}
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(b.TempDir(), "idx")
				start := time.Now()
				var counting time.Time // when the term statistics began
				n, err := retrieve.Build(context.Background(), dir, retrieve.BuildOptions{Corpora: corpora, Backend: spec, Fresh: true,
					Progress: func(p retrieve.BuildProgress) {
						if p.Stage == retrieve.StageStatistics && counting.IsZero() {
							counting = time.Now()
						}
					}})
				if err != nil {
					b.Fatal(err)
				}
				if counting.IsZero() { // bleve: no statistics step
					b.ReportMetric(float64(n)/time.Since(start).Seconds(), "passages/s")
				} else {
					b.ReportMetric(float64(n)/counting.Sub(start).Seconds(), "passages/s")
					b.ReportMetric(time.Since(counting).Seconds(), "stats-s")
				}
				idx, err := retrieve.OpenIndex(context.Background(), dir, retrieve.OpenOptions{})
				if err != nil {
					b.Fatal(err)
				}
				// A first pass over some of the queries warms the caches (and
				// lets a server finish what it does right after a bulk load).
				retrieveConcurrently(b, idx, queries[:min(200, len(queries))], workers)
				start = time.Now()
				ranked := retrieveConcurrently(b, idx, queries, workers)
				b.ReportMetric(float64(len(queries))/time.Since(start).Seconds(), "queries/s")
				idx.Close()
				if backend.nodes == 0 {
					bleveRanked = ranked
				} else if bleveRanked != nil {
					b.ReportMetric(overlapAt(bleveRanked, ranked, 6), "overlap@6")
				}
			}
		})
	}
}

// retrieveConcurrently retrieves every query's kept passages with workers
// goroutines.
func retrieveConcurrently(b *testing.B, idx retrieve.Index, queries [][]string, workers int) [][]retrieve.Ranked {
	out := make([][]retrieve.Ranked, len(queries))
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := retrieve.Retrieve(idx, queries[i], retrieve.RetrieveOptions{Keep: 6})
				if err != nil {
					once.Do(func() { firstErr = err })
				}
				out[i] = r
			}
		}()
	}
	for i := range queries {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return out
}
