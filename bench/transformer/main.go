// Command transformer benchmarks nerlab's BERT encoder (lib/embed/bert.go)
// against the same model in PyTorch eager (bench/pytorch/bert.py bench,
// run with Debian's /usr/bin/python3 on the same libtorch and OpenBLAS),
// side by side in one run: forward + backward in training mode (dropout
// 0.1) and the forward alone in eval mode under no_grad, for a
// BERT-base-shaped layer stack and a 4-layer/256 model, on a padded batch
// of mixed lengths.
//
// The two sides take turns step by step: the PyTorch side is a server
// process (bert.py bench --serve) that holds its model and runs one step
// per command, and the driver alternates nerlab and PyTorch steps in ABBA
// order (nerlab, PyTorch, PyTorch, nerlab, …), so that a change in the
// machine's load falls on both alike. Reported: each side's median step,
// their ratio, and the spread of the ratios of neighbouring steps (pairs);
// absolute times of different runs on a shared machine are not
// comparable, the ratios within one run are.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"
)

// shape is one encoder size of the benchmark.
type shape struct {
	Name         string `json:"name"`
	Hidden       int64  `json:"hidden"`
	Heads        int64  `json:"heads"`
	Intermediate int64  `json:"intermediate"`
	Vocab        int64  `json:"vocab"`
	Layers       int    `json:"layers"`
}

type options struct {
	batch, seq, warmup, steps, evalSteps, threads int
	seed                                          int64
	python, script                                string
}

func main() {
	o := options{}
	flag.IntVar(&o.batch, "batch", 32, "sequences per batch")
	flag.IntVar(&o.seq, "seq", 128, "padded sequence length (the longest sequence)")
	flag.IntVar(&o.warmup, "warmup", 2, "untimed steps of each kind on each side")
	flag.IntVar(&o.steps, "steps", 8, "timed forward+backward steps per side")
	flag.IntVar(&o.evalSteps, "eval-steps", 8, "timed eval forwards per side")
	flag.IntVar(&o.threads, "threads", 2, "libtorch threads on both sides")
	seed := flag.Int64("seed", 1, "seed of weights, ids and dropout")
	baseLayers := flag.Int("base-layers", 2, "layers of the BERT-base-shaped stack (BERT-base has 12; the table shows ms per layer)")
	shapes := flag.String("shapes", "base,small", "which shapes: base (768, 12 heads, FFN 3072), small (256, 4 heads, FFN 1024, 4 layers)")
	flag.StringVar(&o.python, "python", "/usr/bin/python3", "python with torch")
	flag.StringVar(&o.script, "script", "bench/pytorch/bert.py", "the PyTorch reference")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	flag.Parse()
	o.seed = *seed
	known := map[string]shape{
		"base":  {Name: "base", Hidden: 768, Heads: 12, Intermediate: 3072, Vocab: 30522, Layers: *baseLayers},
		"small": {Name: "small", Hidden: 256, Heads: 4, Intermediate: 1024, Vocab: 30522, Layers: 4},
	}
	runtime.LockOSThread() // libtorch's thread team and grad mode are per OS thread
	torch.SetThreads(o.threads)
	all := map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "cpus": runtime.NumCPU(), "batch": o.batch,
		"seq": o.seq, "threads": o.threads, "lengths": lengths(o.batch, o.seq), "load_start": loadavg()}
	for _, name := range strings.Split(*shapes, ",") {
		s, ok := known[name]
		if !ok {
			fail(fmt.Errorf("--shapes: unknown shape %q; expected base or small", name))
		}
		sm, err := compare(s, o)
		if err != nil {
			fail(err)
		}
		all[s.Name] = sm
	}
	all["load_end"] = loadavg()
	if *jsonOut != "" {
		data, _ := json.MarshalIndent(all, "", " ")
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "transformer:", err)
	os.Exit(1)
}

