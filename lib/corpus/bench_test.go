package corpus_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/nerlab/nerlab/lib/corpus"
)

// conll03Train returns the bytes of conll03/train.txt and its number of
// tokens (203,621), read once, outside any timer.
func conll03Train(b *testing.B) ([]byte, int) {
	b.Helper()
	data, err := os.ReadFile(dataset(b, "conll03/train.txt"))
	if err != nil {
		b.Fatal(err)
	}
	c, err := corpus.Parse(data, "train.txt", corpus.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return data, c.Tokens()
}

func reportTokens(b *testing.B, tokens int) {
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkReadConvertBIOES: Parse conll03 train and convert its tags to
// BIOES (with repair), the work of `nerlab convert --to bioes`.
// Target: at least 2 M tokens/s.
func BenchmarkReadConvertBIOES(b *testing.B) {
	data, tokens := conll03Train(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := corpus.Parse(data, "train.txt", corpus.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.ConvertTags(corpus.BIOES, true); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, tokens)
}

func BenchmarkParse(b *testing.B) {
	data, tokens := conll03Train(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := corpus.Parse(data, "train.txt", corpus.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, tokens)
}

func BenchmarkWrite(b *testing.B) {
	data, tokens := conll03Train(b)
	c, err := corpus.Parse(data, "train.txt", corpus.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := corpus.Write(&buf, c); err != nil || !bytes.Equal(buf.Bytes(), data) {
		b.Fatalf("Write does not reproduce conll03 train: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := corpus.Write(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, tokens)
}
