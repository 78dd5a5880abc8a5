package weaviate

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nerlab/nerlab/lib/retrieve"
)

// TestBackendRecordsOptionsAsBefore: an index manifest records a Weaviate
// backend exactly as before the backend was a package of its own
// ({"kind": "weaviate", "weaviate": {options}}), and reads it back into
// Options; a kind nobody registered is refused by Validate.
func TestBackendRecordsOptionsAsBefore(t *testing.T) {
	b := Backend(Options{URLs: []string{"http://127.0.0.1:8080"}, Class: "Kb", Replicas: 2, Timeout: 30 * time.Second, Vectors: "v.vec"})
	data, err := json.Marshal(struct {
		Backend *retrieve.Backend `json:"backend,omitempty"`
	}{&b})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"backend":{"kind":"weaviate","weaviate":{"urls":["http://127.0.0.1:8080"],"class":"Kb","replicas":2,"timeout":30000000000,"vectors":"v.vec"}}}`
	if string(data) != want {
		t.Errorf("manifest\n got %s\nwant %s", data, want)
	}
	var back struct{ Backend *retrieve.Backend }
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	o, ok := back.Backend.Options.(Options)
	if !ok || back.Backend.Kind != Kind || o.Class != "Kb" || o.Replicas != 2 || o.Timeout != 30*time.Second || o.Vectors != "v.vec" {
		t.Errorf("read back %+v", back.Backend)
	}
	if err := back.Backend.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for raw, msg := range map[string]string{
		`{"kind":"solr","solr":{"url":"x"}}`: `backend "solr": expected bleve or weaviate`,
		`{"kind":"weaviate"}`:                "the weaviate backend needs its options",
		`{"kind":"weaviate","weaviate":{}}`:  "weaviate: no URL",
	} {
		var b retrieve.Backend
		if err := json.Unmarshal([]byte(raw), &b); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: Validate = %v; want %q", raw, err, msg)
		}
	}
	if got := strings.Join(retrieve.Backends(), " "); got != "bleve weaviate" {
		t.Errorf("Backends() = %q", got)
	}
}
