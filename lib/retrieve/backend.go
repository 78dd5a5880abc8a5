package retrieve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Backend says where an index folder's passages are: in the folder (bleve,
// the default) or on a search server the folder points at.
type Backend struct {
	Kind string // "bleve" or a registered remote kind ("weaviate")
	// Options reach a remote backend's index. The manifest records them
	// under the kind's name ({"kind": "weaviate", "weaviate": {…}}), so
	// that search and retrieve --index DIR find the index again.
	Options RemoteOptions
	// raw holds the recorded options of a kind this program does not
	// know, so that Validate can say so.
	raw json.RawMessage
}

// RemoteOptions are the options of a backend that keeps its passages
// outside the index folder, such as a Weaviate cluster (package
// retrieve/weaviate). They are written to the folder's manifest as JSON.
type RemoteOptions interface {
	// Validate reports options no server could accept.
	Validate() error
	// Place names where the passages are ("Weaviate class Passage"): a
	// build continues only into the place it started in.
	Place() string
	// Endpoints are the server addresses the options name.
	Endpoints() []string
	// Reach returns the options with what oo overrides: other endpoints
	// (the server moved), another read consistency, a Warn callback.
	Reach(oo OpenOptions) RemoteOptions
	// Open connects to the index; create makes it when it does not exist,
	// otherwise a missing one is an error.
	Open(ctx context.Context, create bool) (Index, error)
	// Drop removes the index and its passages from the server.
	Drop(ctx context.Context) error
}

// StatsKeeper is an Index that keeps statistics of its own beside the
// passages (a Weaviate class's term statistics, which let it rank as the
// bleve backend does). Build brings them up to date after adding passages;
// index info reports them.
type StatsKeeper interface {
	// Stats returns the number of passages the statistics describe (0:
	// there are none) and where they are kept.
	Stats(ctx context.Context) (docs uint64, where string, err error)
	// UpdateStats counts the statistics again from every passage;
	// progress, when not nil, is told how many passages have been read.
	UpdateStats(ctx context.Context, progress func(read int)) error
}

// ParseOptions reads a remote backend's options as a manifest records
// them.
type ParseOptions func(raw json.RawMessage) (RemoteOptions, error)

var (
	backendsMu sync.RWMutex
	remotes    = map[string]ParseOptions{}
)

// RegisterBackend makes a remote backend kind known to index folders:
// Build records its options, OpenIndex reads them back with parse. A
// backend package registers itself when it is imported (retrieve cannot
// import it: the backend imports retrieve). It panics if kind is taken.
func RegisterBackend(kind string, parse ParseOptions) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if _, taken := remotes[kind]; taken || kind == bleveKind || kind == "" {
		panic(fmt.Sprintf("retrieve: backend %q registered twice", kind))
	}
	remotes[kind] = parse
}

// bleveKind is the built-in backend.
const bleveKind = "bleve"

// Backends returns the backend kinds: bleve, then the registered ones.
func Backends() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	kinds := make([]string, 0, len(remotes))
	for k := range remotes {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return append([]string{bleveKind}, kinds...)
}

// kind is the backend's kind; nil (a manifest from before backends) and
// "" are bleve.
func (b *Backend) kind() string {
	if b == nil || b.Kind == "" {
		return bleveKind
	}
	return b.Kind
}

