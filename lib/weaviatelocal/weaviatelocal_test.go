package weaviatelocal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

func TestMakefilePinsThisRelease(t *testing.T) {
	data, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^WEAVIATE_VERSION := (\S+)`).FindSubmatch(data)
	if m == nil || string(m[1]) != Version {
		t.Errorf("the Makefile builds %q, the code expects %s", m, Version)
	}
}

func TestPlanFixedPorts(t *testing.T) {
	nodes, err := plan(Config{Dir: "/d", Nodes: 3, HTTPPort: 8080})
	if err != nil {
		t.Fatal(err)
	}
	n := nodes[2]
	if n.Name != "node2" || n.URL != "http://127.0.0.1:8082" || n.GRPC != 50053 || n.Gossip != 7104 || n.Data != 7105 || n.Raft != 8304 || n.RaftR != 8305 {
		t.Errorf("node 2: %+v", n)
	}
	if n.DataDir != "/d/node2" || n.Log != "/d/node2.log" {
		t.Errorf("node 2 files: %s %s", n.DataDir, n.Log)
	}
}

func TestPlanFreePortsAreDistinct(t *testing.T) {
	nodes, err := plan(Config{Dir: "/d", Nodes: 3})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, n := range nodes {
		if n.Data != n.Gossip+1 || n.RaftR != n.Raft+1 {
			t.Errorf("%s: gossip/data %d/%d and Raft/RPC %d/%d must be consecutive (Weaviate derives the second)", n.Name, n.Gossip, n.Data, n.Raft, n.RaftR)
		}
		for _, p := range []int{n.HTTP, n.GRPC, n.Gossip, n.Data, n.Raft, n.RaftR} {
			if p == 0 || seen[p] {
				t.Fatalf("port %d given twice or zero: %+v", p, n)
			}
			seen[p] = true
		}
	}
}

func TestEnvJoinsNodeZero(t *testing.T) {
	nodes, _ := plan(Config{Dir: "/d", Nodes: 3, HTTPPort: 8080})
	c := &Cluster{Dir: "/d", Nodes: nodes}
	env0, env1 := strings.Join(c.env(0), "\n"), strings.Join(c.env(1), "\n")
	for _, want := range []string{"RAFT_JOIN=node0:8300,node1:8302,node2:8304", "RAFT_BOOTSTRAP_EXPECT=3",
		"CLUSTER_BIND_ADDR=127.0.0.1", "GO_PROFILING_DISABLE=true", "CLUSTER_HOSTNAME=node1", "PERSISTENCE_DATA_PATH=/d/node1"} {
		if !strings.Contains(env1, want) {
			t.Errorf("node 1's environment lacks %s", want)
		}
	}
	if strings.Contains(env0, "CLUSTER_JOIN=") || !strings.Contains(env1, "CLUSTER_JOIN=127.0.0.1:7100") {
		t.Error("only the nodes after node 0 join its gossip port")
	}
}

func TestStopDirWithoutACluster(t *testing.T) {
	if err := StopDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no cluster was started there") {
		t.Errorf("err = %v", err)
	}
}

func TestStaleStateSignalsNoStranger(t *testing.T) {
	dir := t.TempDir()
	// This test's own process under a pid the state says is a server.
	state := fmt.Sprintf(`{"dir":%q,"server":"/opt/weaviate-server","nodes":[{"name":"node0","pid":%d}]}`, dir, os.Getpid())
	os.WriteFile(filepath.Join(dir, stateFile), []byte(state), 0o644)
	st, err := ReadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Running() {
		t.Error("a process that is not the server counts as a running node")
	}
	if err := StopDir(dir); err != nil { // must not signal this process
		t.Fatal(err)
	}
}

func TestStartStatusStop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Weaviate server")
	}
	server, err := ServerPath()
	if err != nil {
		shareddata.Missing(t, "%v", err)
	}
	dir := t.TempDir()
	c, err := Start(context.Background(), Config{Server: server, Dir: dir, Nodes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if h := Health(c.URLs()[0]); h != "ready, 1 of 1 nodes healthy" {
		t.Errorf("health: %q", h)
	}
	if _, err := Start(context.Background(), Config{Server: server, Dir: dir, Nodes: 1}); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second start in one folder: err = %v", err)
	}
	if err := StopDir(dir); err != nil {
		t.Fatal(err)
	}
	if h := Health(c.URLs()[0]); h != "not answering" {
		t.Errorf("after stop: %q", h)
	}
}