// lengths are the batch's sequence lengths: mixed, the first one full,
// none shorter than a quarter of seq (bert.py's bench_lengths).
func lengths(batch, seq int) []int {
	n := make([]int, batch)
	for b := range n {
		n[b] = seq - (37*b)%(3*seq/4)
	}
	return n
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

// info is what each side says about its model.
type info struct {
	Params  int64 `json:"params"`
	Tokens  int   `json:"tokens"`
	Threads int   `json:"threads"`
}

// side is one implementation that runs a step when asked.
type side interface {
	train() (fwd, bwd, cpu float64, err error)
	eval() (ms, cpu float64, err error)
}

// pyServer is bert.py bench --serve.
type pyServer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startPython(s shape, o options) (*pyServer, info, error) {
	args := []string{o.script, "bench", "--serve"}
	for _, f := range []struct {
		name string
		v    int64
	}{{"hidden", s.Hidden}, {"layers", int64(s.Layers)}, {"heads", s.Heads}, {"intermediate", s.Intermediate},
		{"vocab", s.Vocab}, {"batch", int64(o.batch)}, {"seq", int64(o.seq)}, {"threads", int64(o.threads)}, {"seed", o.seed}} {
		args = append(args, "--"+f.name, strconv.FormatInt(f.v, 10))
	}
	cmd := exec.Command(o.python, args...)
	// nerlab's torch.SetThreads makes OpenBLAS single-threaded; so must the
	// reference be, or its BLAS pool fights libtorch's team for the cores.
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, info{}, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, info{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, info{}, fmt.Errorf("%s %s: %w", o.python, o.script, err)
	}
	p := &pyServer{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	var inf info
	err = p.read(&inf)
	return p, inf, err
}

func (p *pyServer) read(v any) error {
	if !p.out.Scan() {
		return fmt.Errorf("the PyTorch side ended early (%v)", p.out.Err())
	}
	var e struct{ Error string }
	if json.Unmarshal(p.out.Bytes(), &e) == nil && e.Error != "" {
		return fmt.Errorf("the PyTorch side: %s", e.Error)
	}
	return json.Unmarshal(p.out.Bytes(), v)
}

func (p *pyServer) ask(cmd string, v any) error {
	if _, err := fmt.Fprintln(p.in, cmd); err != nil {
		return err
	}
	return p.read(v)
}

func (p *pyServer) train() (float64, float64, float64, error) {
	var r struct{ Forward_ms, Backward_ms, Cpu_ms float64 }
	err := p.ask("train", &r)
	return r.Forward_ms, r.Backward_ms, r.Cpu_ms, err
}

func (p *pyServer) eval() (float64, float64, error) {
	var r struct{ Eval_ms, Cpu_ms float64 }
	err := p.ask("eval", &r)
	return r.Eval_ms, r.Cpu_ms, err
}

func (p *pyServer) close() error {
	fmt.Fprintln(p.in, "quit")
	p.in.Close()
	return p.cmd.Wait()
}

// goSide is nerlab's encoder set up as bert.py's Bench: BERT's
// initialisation (N(0, 0.02) weights, zero biases, LayerNorms 1 and 0),
// the same batch rule, loss = Σ hidden ⊙ R, gradients zeroed in place
// between steps (lib/optim's ZeroGrad, as training does), untimed.
type goSide struct {
	b                   *embed.Bert
	opt                 optim.Optimizer
	ids, mask, types, r *ts.Tensor
}

func newGo(s shape, o options) (*goSide, info) {
	torch.Seed(o.seed)
	c := embed.BertConfig{ModelType: "bert", VocabSize: s.Vocab, HiddenSize: s.Hidden, NumHiddenLayers: s.Layers,
		NumAttentionHeads: s.Heads, IntermediateSize: s.Intermediate, HiddenAct: "gelu", HiddenDropoutProb: 0.1,
		AttentionDropoutProb: 0.1, MaxPositionEmbeddings: 512, TypeVocabSize: 2, LayerNormEps: 1e-12}
	g := &goSide{b: embed.NewBert(c, gotch.CPU)}
	torch.NoGrad(func() {
		for name, v := range g.b.VS.Variables() {
			switch {
			case strings.Contains(name, "LayerNorm"):
			case strings.HasSuffix(name, ".bias"):
				z := v.MustZerosLike(false)
				v.Copy_(z) // Copy_ keeps the handle; gotch's Zero_ and Normal_ would leak one
				z.MustDrop()
			default:
				w := ts.MustRandn(v.MustSize(), gotch.Float, gotch.CPU).MustMulScalar(ts.FloatScalar(0.02), true)
				v.Copy_(w)
				w.MustDrop()
			}
		}
	})
	var params []optim.Param
	for i, p := range g.b.VS.TrainableVariables() {
		params = append(params, optim.Param{Name: fmt.Sprint(i), Tensor: p})
	}
	g.opt = optim.NewSGD([]optim.Group{{Name: "all", Params: params, LRScale: 1}}, 0, false)
	rng := rand.New(rand.NewPCG(uint64(o.seed), 0))
	B, T := int64(o.batch), int64(o.seq)
	idv, maskv := make([]int64, B*T), make([]int64, B*T)
	tokens := 0
	for i, n := range lengths(o.batch, o.seq) {
		for t := 0; t < n; t++ {
			idv[i*o.seq+t] = 2 + rng.Int64N(s.Vocab-2)
			maskv[i*o.seq+t] = 1
		}
		tokens += n
	}
	g.ids = torch.MustFromInt64s(idv, []int64{B, T}, gotch.CPU)
	g.mask = torch.MustFromInt64s(maskv, []int64{B, T}, gotch.CPU)
	g.types = ts.MustZeros([]int64{B, T}, gotch.Int64, gotch.CPU)
	g.r = ts.MustRandn([]int64{B, T, s.Hidden}, gotch.Float, gotch.CPU)
	return g, info{Params: g.b.Parameters(), Tokens: tokens, Threads: torch.SetThreads(0)}
}

func (g *goSide) train() (float64, float64, float64, error) {
	g.opt.ZeroGrad() // as training does
	c0, t0 := cpuTime(), time.Now()
	loss := g.b.Forward(g.ids, g.mask, g.types, true).MustMul(g.r, true).MustSum(gotch.Float, true)
	t1 := time.Now()
	loss.MustBackward()
	loss.MustDrop()
	t2, c2 := time.Now(), cpuTime()
	return ms(t1.Sub(t0)), ms(t2.Sub(t1)), ms(c2 - c0), nil
}

func (g *goSide) eval() (float64, float64, error) {
	var d, c float64
	torch.NoGrad(func() {
		c0, t0 := cpuTime(), time.Now()
		g.b.Forward(g.ids, g.mask, g.types, false).MustDrop()
		d, c = ms(time.Since(t0)), ms(cpuTime()-c0)
	})
	return d, c, nil
}

// cpuTime is the CPU time of all the process's threads (as Python's
// time.process_time), which unlike wall-clock time leaves out the time
// spent waiting for a core that other work holds.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (g *goSide) close() {
	for _, t := range []*ts.Tensor{g.ids, g.mask, g.types, g.r} {
		t.MustDrop()
	}
	g.b.VS.Destroy()
}

// steps are one side's timed steps in ms.
type steps struct {
	Forward  []float64 `json:"forward_ms"`
	Backward []float64 `json:"backward_ms"`
	Step     []float64 `json:"step_ms"`
	StepCPU  []float64 `json:"step_cpu_ms"`
	Eval     []float64 `json:"eval_ms"`
	EvalCPU  []float64 `json:"eval_cpu_ms"`
}

// summary is one shape's result.
type summary struct {
	Shape   shape  `json:"shape"`
	Info    info   `json:"info"`
	Nerlab  steps  `json:"nerlab"`
	PyTorch steps  `json:"pytorch"`
	Load    string `json:"load_after"`
	Step    ratio  `json:"step"`
	Eval    ratio  `json:"eval"`
	StepCPU ratio  `json:"step_cpu"`
	EvalCPU ratio  `json:"eval_cpu"`
}

// ratio compares the sides on one kind of step: the medians, their
// ratio, and the quartiles and extremes of the pairs' ratios.
type ratio struct {
	Nerlab, PyTorch float64    // median ms
	Ratio           float64    // Nerlab / PyTorch
	Pairs           [5]float64 // min, lower quartile, median, upper quartile, max of the pairs' ratios
}

func compare(s shape, o options) (*summary, error) {
	fmt.Fprintf(os.Stderr, "%s: starting both sides (load %s)\n", s.Name, loadavg())
	py, pinf, err := startPython(s, o)
	if err != nil {
		return nil, err
	}
	defer py.close()
	g, ginf := newGo(s, o)
	defer g.close()
	if ginf.Params != pinf.Params || ginf.Tokens != pinf.Tokens {
		return nil, fmt.Errorf("%s: nerlab's model has %d parameters and %d tokens, PyTorch's %d and %d",
			s.Name, ginf.Params, ginf.Tokens, pinf.Params, pinf.Tokens)
	}
	sm := &summary{Shape: s, Info: ginf}
	sides := []side{g, py}
	record := []*steps{&sm.Nerlab, &sm.PyTorch}
	// ABBA: pair i runs nerlab first when i is even, PyTorch first when odd.
	run := func(n int, timed bool, f func(k int) error) error {
		for i := 0; i < n; i++ {
			order := []int{0, 1}
			if i%2 == 1 {
				order = []int{1, 0}
			}
			for _, k := range order {
				if err := f(k); err != nil {
					return err
				}
			}
		}
		return nil
	}
	train := func(timed bool) func(int) error {
		return func(k int) error {
			f, b, c, err := sides[k].train()
			if timed {
				record[k].Forward = append(record[k].Forward, f)
				record[k].Backward = append(record[k].Backward, b)
				record[k].Step = append(record[k].Step, f+b)
				record[k].StepCPU = append(record[k].StepCPU, c)
			}
			return err
		}
	}
	eval := func(timed bool) func(int) error {
		return func(k int) error {
			e, c, err := sides[k].eval()
			if timed {
				record[k].Eval = append(record[k].Eval, e)
				record[k].EvalCPU = append(record[k].EvalCPU, c)
			}
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "%s: training steps (load %s)\n", s.Name, loadavg())
	if err := run(o.warmup, false, train(false)); err != nil {
		return nil, err
	}
	if err := run(o.steps, true, train(true)); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "%s: eval forwards (load %s)\n", s.Name, loadavg())
	if err := run(o.warmup, false, eval(false)); err != nil {
		return nil, err
	}
	if err := run(o.evalSteps, true, eval(true)); err != nil {
		return nil, err
	}
	sm.Load = loadavg()
	sm.Step = compareSteps(sm.Nerlab.Step, sm.PyTorch.Step)
	sm.Eval = compareSteps(sm.Nerlab.Eval, sm.PyTorch.Eval)
	sm.StepCPU = compareSteps(sm.Nerlab.StepCPU, sm.PyTorch.StepCPU)
	sm.EvalCPU = compareSteps(sm.Nerlab.EvalCPU, sm.PyTorch.EvalCPU)
	sm.print(o)
	return sm, nil
}

func compareSteps(g, p []float64) ratio {
	r := ratio{Nerlab: median(g), PyTorch: median(p)}
	r.Ratio = r.Nerlab / r.PyTorch
	var pairs []float64
	for i := range g {
		pairs = append(pairs, g[i]/p[i])
	}
	slices.Sort(pairs)
	r.Pairs = [5]float64{pairs[0], quantile(pairs, 0.25), median(pairs), quantile(pairs, 0.75), pairs[len(pairs)-1]}
	return r
}

func (sm *summary) print(o options) {
	s := sm.Shape
	fmt.Printf("\n%s: hidden %d, %d heads, FFN %d, %d layers, vocabulary %d; %s parameters; batch %d×%d (%d tokens), %d threads; load %s\n",
		s.Name, s.Hidden, s.Heads, s.Intermediate, s.Layers, s.Vocab, comma(sm.Info.Params), o.batch, o.seq, sm.Info.Tokens, sm.Info.Threads, sm.Load)
	fmt.Printf("%-24s %10s %10s %7s   %s\n", "median ms", "nerlab", "pytorch", "ratio", "pair ratios: min [q1 median q3] max")
	row := func(name string, g, p []float64, pairs bool) {
		line := fmt.Sprintf("%-24s %10.1f %10.1f %7.3f", name, median(g), median(p), median(g)/median(p))
		if pairs {
			r := compareSteps(g, p)
			line += fmt.Sprintf("   %.2f [%.2f %.2f %.2f] %.2f", r.Pairs[0], r.Pairs[1], r.Pairs[2], r.Pairs[3], r.Pairs[4])
		}
		fmt.Println(line)
	}
	per := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x / float64(s.Layers)
		}
		return out
	}
	row("train step (fwd+bwd)", sm.Nerlab.Step, sm.PyTorch.Step, true)
	row("  forward", sm.Nerlab.Forward, sm.PyTorch.Forward, true)
	row("  backward", sm.Nerlab.Backward, sm.PyTorch.Backward, true)
	row("  per layer", per(sm.Nerlab.Step), per(sm.PyTorch.Step), false)
	row("  CPU ms (all threads)", sm.Nerlab.StepCPU, sm.PyTorch.StepCPU, true)
	row("eval forward (no_grad)", sm.Nerlab.Eval, sm.PyTorch.Eval, true)
	row("  per layer", per(sm.Nerlab.Eval), per(sm.PyTorch.Eval), false)
	row("  CPU ms (all threads)", sm.Nerlab.EvalCPU, sm.PyTorch.EvalCPU, true)
}

func comma(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 { return quantile(v, 0.5) }

// quantile interpolates linearly between the sorted values.
func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	x := q * float64(len(s)-1)
	i := int(x)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (x-float64(i))*(s[i+1]-s[i])
}
