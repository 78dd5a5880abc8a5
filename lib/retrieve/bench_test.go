package retrieve

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/shareddata"
)

// BenchmarkReadAndSplit reads a shared WikiExtractor shard and splits it
// into passages; it reports the articles and passages of the shard (per second:
// divide by the time per op).
func BenchmarkReadAndSplit(b *testing.B) {
	path := shareddata.Path(b, "datasets", "knowledge", "enwiki2021_new2018", "part-00.txt")
	for i := 0; i < b.N; i++ {
		r, err := Open(path, "")
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
