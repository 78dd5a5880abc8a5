// Package weaviatelocal runs a Weaviate cluster of one or more nodes on
// the loopback interface: for nerlab's integration tests and benchmarks,
// and for users trying the Weaviate retrieval backend (`nerlab weaviate
// start`).
//
// Every node is a weaviate-server process (built by `make weaviate`) with
// its data, log and ports of its own. The settings are the ones a cluster
// on one machine needs: anonymous access, no vectorizer modules, gossip,
// data, Raft and gRPC bound to 127.0.0.1, profiling off (otherwise every
// node claims port 6060). Node 0 starts first and the others join it once
// its gossip port listens.
package weaviatelocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/hint"
)

// Version is the Weaviate release nerlab builds and tests against.
const Version = "v1.35.2"

// Module is the Go package of the server.
const Module = "github.com/weaviate/weaviate/cmd/weaviate-server"

// ServerPath finds the weaviate-server binary: $NERLAB_WEAVIATE, else
// third_party/weaviate/bin/weaviate-server under the module root found from
// the working directory upwards (where `make weaviate` puts it).
func ServerPath() (string, error) {
	if p := os.Getenv("NERLAB_WEAVIATE"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("NERLAB_WEAVIATE=%s: %w", p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "third_party", "weaviate", "bin", "weaviate-server")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("no Weaviate server at %s: build it with `make weaviate` (or set NERLAB_WEAVIATE)", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no Weaviate server: set NERLAB_WEAVIATE to a weaviate-server binary, or run from the nerlab checkout after `make weaviate`")
		}
		dir = parent
	}
}

// Config says what cluster to start.
type Config struct {
	Server string // weaviate-server binary (default: ServerPath)
	Dir    string // holds every node's data and log, and cluster.json
	Nodes  int    // default 1
	// HTTPPort is node 0's REST port; node N uses HTTPPort+N. 0 picks free
	// ports for every listener (what tests want).
	HTTPPort int
	// Detach leaves the nodes running after this process exits (`nerlab
	// weaviate start`); otherwise they are killed with it.
	Detach bool
	// Ready bounds the wait for the cluster (default 2 minutes).
	Ready time.Duration
}

// Node is one running server.
type Node struct {
	Name                      string
	URL                       string // REST endpoint
	HTTP, GRPC                int
	Gossip, Data, Raft, RaftR int
	PID                       int
	Log                       string
	DataDir                   string
	cmd                       *exec.Cmd
	exited                    chan error
}

// Cluster is a running cluster.
type Cluster struct {
	Dir    string
	Nodes  []*Node
	server string
}

// URLs returns every node's REST endpoint.
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		urls[i] = n.URL
	}
	return urls
}

// stateFile records a started cluster, for Stop from another process.
const stateFile = "cluster.json"

// Start launches the cluster and waits until every node is ready and sees
// the others. On failure the nodes it started are stopped and the error
// quotes the end of the failing node's log.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Nodes <= 0 {
		cfg.Nodes = 1
	}
	if cfg.Ready <= 0 {
		cfg.Ready = 2 * time.Minute
	}
	if cfg.Server == "" {
		p, err := ServerPath()
		if err != nil {
			return nil, err
		}
		cfg.Server = p
	}
	if cfg.Dir == "" {
		return nil, errors.New("weaviatelocal: no folder for the cluster's data")
	}
	if st, err := ReadState(cfg.Dir); err == nil && st.Running() {
		return nil, fmt.Errorf("%s: a cluster is already running there (%s); stop it first with %s", cfg.Dir, strings.Join(st.URLs(), " "), hint.Command("weaviate stop "+cfg.Dir))
	}
	nodes, err := plan(cfg)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: cfg.Dir, Nodes: nodes, server: cfg.Server}
	ctx, cancel := context.WithTimeout(ctx, cfg.Ready)
	defer cancel()
	for i, n := range nodes {
		if err := c.launch(cfg, i); err != nil {
			c.Stop()
			return nil, err
		}
		if i == 0 && len(nodes) > 1 {
			// The others join through node 0's gossip port.
			if err := waitPort(ctx, n, n.Gossip); err != nil {
				c.Stop()
				return nil, err
			}
		}
	}
	for _, n := range nodes {
		if err := waitReady(ctx, n, len(nodes)); err != nil {
			c.Stop()
			return nil, err
		}
	}
	if err := c.saveState(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// plan assigns names, ports and folders.
func plan(cfg Config) ([]*Node, error) {
	nodes := make([]*Node, cfg.Nodes)
	var free []int
	if cfg.HTTPPort == 0 {
		var err error
		if free, err = freePorts(6 * cfg.Nodes); err != nil { // pairs: HTTP/gRPC, gossip/data, Raft/RPC
			return nil, err
		}
	}
	for i := range nodes {
		n := &Node{Name: "node" + strconv.Itoa(i)}
		if free != nil {
			p := free[6*i:]
			n.HTTP, n.GRPC, n.Gossip, n.Data, n.Raft, n.RaftR = p[0], p[1], p[2], p[3], p[4], p[5]
		} else {
			n.HTTP, n.GRPC = cfg.HTTPPort+i, 50051+i
			n.Gossip, n.Data = 7100+2*i, 7101+2*i
			n.Raft, n.RaftR = 8300+2*i, 8301+2*i
		}
		n.URL = fmt.Sprintf("http://127.0.0.1:%d", n.HTTP)
		n.DataDir = filepath.Join(cfg.Dir, n.Name)
		n.Log = filepath.Join(cfg.Dir, n.Name+".log")
		nodes[i] = n
	}
	return nodes, nil
}

// freePorts finds n distinct free ports on 127.0.0.1 in pairs: ports 2k
// and 2k+1 are consecutive, because Weaviate derives a node's second port
// from its first (gossip → data, Raft → Raft RPC) when it reaches other
// nodes.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100*n {
			return nil, errors.New("weaviatelocal: no pairs of free ports found on 127.0.0.1")
		}
		a, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, a)
		p := a.Addr().(*net.TCPAddr).Port
		b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+1))
		if err != nil {
			continue // p+1 is taken: keep p reserved so it is not drawn again
		}
		ls = append(ls, b)
		ports = append(ports, p, p+1)
	}
	return ports[:n], nil
}

