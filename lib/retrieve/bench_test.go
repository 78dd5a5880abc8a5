package retrieve

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/wiki"
)

// BenchmarkReadAndSplit reads a shared WikiExtractor shard and splits it
// into passages; it reports the articles and passages of the shard (per second:
// divide by the time per op).
func BenchmarkReadAndSplit(b *testing.B) {
	path := shareddata.Path(b, "datasets", "knowledge", "enwiki2021_new2018", "part-00.txt")
	for i := 0; i < b.N; i++ {
		r, err := wiki.Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		articles, passages := 0, 0
		for {
			a, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			articles++
			passages += len(Passages(a, PassageOptions{}))
		}
		r.Close()
		b.ReportMetric(float64(articles), "articles/op")
		b.ReportMetric(float64(passages), "passages/op")
	}
}

// BenchmarkIndexBuild indexes a shared WikiExtractor shard (36,183
// articles) and reports passages per second.
func BenchmarkIndexBuild(b *testing.B) {
	path := shareddata.Path(b, "datasets", "knowledge", "enwiki2021_new2018", "part-00.txt")
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "idx")
		start := time.Now()
		n, err := Build(context.Background(), dir, BuildOptions{Corpora: []string{path}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "passages/s")
	}
}

// BenchmarkQuery retrieves context for WNUT-17 dev sentences, one at a
// time, and reports queries/s and the p50/p99 latency. It uses the index
// in $NERLAB_BENCH_INDEX when set (e.g. all the shared knowledge, built
// with `nerlab index build`), else builds one from a single shard first.
func BenchmarkQuery(b *testing.B) {
	dir := os.Getenv("NERLAB_BENCH_INDEX")
	if dir == "" {
		shard := shareddata.Path(b, "datasets", "knowledge", "enwiki2021_new2018", "part-00.txt")
		dir = filepath.Join(b.TempDir(), "idx")
		if _, err := Build(context.Background(), dir, BuildOptions{Corpora: []string{shard}}); err != nil {
			b.Fatal(err)
		}
	}
	idx, err := OpenBleve(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	dev, err := corpus.ReadFile(shareddata.Path(b, "datasets", "wnut17", "dev.txt"), corpus.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := dev.Sentences[i%len(dev.Sentences)]
		start := time.Now()
		if _, err := Retrieve(idx, s.Columns[0], RetrieveOptions{}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
