package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/nerlab/nerlab/lib/retrieve"
	"github.com/nerlab/nerlab/lib/retrieve/weaviate"
	"github.com/nerlab/nerlab/lib/weaviatelocal"
)

// Flags that choose and reach a retrieval backend, shared by index build,
// search and retrieve.
var (
	backendFlag = Param{Name: "backend", Kind: Choice, Choices: retrieve.Backends(), Default: "bleve",
		Help: "where passages are kept: bleve (a folder on this machine) or weaviate (a cluster)"}
	urlFlag = Param{Name: "url", Kind: String, Repeat: true,
		Help: "REST endpoint of a Weaviate node, e.g. http://127.0.0.1:8080 (repeat for each node)"}
	classFlag       = Param{Name: "class", Kind: String, Help: "Weaviate class of the passages (default Passage)"}
	consistencyFlag = Param{Name: "consistency", Kind: Choice, Choices: weaviate.ConsistencyLevels,
		Help: "replicas that must answer (default QUORUM; reads fall back to ONE when replicas are down)"}
	timeoutFlag = Param{Name: "timeout", Kind: Float, Default: "30", Help: "seconds one Weaviate request may take"}
	retriesFlag = Param{Name: "retries", Kind: Int, Min: atLeast(0), Default: "3", Help: "more tries of a failed Weaviate request (on the next node, with backoff)"}
)

// weaviateReach are the flags every command that talks to Weaviate takes.
var weaviateReach = []Param{backendFlag, urlFlag, classFlag, consistencyFlag, timeoutFlag, retriesFlag}

// weaviateOptions reads the weaviate flags (urls may be empty).
func weaviateOptions(in *Input, env *Env) weaviate.Options {
	return weaviate.Options{
		URLs: in.Flags("url"), Class: in.Flag("class"), Consistency: in.Flag("consistency"),
		Timeout: time.Duration(in.Float("timeout") * float64(time.Second)), Retries: in.Int("retries"),
		Warn: func(msg string) { fmt.Fprintln(env.Stderr, "warning:", msg) },
	}
}

// openIndexFlags opens the index --index names (any backend), or, with
// --backend weaviate and no --index, the Weaviate class --url and --class
// name. --url and --consistency override what an index folder recorded.
func openIndexFlags(ctx context.Context, env *Env, in *Input) (retrieve.Index, error) {
	wo := weaviateOptions(in, env)
	if dir := in.Flag("index"); dir != "" {
		return retrieve.OpenIndex(ctx, dir, retrieve.OpenOptions{Warn: wo.Warn, URLs: wo.URLs, Consistency: wo.Consistency})
	}
	if in.Flag("backend") == weaviate.Kind {
		if len(wo.URLs) == 0 {
			return nil, &UsageError{Command: in.cmd.Name, Msg: "--backend weaviate needs --url (or an --index folder built with it)"}
		}
		return weaviate.Open(ctx, wo, false)
	}
	return nil, &UsageError{Command: in.cmd.Name, Msg: "missing --index IDX (or --backend weaviate --url URL)"}
}

func weaviateCommand() *Command {
	return &Command{
		Name:    "weaviate",
		Summary: "Start, stop or inspect a local Weaviate cluster for the weaviate retrieval backend.",
		Help: `weaviate start runs a Weaviate cluster of --nodes servers on 127.0.0.1, with
their data and logs in --dir; node N answers REST on --port+N. It returns when
every node is ready and sees the others, and the cluster keeps running until
weaviate stop --dir DIR. weaviate status --dir DIR lists the nodes and their health.
The server is the one make weaviate builds (or $NERLAB_WEAVIATE). With 3 nodes,
build the index with --shards 3 --replicas 2 to spread the passages and survive
the loss of one node.`,
		Args: []Param{{Name: "ACTION", Kind: Choice, Choices: []string{"start", "stop", "status"}, Help: "start, stop or status"}},
		Flags: []Param{
			{Name: "dir", Kind: Path, Default: "runs/weaviate", Help: "the cluster's data and logs"},
			{Name: "nodes", Kind: Int, Min: atLeast(1), Default: "1", Help: "servers to start"},
			{Name: "port", Kind: Int, Min: atLeast(1), Default: "8080", Help: "REST port of node 0 (node N: port+N)"},
		},
		Examples: []string{"weaviate start --nodes 3",
			"index build --backend weaviate --url http://127.0.0.1:8080 --url http://127.0.0.1:8081 --url http://127.0.0.1:8082 --shards 3 --replicas 2 --corpus ../shared/datasets/knowledge/enwiki2021_new2018/part-00.txt --out runs/wiki-weaviate",
			"weaviate stop"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			dir := in.Flag("dir")
			switch in.Arg("ACTION") {
			case "stop":
				if err := weaviatelocal.StopDir(dir); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "stopped the cluster in %s (its data stays there)\n", dir)
				return nil
			case "status":
				st, err := weaviatelocal.ReadState(dir)
				if err != nil {
					return fmt.Errorf("%s: no cluster started there (%v)", dir, err)
				}
				for _, n := range st.Nodes {
					fmt.Fprintf(env.Stdout, "%s  %s  pid %d  %s\n", n.Name, n.URL, n.PID, weaviatelocal.Health(n.URL))
				}
				return nil
			}
			if in.Int("nodes") < 1 || in.Int("port") < 1 {
				return &UsageError{Command: "weaviate", Msg: "--nodes and --port must be positive"}
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "starting %d Weaviate node(s) in %s…\n", in.Int("nodes"), dir)
			c, err := weaviatelocal.Start(ctx, weaviatelocal.Config{Dir: abs, Nodes: in.Int("nodes"), HTTPPort: in.Int("port"), Detach: true})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Weaviate %s: %d node(s) ready, data and logs in %s\n", weaviatelocal.Version, len(c.Nodes), dir)
			urls := c.URLs()
			fmt.Fprintf(env.Stdout, "  --backend weaviate --url %s\n", strings.Join(urls, " --url "))
			fmt.Fprintf(env.Stdout, "stop it with: weaviate stop --dir %s\n", dir)
			return nil
		},
	}
}