func (c *Cluster) env(i int) []string {
	n := c.Nodes[i]
	var join []string
	for _, m := range c.Nodes {
		join = append(join, fmt.Sprintf("%s:%d", m.Name, m.Raft))
	}
	env := []string{
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true",
		"DEFAULT_VECTORIZER_MODULE=none",
		"ENABLE_MODULES=",
		"DISABLE_TELEMETRY=true",
		"CLUSTER_IN_LOCALHOST=true",
		"CLUSTER_BIND_ADDR=127.0.0.1",
		"CLUSTER_ADVERTISE_ADDR=127.0.0.1",
		"GO_PROFILING_DISABLE=true",
		"PERSISTENCE_DATA_PATH=" + n.DataDir,
		"CLUSTER_HOSTNAME=" + n.Name,
		"CLUSTER_GOSSIP_BIND_PORT=" + strconv.Itoa(n.Gossip),
		"CLUSTER_DATA_BIND_PORT=" + strconv.Itoa(n.Data),
		"RAFT_PORT=" + strconv.Itoa(n.Raft),
		"RAFT_INTERNAL_RPC_PORT=" + strconv.Itoa(n.RaftR),
		"RAFT_JOIN=" + strings.Join(join, ","),
		"RAFT_BOOTSTRAP_EXPECT=" + strconv.Itoa(len(c.Nodes)),
		"GRPC_PORT=" + strconv.Itoa(n.GRPC),
		"LOG_LEVEL=info",
		"QUERY_DEFAULTS_LIMIT=100",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
	}
	if i > 0 {
		env = append(env, fmt.Sprintf("CLUSTER_JOIN=127.0.0.1:%d", c.Nodes[0].Gossip))
	}
	return env
}

func (c *Cluster) launch(cfg Config, i int) error {
	n := c.Nodes[i]
	if err := os.MkdirAll(n.DataDir, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(n.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child keeps its own descriptor
	cmd := exec.Command(cfg.Server, "--scheme", "http", "--host", "127.0.0.1", "--port", strconv.Itoa(n.HTTP))
	cmd.Env = c.env(i)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = n.DataDir
	attr := &syscall.SysProcAttr{Setpgid: true}
	if !cfg.Detach {
		attr.Pdeathsig = syscall.SIGKILL // never outlive the test that started it
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", cfg.Server, err)
	}
	n.cmd, n.PID, n.exited = cmd, cmd.Process.Pid, make(chan error, 1)
	go func() { n.exited <- cmd.Wait() }()
	return nil
}

// waitPort waits until n listens on port, or fails when n exits.
func waitPort(ctx context.Context, n *Node, port int) error {
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if err := n.pause(ctx); err != nil {
			return err
		}
	}
}

// pause waits a little, failing if the node exited or ctx ended.
func (n *Node) pause(ctx context.Context) error {
	select {
	case err := <-n.exited:
		n.exited <- err
		return fmt.Errorf("weaviate %s exited (%v) while starting; the end of %s:\n%s", n.Name, err, n.Log, LogTail(n.Log, 15))
	case <-ctx.Done():
		return fmt.Errorf("weaviate %s was not ready in time; the end of %s:\n%s", n.Name, n.Log, LogTail(n.Log, 15))
	case <-time.After(200 * time.Millisecond):
		return nil
	}
}

// waitReady waits until n answers ready and its /v1/nodes lists want
// healthy nodes.
func waitReady(ctx context.Context, n *Node, want int) error {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if healthy(client, n.URL) >= want {
			return nil
		}
		if err := n.pause(ctx); err != nil {
			return err
		}
	}
}