// Validate reports a backend that cannot be opened.
func (b Backend) Validate() error {
	if b.kind() == bleveKind {
		return nil
	}
	backendsMu.RLock()
	_, known := remotes[b.Kind]
	backendsMu.RUnlock()
	switch {
	case !known:
		return fmt.Errorf("backend %q: expected %s", b.Kind, orList(Backends()))
	case b.Options == nil:
		return fmt.Errorf("the %s backend needs its options (at least one --url)", b.Kind)
	}
	return b.Options.Validate()
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// MarshalJSON writes {"kind": K} and, for a remote backend, its options
// under K.
func (b Backend) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	kind, err := json.Marshal(b.Kind)
	if err != nil {
		return nil, err
	}
	buf.WriteString(`{"kind":`)
	buf.Write(kind)
	opts := b.raw
	if b.Options != nil {
		if opts, err = json.Marshal(b.Options); err != nil {
			return nil, err
		}
	}
	if opts != nil {
		buf.WriteByte(',')
		buf.Write(kind)
		buf.WriteByte(':')
		buf.Write(opts)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes; the options of a kind
// nobody registered are kept aside for Validate to refuse.
func (b *Backend) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	*b = Backend{}
	if k, ok := fields["kind"]; ok {
		if err := json.Unmarshal(k, &b.Kind); err != nil {
			return fmt.Errorf("backend kind: %w", err)
		}
	}
	raw, ok := fields[b.Kind]
	if b.kind() == bleveKind || !ok || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	backendsMu.RLock()
	parse := remotes[b.Kind]
	backendsMu.RUnlock()
	if parse == nil {
		b.raw = raw
		return nil
	}
	opts, err := parse(raw)
	if err != nil {
		return fmt.Errorf("%s options: %w", b.Kind, err)
	}
	b.Options = opts
	return nil
}

// Describe says in one line where an index's passages are.
func Describe(idx Index) string {
	if d, ok := idx.(interface{ Describe() string }); ok {
		return d.Describe()
	}
	return fmt.Sprintf("%T", idx)
}

// openBackend opens the index b describes (nil: the bleve index in dir).
// fresh makes a new one: a bleve index in dir, or the remote index when it
// does not exist. A build that continues opens without fresh, so a remote
// index removed since is an error instead of an empty index taken for a
// finished one.
func openBackend(ctx context.Context, dir string, b *Backend, fresh bool) (Index, error) {
	switch {
	case b.kind() != bleveKind:
		if err := b.Validate(); err != nil {
			return nil, err
		}
		return b.Options.Open(ctx, fresh)
	case fresh:
		return CreateBleve(dir)
	}
	return OpenBleve(dir)
}

// sameBackend refuses to continue a build into another backend or place.
func sameBackend(dir string, have, want *Backend) error {
	if have.kind() != want.kind() {
		return fmt.Errorf("%s holds a %s index, not a %s one; rebuild it with --fresh or choose another --out", dir, have.kind(), want.kind())
	}
	if want.kind() == bleveKind {
		return nil
	}
	if hp, wp := have.Options.Place(), want.Options.Place(); hp != wp {
		return fmt.Errorf("%s was built into %s, not %s; rebuild it with --fresh or choose another --out", dir, hp, wp)
	}
	return nil
}

// dropRemote drops the remote index a manifest records, reached at now's
// endpoints when now is of the same kind and names some (the server may
// have moved).
func dropRemote(ctx context.Context, recorded, now *Backend) error {
	opts := recorded.Options
	if now.kind() == recorded.kind() && now.Options != nil && len(now.Options.Endpoints()) > 0 {
		opts = opts.Reach(OpenOptions{URLs: now.Options.Endpoints()})
	}
	if err := opts.Drop(ctx); err != nil {
		return fmt.Errorf("removing %s: %w", opts.Place(), err)
	}
	return nil
}

// updateStats brings an index's own statistics up to date unless they
// describe as many passages as it holds already (a build that added
// nothing, or re-added the same passages, leaves them as they are).
func updateStats(ctx context.Context, idx Index, total uint64, progress func(BuildProgress)) error {
	s, ok := idx.(StatsKeeper)
	if !ok {
		return nil
	}
	docs, _, err := s.Stats(ctx)
	if err != nil || docs == total {
		return err
	}
	return s.UpdateStats(ctx, func(read int) {
		if progress != nil {
			progress(BuildProgress{Stage: StageStatistics, Passages: read, Total: int(total)})
		}
	})
}
