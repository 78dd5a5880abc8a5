// Command bilstmcrf benchmarks nerlab's BiLSTM-CRF against the same model
// in PyTorch eager (bench/pytorch/bilstm_crf.py, run with Debian's
// /usr/bin/python3 on the same libtorch and OpenBLAS), side by side in one
// run: training step time on consecutive CoNLL-03 batches and tagging
// throughput on the CoNLL-03 test set. It prints both sides and the
// nerlab/PyTorch ratios, and with --json writes them as one object.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/optim"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/train"
)

type result struct {
	Impl             string  `json:"impl"`
	Threads          int     `json:"threads"`
	Batch            int     `json:"batch"`
	Steps            int     `json:"steps"`
	StepMsMedian     float64 `json:"step_ms_median"`
	StepMsMean       float64 `json:"step_ms_mean"`
	StepMsP90        float64 `json:"step_ms_p90"`
	ForwardMsMedian  float64 `json:"forward_ms_median"`
	BackwardMsMedian float64 `json:"backward_ms_median"`
	TrainTokensSec   float64 `json:"train_tokens_per_sec"`
	TagWordsSec      float64 `json:"tag_words_per_sec"`
	TagSentences     int     `json:"tag_sentences"`
	TagWords         int     `json:"tag_words"`
	NumTags          int     `json:"num_tags"`
	VocabSize        int     `json:"vocab_size"`
	Params           int64   `json:"params"`
	PeakRSSMB        float64 `json:"peak_rss_mb"`
}

func main() {
	datasets := flag.String("datasets", "../shared/datasets", "shared datasets folder")
	threads := flag.Int("threads", 2, "libtorch threads on both sides")
	warmup := flag.Int("warmup", 3, "untimed training steps")
	steps := flag.Int("steps", 30, "timed training steps")
	repeats := flag.Int("repeats", 3, "tagging passes (the median is reported)")
	python := flag.String("python", "/usr/bin/python3", "python with torch")
	script := flag.String("script", "bench/pytorch/bilstm_crf.py", "the PyTorch reference")
	only := flag.String("only", "", "run only one side: go or pytorch")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	flag.Parse()
	train := filepath.Join(*datasets, "conll03", "train.txt")
	test := filepath.Join(*datasets, "conll03", "test.txt")

	var py, g *result
	var err error
	if *only != "go" {
		fmt.Fprintln(os.Stderr, "running the PyTorch reference...")
		if py, err = runPython(*python, *script, train, test, *threads, *warmup, *steps, *repeats); err != nil {
			fail(err)
		}
	}
	if *only != "pytorch" {
		fmt.Fprintln(os.Stderr, "running nerlab...")
		if g, err = runGo(train, test, *threads, *warmup, *steps, *repeats); err != nil {
			fail(err)
		}
	}
	report(g, py)
	if *jsonOut != "" {
		data, _ := json.MarshalIndent(map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "go": g, "pytorch": py,
			"cpus": runtime.NumCPU()}, "", " ")
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bilstmcrf:", err)
	os.Exit(1)
}

func runPython(python, script, train, test string, threads, warmup, steps, repeats int) (*result, error) {
	cmd := exec.Command(python, script, "--train-file", train, "--test-file", test, "--threads", strconv.Itoa(threads),
		"--warmup", strconv.Itoa(warmup), "--train-steps", strconv.Itoa(steps), "--tag", "--repeats", strconv.Itoa(repeats), "--rss")
	// The same thread setup as nerlab's torch.SetThreads: libtorch's own
	// threads, OpenBLAS single-threaded (both sides run faster and steadier
	// so on 2 cores).
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", python, script, err)
	}
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("reading the reference's JSON: %w", err)
	}
	return &r, nil
}