// healthy counts the nodes url's server reports healthy (0 when it is not
// ready).
func healthy(client *http.Client, url string) int {
	resp, err := client.Get(url + "/v1/.well-known/ready")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0
	}
	n, _, err := nodeHealth(client, url)
	if err != nil {
		return 0
	}
	return n
}

// nodeHealth asks url's server for the cluster's nodes: how many are
// healthy of how many it knows.
func nodeHealth(client *http.Client, url string) (healthy, known int, err error) {
	resp, err := client.Get(url + "/v1/nodes")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var nodes struct {
		Nodes []struct {
			Status string `json:"status"`
		} `json:"nodes"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&nodes); err != nil {
		return 0, 0, err
	}
	for _, node := range nodes.Nodes {
		if node.Status == "HEALTHY" {
			healthy++
		}
	}
	return healthy, len(nodes.Nodes), nil
}

// Health says in a few words how the node at url is: "ready, N of M
// nodes healthy" or why not.
func Health(url string) string {
	client := &http.Client{Timeout: 2 * time.Second}
	n, known, err := nodeHealth(client, url)
	var netErr net.Error
	switch {
	case errors.As(err, &netErr):
		return "not answering"
	case err != nil:
		return fmt.Sprintf("not ready (%v)", err)
	}
	return fmt.Sprintf("ready, %d of %d nodes healthy", n, known)
}

// Kill stops node i at once (SIGKILL), as a crash would.
func (c *Cluster) Kill(i int) error {
	n := c.Nodes[i]
	if n.cmd == nil {
		return syscall.Kill(n.PID, syscall.SIGKILL)
	}
	if err := n.cmd.Process.Kill(); err != nil {
		return err
	}
	<-n.exited
	n.exited <- nil
	return nil
}

// Stop stops every node (SIGTERM, then SIGKILL after 15 seconds) and
// removes the cluster's state file; the data stays.
func (c *Cluster) Stop() error {
	var first error
	for _, n := range c.Nodes {
		if err := stopPID(n.PID, c.server, n.exited); err != nil && first == nil {
			first = fmt.Errorf("stopping %s: %w", n.Name, err)
		}
	}
	os.Remove(filepath.Join(c.Dir, stateFile))
	return first
}

func stopPID(pid int, server string, exited chan error) error {
	if pid == 0 || (exited == nil && !runs(pid, server)) {
		return nil // gone, or the number now belongs to another process
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil // already gone
		}
		return err
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if exited != nil {
			select {
			case err := <-exited:
				exited <- err
				return nil
			case <-time.After(100 * time.Millisecond):
			}
		} else {
			if syscall.Kill(pid, 0) != nil {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}

// runs reports whether process pid runs the program server, so that a
// stale cluster.json never signals a process that reused the number.
func runs(pid int, server string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	argv0, _, _ := strings.Cut(string(cmdline), "\x00")
	return argv0 == server
}

// State is what cluster.json records of a started cluster.
type State struct {
	Dir    string      `json:"dir"`
	Server string      `json:"server"` // the binary the nodes run
	Nodes  []NodeState `json:"nodes"`
}

// NodeState is one node in State.
type NodeState struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	PID  int    `json:"pid"`
	Log  string `json:"log"`
}

// URLs returns the nodes' REST endpoints.
func (s *State) URLs() []string {
	var urls []string
	for _, n := range s.Nodes {
		urls = append(urls, n.URL)
	}
	return urls
}

// Running reports whether any node's process is alive.
func (s *State) Running() bool {
	for _, n := range s.Nodes {
		if n.PID > 0 && runs(n.PID, s.Server) {
			return true
		}
	}
	return false
}

func (c *Cluster) saveState() error {
	st := State{Dir: c.Dir, Server: c.server}
	for _, n := range c.Nodes {
		st.Nodes = append(st.Nodes, NodeState{Name: n.Name, URL: n.URL, PID: n.PID, Log: n.Log})
	}
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(c.Dir, stateFile), append(data, '\n'))
}

// ReadState reads the cluster.json of a cluster started in dir.
func ReadState(dir string) (*State, error) {
	path := filepath.Join(dir, stateFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &st, nil
}

// StopDir stops the cluster recorded in dir (started by another process).
func StopDir(dir string) error {
	st, err := ReadState(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s: no cluster was started there (no %s)", dir, stateFile)
		}
		return err
	}
	c := &Cluster{Dir: dir, server: st.Server}
	for _, n := range st.Nodes {
		c.Nodes = append(c.Nodes, &Node{Name: n.Name, URL: n.URL, PID: n.PID, Log: n.Log})
	}
	return c.Stop()
}

// LogTail returns the last n lines of a log file.
func LogTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
