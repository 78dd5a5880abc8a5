package lab

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/weaviatelocal"
)

// freePort returns a port nothing listens on now, for node 0's REST API.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestWeaviateCommands runs a user's session with the weaviate backend:
// start a node, build an index into it, search, retrieve context views
// (the same files bleve gives for this corpus), status, stop.
func TestWeaviateCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Weaviate server")
	}
	if _, err := weaviatelocal.ServerPath(); err != nil {
		shareddata.Missing(t, "%v", err)
	}
	dir := t.TempDir()
	kb, data := retrievalFixture(t, dir)
	s := newSession(t)

	cluster := filepath.Join(dir, "cluster")
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	// The gossip, data and Raft ports are the fixed defaults (7100...), so
	// this test cannot run beside a `weaviate start` of the user's.
	out := s.run("weaviate start --dir " + cluster + " --port " + strconv.Itoa(port))
	defer weaviatelocal.StopDir(cluster)
	if !strings.Contains(out, "1 node(s) ready") || !strings.Contains(out, "--url "+url) {
		t.Fatalf("start: %q", out)
	}
	if out := s.run("weaviate status --dir " + cluster); !strings.Contains(out, "ready, 1 of 1 nodes healthy") {
		t.Errorf("status: %q", out)
	}
	if _, err := s.try("index build --corpus " + kb + " --out " + filepath.Join(dir, "x") + " --url " + url); !IsUsage(err) {
		t.Errorf("--url without --backend weaviate: %v", err)
	}

	wv, bl := filepath.Join(dir, "wv"), filepath.Join(dir, "bleve")
	if out := s.run("index build --backend weaviate --url " + url + " --class Kb --corpus " + kb + " --out " + wv + " --sentences 1"); !strings.Contains(out, "4 passages") {
		t.Errorf("build: %q", out)
	}
	s.run("index build --corpus " + kb + " --out " + bl + " --sentences 1")
	if out := s.run("index info " + wv); !strings.Contains(out, "4 passages (Weaviate class Kb at "+url) || !strings.Contains(out, "term statistics in class KbTermStats") {
		t.Errorf("info: %q", out)
	}
	if out := s.run("search --index " + wv + " --keep 2 Stedian Restous the painter"); !strings.HasPrefix(out, "1. Stedian Restous") {
		t.Errorf("search --index:\n%s", out)
	}
	if out := s.run("search --backend weaviate --url " + url + " --class Kb --keep 1 salt exports"); !strings.HasPrefix(out, "1. Razaerholm") {
		t.Errorf("search --backend weaviate:\n%s", out)
	}
	if _, err := s.try("search --backend weaviate salt"); !IsUsage(err) {
		t.Errorf("--backend weaviate without --url: %v", err)
	}
	for _, idx := range []string{wv, bl} {
		s.run("retrieve --index " + idx + " --data " + data + " --out " + idx + "-views --keep 1 --budget 5")
	}
	a, _ := os.ReadFile(filepath.Join(wv+"-views", "train.txt"))
	b, _ := os.ReadFile(filepath.Join(bl+"-views", "train.txt"))
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("weaviate's view:\n%s\nbleve's:\n%s", a, b)
	}
	// Without its term statistics the class is ranked by Weaviate's BM25,
	// and index info says so; building again writes them.
	req, _ := http.NewRequest(http.MethodDelete, url+"/v1/schema/KbTermStats", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("removing the statistics: %v %v", resp, err)
	}
	if out := s.run("index info " + wv); !strings.Contains(out, "no term statistics") {
		t.Errorf("info without statistics: %q", out)
	}
	if out, err := s.try("index build --backend weaviate --url " + url + " --class Kb --corpus " + kb + " --out " + wv + " --sentences 1"); err != nil || !strings.Contains(out, "4 passages") {
		t.Errorf("build again: %q, %v", out, err)
	}
	if out := s.run("index info " + wv); !strings.Contains(out, "term statistics in class KbTermStats") {
		t.Errorf("info after building again: %q", out)
	}
	if out := s.run("weaviate stop --dir " + cluster); !strings.Contains(out, "stopped") {
		t.Errorf("stop: %q", out)
	}
	if _, err := s.try("search --index " + wv + " --timeout 2 --retries 1 salt"); err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("search with the server stopped: %v", err)
	}
}