// runGo measures nerlab on the same model, data and batches as the
// reference: flair's recipe (config.Default without vectors), consecutive
// batches of 32 training sentences in file order, plain SGD 0.1 with
// gradient clipping at 5.
func runGo(trainPath, testPath string, threads, warmup, steps, repeats int) (*result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	torch.SetThreads(threads) // also makes OpenBLAS single-threaded
	torch.Seed(1)
	cols, _ := corpus.ParseColumns("text,pos,chunk,ner")
	trainC, err := corpus.ReadFile(trainPath, corpus.ReadOptions{Columns: cols})
	if err != nil {
		return nil, err
	}
	testC, err := corpus.ReadFile(testPath, corpus.ReadOptions{Columns: cols})
	if err != nil {
		return nil, err
	}
	exp := config.Default()
	tg, _, err := models.BuildTagger(&exp, []*corpus.Corpus{trainC}, nil, gotch.CPU)
	if err != nil {
		return nil, err
	}
	examples, err := tg.Examples(trainC)
	if err != nil {
		return nil, err
	}
	named := tg.Params()
	var params []optim.Param
	var count int64
	for n, p := range named {
		params = append(params, optim.Param{Name: n, Tensor: p})
		count += int64(p.Numel())
	}
	slices.SortFunc(params, func(a, b optim.Param) int { return strings.Compare(a.Name, b.Name) })
	opt := optim.NewSGD([]optim.Group{{Name: "all", Params: params, LRScale: 1}}, 0, false)
	const batchSize = 32
	var stepMs, fwdMs, bwdMs []float64
	tokens := 0
	var timed time.Duration
	for i := 0; i < warmup+steps; i++ {
		batch := examples[i*batchSize : (i+1)*batchSize]
		t0 := time.Now()
		out, err := tg.Forward(batch, true)
		if err != nil {
			return nil, err
		}
		loss, err := tg.Loss(out, batch)
		if err != nil {
			return nil, err
		}
		t1 := time.Now()
		loss.MustBackward()
		t2 := time.Now()
		loss.MustDrop()
		out.Drop()
		optim.ClipGradNorm(params, 5)
		if err := opt.Step(0.1); err != nil {
			return nil, err
		}
		opt.ZeroGrad()
		t3 := time.Now()
		if i >= warmup {
			stepMs = append(stepMs, ms(t3.Sub(t0)))
			fwdMs = append(fwdMs, ms(t1.Sub(t0)))
			bwdMs = append(bwdMs, ms(t2.Sub(t1)))
			timed += t3.Sub(t0)
			for _, e := range batch {
				tokens += len(e.Tokens)
			}
		}
	}
	testEx, err := tg.Examples(testC)
	if err != nil {
		return nil, err
	}
	words := 0
	for _, e := range testEx {
		words += len(e.Tokens)
	}
	var rates []float64
	for r := 0; r < repeats; r++ {
		t0 := time.Now()
		if _, err := tg.Predict(testEx, 64, nil); err != nil {
			return nil, err
		}
		rates = append(rates, float64(words)/time.Since(t0).Seconds())
	}
	_, peak := train.MemoryMB()
	return &result{Impl: "nerlab", Threads: threads, Batch: batchSize, Steps: steps,
		StepMsMedian: median(stepMs), StepMsMean: mean(stepMs), StepMsP90: quantile(stepMs, 0.9),
		ForwardMsMedian: median(fwdMs), BackwardMsMedian: median(bwdMs),
		TrainTokensSec: float64(tokens) / timed.Seconds(), TagWordsSec: median(rates),
		TagSentences: len(testEx), TagWords: words, NumTags: tg.NumTags(), VocabSize: tg.Word().Vocab().Len(),
		Params: count, PeakRSSMB: peak}, nil
}

func report(g, py *result) {
	fmt.Printf("%-26s %12s %12s %8s\n", "", "nerlab", "pytorch", "ratio")
	row := func(name string, f func(r *result) float64, digits int) {
		val := func(r *result) string {
			if r == nil {
				return "-"
			}
			return strconv.FormatFloat(f(r), 'f', digits, 64)
		}
		ratio := "-"
		if g != nil && py != nil && f(py) != 0 {
			ratio = fmt.Sprintf("%.2f", f(g)/f(py))
		}
		fmt.Printf("%-26s %12s %12s %8s\n", name, val(g), val(py), ratio)
	}
	row("train step ms (median)", func(r *result) float64 { return r.StepMsMedian }, 1)
	row("train step ms (p90)", func(r *result) float64 { return r.StepMsP90 }, 1)
	row("forward ms (median)", func(r *result) float64 { return r.ForwardMsMedian }, 1)
	row("backward ms (median)", func(r *result) float64 { return r.BackwardMsMedian }, 1)
	row("train tokens/s", func(r *result) float64 { return r.TrainTokensSec }, 0)
	row("tagging words/s", func(r *result) float64 { return r.TagWordsSec }, 0)
	row("peak RSS MB", func(r *result) float64 { return r.PeakRSSMB }, 0)
	row("parameters", func(r *result) float64 { return float64(r.Params) }, 0)
	row("vocabulary", func(r *result) float64 { return float64(r.VocabSize) }, 0)
	row("tags", func(r *result) float64 { return float64(r.NumTags) }, 0)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 { return quantile(v, 0.5) }

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}
