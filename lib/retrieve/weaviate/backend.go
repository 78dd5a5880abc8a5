// Package weaviate is lib/retrieve's Weaviate backend: an index whose
// passages live in a class of a Weaviate cluster rather than in a folder,
// for corpora that outgrow one machine. It searches with Weaviate's BM25
// and re-scores the candidates as the bleve backend scores them (bm25.go,
// from term statistics kept in a companion class), or with hybrid search
// when passages carry word-vector embeddings; it spreads requests over the
// nodes and falls back when replicas are down.
//
// Importing the package registers the "weaviate" backend kind with
// retrieve, so that index folders built into Weaviate open through
// retrieve.OpenIndex.
package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nerlab/nerlab/lib/retrieve"
)

// Kind is the backend's name in retrieve.Backend and in index manifests.
const Kind = "weaviate"

func init() {
	retrieve.RegisterBackend(Kind, func(raw json.RawMessage) (retrieve.RemoteOptions, error) {
		var o Options
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, err
		}
		return o, nil
	})
}

// Backend returns the retrieve.Backend that builds an index into the
// class o names.
func Backend(o Options) retrieve.Backend { return retrieve.Backend{Kind: Kind, Options: o} }

// Place names the class the passages are in.
func (o Options) Place() string { return "Weaviate class " + o.withDefaults().Class }

// Endpoints are the nodes' REST URLs.
func (o Options) Endpoints() []string { return o.URLs }

// Reach returns the options with the endpoints, read consistency and
// Warn callback of oo, where it sets them (Warn always).
func (o Options) Reach(oo retrieve.OpenOptions) retrieve.RemoteOptions {
	o.Warn = oo.Warn
	if len(oo.URLs) > 0 {
		o.URLs = oo.URLs
	}
	if oo.Consistency != "" {
		o.Consistency = oo.Consistency
	}
	return o
}

// Open connects to the class (see the package function Open).
func (o Options) Open(ctx context.Context, create bool) (retrieve.Index, error) {
	w, err := Open(ctx, o, create)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Drop removes the class, its passages and its term statistics.
func (o Options) Drop(ctx context.Context) error {
	w, err := connect(ctx, o)
	if err != nil {
		return err
	}
	defer w.Close()
	return w.DeleteClass(ctx)
}

// Describe says where the passages are and how they are read.
func (w *Index) Describe() string {
	return fmt.Sprintf("Weaviate class %s at %s, consistency %s", w.opt.Class, strings.Join(w.opt.URLs, " "), w.Consistency())
}

// Stats returns the number of passages the class's term statistics
// describe (0: there are none) and the class that holds them.
func (w *Index) Stats(ctx context.Context) (uint64, string, error) {
	docs, err := w.StatsDocs(ctx)
	return docs, w.StatsClass(), err
}

// UpdateStats writes the term statistics anew (WriteStats).
func (w *Index) UpdateStats(ctx context.Context, progress func(read int)) error {
	return w.WriteStats(ctx, progress)
}

// The index works with retrieve's optional interfaces.
var (
	_ retrieve.StatsKeeper   = (*Index)(nil)
	_ retrieve.RemoteOptions = Options{}
)
