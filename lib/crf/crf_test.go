package crf

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/shareddata"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/torch"
)

// problem is a tiny CRF instance in plain Go numbers, the input of both the
// implementation under test and the brute-force reference.
type problem struct {
	N, T    int
	emit    []float64 // [B][T][N]
	trans   []float64 // (N+2)^2, parameter values
	allowed []bool
	lengths []int
	gold    [][]int
}

func randomProblem(rng *rand.Rand, n, t int, lengths []int, scaleE float64) *problem {
	p := &problem{N: n, T: t, lengths: lengths}
	p.emit = make([]float64, len(lengths)*t*n)
	for i := range p.emit {
		p.emit[i] = rng.NormFloat64() * scaleE
	}
	k := n + 2
	p.trans = make([]float64, k*k)
	for i := range p.trans {
		p.trans[i] = rng.NormFloat64()
	}
	p.allowed = make([]bool, k*k)
	for i := range p.allowed {
		p.allowed[i] = true
	}
	for _, l := range lengths {
		g := make([]int, l)
		for i := range g {
			g[i] = rng.IntN(n)
		}
		p.gold = append(p.gold, g)
	}
	return p
}

// model builds the CRF and emissions tensor of p (emissions require grad).
func (p *problem) model(t *testing.T) (*CRF, *ts.Tensor) {
	t.Helper()
	vs := nn.NewVarStore(gotch.CPU)
	c := New(vs.Root(), p.N)
	vals := make([]float32, len(p.trans))
	for i, v := range p.trans {
		vals[i] = float32(v)
	}
	src, err := torch.FromFloat32s(vals, []int64{int64(p.N + 2), int64(p.N + 2)}, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	torch.NoGrad(func() { c.Trans.Copy_(src) })
	copy(c.allowed, p.allowed)
	ev := make([]float32, len(p.emit))
	for i, v := range p.emit {
		ev[i] = float32(v)
	}
	e, err := torch.FromFloat32s(ev, []int64{int64(len(p.lengths)), int64(p.T), int64(p.N)}, gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	return c, e.MustSetRequiresGrad(true, true)
}

func (p *problem) eff(i int) float64 {
	if !p.allowed[i] {
		return p.trans[i] + Forbidden
	}
	return p.trans[i]
}

// paths calls fn with every tag sequence of length l and its score.
func (p *problem) paths(b, l int, fn func(y []int, score float64)) {
	n, k := p.N, p.N+2
	y := make([]int, l)
	var rec func(pos int)
	rec = func(pos int) {
		if pos == l {
			s := p.eff(n*k+y[0]) + p.eff(y[l-1]*k+n+1)
			for t := 0; t < l; t++ {
				s += float32ish(p.emit[(b*p.T+t)*n+y[t]])
				if t > 0 {
					s += p.eff(y[t-1]*k + y[t])
				}
			}
			fn(y, s)
			return
		}
		for j := 0; j < n; j++ {
			y[pos] = j
			rec(pos + 1)
		}
	}
	rec(0)
}

// roundEmissions makes the brute force round emissions to float32 as the
// implementation's tensors do; finite differences turn it off.
var roundEmissions = true

func float32ish(v float64) float64 {
	if roundEmissions {
		return float64(float32(v))
	}
	return v
}

func (p *problem) bruteLogZ(b int) float64 {
	var scores []float64
	p.paths(b, p.lengths[b], func(_ []int, s float64) { scores = append(scores, s) })
	return logSumExp(scores)
}

func (p *problem) bruteMarginals(b int) []float64 {
	l, n := p.lengths[b], p.N
	logZ := p.bruteLogZ(b)
	m := make([]float64, l*n)
	p.paths(b, l, func(y []int, s float64) {
		w := math.Exp(s - logZ)
		for t, j := range y {
			m[t*n+j] += w
		}
	})
	return m
}

func (p *problem) bruteNLL() float64 {
	var total float64
	for b, g := range p.gold {
		if len(g) == 0 {
			continue
		}
		var gold float64
		p.paths(b, len(g), func(y []int, s float64) {
			if equalInts(y, g) {
				gold = s
			}
		})
		total += p.bruteLogZ(b) - gold
	}
	return total
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNLLMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 5; trial++ {
		p := randomProblem(rng, 3, 4, []int{4, 1, 3, 2}, 1.5)
		c, e := p.model(t)
		loss, err := c.NLL(e, p.gold)
		if err != nil {
			t.Fatal(err)
		}
		got := loss.Float64Values()[0]
		want := p.bruteNLL()
		if math.Abs(got-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("trial %d: NLL %v, brute force %v", trial, got, want)
		}
	}
}

// TestNLLGradientFiniteDifferences compares autograd's gradient of the NLL
// (attached through the surrogate) with central differences of the
// brute-force NLL in float64.
func TestNLLGradientFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := randomProblem(rng, 3, 3, []int{3, 2}, 1)
	c, e := p.model(t)
	loss, err := c.NLL(e, p.gold)
	if err != nil {
		t.Fatal(err)
	}
	loss.MustBackward()
	gradE, _ := torch.Float32s(e.MustGrad(false))
	gradT, _ := torch.Float32s(c.Trans.MustGrad(false))
	const h = 1e-3
	check := func(name string, vals []float64, i int, got float32) {
		old := vals[i]
		vals[i] = old + h
		up := p.bruteNLLExact()
		vals[i] = old - h
		down := p.bruteNLLExact()
		vals[i] = old
		want := (up - down) / (2 * h)
		if math.Abs(float64(got)-want) > 2e-4 {
			t.Errorf("%s[%d]: autograd %v, finite differences %v", name, i, got, want)
		}
	}
	for i := range p.emit {
		check("emissions", p.emit, i, gradE[i])
	}
	for i := range p.trans {
		check("transitions", p.trans, i, gradT[i])
	}
}

// bruteNLLExact is bruteNLL without rounding emissions to float32, for
// finite differences.
func (p *problem) bruteNLLExact() float64 {
	saved := roundEmissions
	roundEmissions = false
	defer func() { roundEmissions = saved }()
	return p.bruteNLL()
}

func TestMarginalsAndPotentialsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := randomProblem(rng, 4, 5, []int{5, 3, 1}, 2)
	// Forbid a few transitions to exercise the constraint mask too.
	for _, i := range []int{1, 7, 12, 4*6 + 2} {
		p.allowed[i] = false
	}
	c, e := p.model(t)
	go64, err := c.Marginals(e, p.lengths)
	if err != nil {
		t.Fatal(err)
	}
	pot, err := c.LogPotentials(e, p.lengths)
	if err != nil {
		t.Fatal(err)
	}
	potVals, _ := torch.Float32s(pot)
	n := p.N
	for b, l := range p.lengths {
		want := p.bruteMarginals(b)
		for tt := 0; tt < l; tt++ {
			row := potVals[(b*p.T+tt)*n : (b*p.T+tt+1)*n]
			soft := softmax32(row)
			var sum float64
			for j := 0; j < n; j++ {
				sum += go64[b][tt*n+j]
				if d := math.Abs(go64[b][tt*n+j] - want[tt*n+j]); d > 1e-6 {
					t.Errorf("sentence %d t=%d tag %d: Go marginal %v, brute force %v", b, tt, j, go64[b][tt*n+j], want[tt*n+j])
				}
				if d := math.Abs(soft[j] - want[tt*n+j]); d > 1e-4 {
					t.Errorf("sentence %d t=%d tag %d: softmax(α+β) %v, brute force %v", b, tt, j, soft[j], want[tt*n+j])
				}
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("sentence %d t=%d: marginals sum to %v", b, tt, sum)
			}
			// logsumexp of the potentials is log Z at every position.
			if lz := logSumExp(f64(row)); math.Abs(lz-p.bruteLogZ(b)) > 1e-3 {
				t.Errorf("sentence %d t=%d: logsumexp(α+β) = %v, log Z = %v", b, tt, lz, p.bruteLogZ(b))
			}
		}
		for tt := l; tt < p.T; tt++ {
			for j := 0; j < n; j++ {
				if v := potVals[(b*p.T+tt)*n+j]; v != 0 {
					t.Errorf("sentence %d padding t=%d: potential %v, want 0", b, tt, v)
				}
			}
		}
	}
}

// TestLogPotentialsGradient checks autograd through the tensor-op
// forward-backward: d/d emissions of Σ w·log P(y_t=j) against finite
// differences of the brute-force marginals.
func TestLogPotentialsGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := randomProblem(rng, 3, 3, []int{3, 2}, 1)
	w := make([]float64, len(p.lengths)*p.T*p.N)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	objective := func() float64 {
		saved := roundEmissions
		roundEmissions = false
		defer func() { roundEmissions = saved }()
		var s float64
		for b, l := range p.lengths {
			m := p.bruteMarginals(b)
			for i := 0; i < l*p.N; i++ {
				s += w[b*p.T*p.N+i] * math.Log(m[i])
			}
		}
		return s
	}
	c, e := p.model(t)
	pot, err := c.LogPotentials(e, p.lengths)
	if err != nil {
		t.Fatal(err)
	}
	wv := make([]float32, len(w))
	for i, v := range w {
		wv[i] = float32(v)
	}
	// Padding rows of pot are 0; their log-softmax is -log N, a constant,
	// so masking w there is not needed for the gradient but is for the value.
	for b, l := range p.lengths {
		for tt := l; tt < p.T; tt++ {
			for j := 0; j < p.N; j++ {
				wv[(b*p.T+tt)*p.N+j] = 0
			}
		}
	}
	wt, _ := torch.FromFloat32s(wv, pot.MustSize(), gotch.CPU)
	obj := pot.MustLogSoftmax(2, gotch.Float, false).MustMul(wt, true).MustSum(gotch.Double, true)
	if got, want := obj.Float64Values()[0], objective(); math.Abs(got-want) > 1e-3 {
		t.Errorf("objective %v, brute force %v", got, want)
	}
	obj.MustBackward()
	grad, _ := torch.Float32s(e.MustGrad(false))
	const h = 1e-3
	for i := range p.emit {
		old := p.emit[i]
		p.emit[i] = old + h
		up := objective()
		p.emit[i] = old - h
		down := objective()
		p.emit[i] = old
		if want := (up - down) / (2 * h); math.Abs(float64(grad[i])-want) > 5e-4 {
			t.Errorf("emission %d: autograd %v, finite differences %v", i, grad[i], want)
		}
	}
}

func TestDecodeMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 5; trial++ {
		p := randomProblem(rng, 3, 5, []int{5, 4, 1}, 2)
		if trial%2 == 1 {
			for _, i := range []int{2, 5, 3*5 + 1} {
				p.allowed[i] = false
			}
		}
		c, e := p.model(t)
		dec, err := c.Decode(e, p.lengths)
		if err != nil {
			t.Fatal(err)
		}
		for b, l := range p.lengths {
			best, bestScore := []int(nil), math.Inf(-1)
			p.paths(b, l, func(y []int, s float64) {
				if s > bestScore {
					best, bestScore = append([]int(nil), y...), s
				}
			})
			d := dec[b]
			if !equalInts(d.Tags, best) {
				t.Errorf("trial %d sentence %d: Viterbi %v, brute force %v", trial, b, d.Tags, best)
			}
			logZ := p.bruteLogZ(b)
			if want := math.Exp(bestScore - logZ); math.Abs(d.PathProb()-want) > 1e-5 {
				t.Errorf("path probability %v, brute force %v", d.PathProb(), want)
			}
			m := p.bruteMarginals(b)
			for tt, y := range d.Tags {
				if math.Abs(d.Prob[tt]-m[tt*p.N+y]) > 1e-6 {
					t.Errorf("token prob %v, brute force %v", d.Prob[tt], m[tt*p.N+y])
				}
			}
			// Span probabilities, with and without an extension tag.
			for s := 0; s < l; s++ {
				for end := s; end < l; end++ {
					for _, extend := range [][]int{nil, {1}} {
						var want float64
						p.paths(b, l, func(y []int, sc float64) {
							if !equalInts(y[s:end+1], d.Tags[s:end+1]) {
								return
							}
							if len(extend) > 0 && end+1 < l && y[end+1] == extend[0] {
								return
							}
							want += math.Exp(sc - logZ)
						})
						if got := d.SpanProb(s, end, extend...); math.Abs(got-want) > 1e-6 {
							t.Errorf("span %d..%d extend %v: %v, brute force %v", s, end, extend, got, want)
						}
					}
				}
			}
		}
	}
}

// TestUnderflowFallsBackToLogSpace uses emissions so extreme that the
// scaled recursion underflows; results must still match brute force.
func TestUnderflowFallsBackToLogSpace(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	p := randomProblem(rng, 3, 3, []int{3}, 1)
	// The only tag with a reasonable emission at t=1 is unreachable from
	// everything, so in the scaled recursion c_1 is exp(-800)·… = 0.
	for tt := 0; tt < 3; tt++ {
		for j := 0; j < 3; j++ {
			p.emit[tt*3+j] = -900
		}
	}
	p.emit[0*3+0], p.emit[1*3+2], p.emit[2*3+0] = 0, 0, 0
	p.allowed[0*5+2] = false
	p.gold = [][]int{{0, 1, 0}}
	c, e := p.model(t)
	ch, err := c.chainOf(e, p.lengths)
	if err != nil {
		t.Fatal(err)
	}
	var lat lattice
	if ch.forwardBackward(0, 3, &lat) {
		t.Fatal("expected the scaled recursion to underflow in this case")
	}
	loss, err := c.NLL(e, p.gold)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loss.Float64Values()[0], p.bruteNLL(); math.Abs(got-want) > 1e-2 {
		t.Errorf("NLL %v, brute force %v", got, want)
	}
	m, _ := c.Marginals(e, p.lengths)
	want := p.bruteMarginals(0)
	for i := range want {
		if math.Abs(m[0][i]-want[i]) > 1e-6 {
			t.Errorf("marginal %d: %v, brute force %v", i, m[0][i], want[i])
		}
	}
}

func TestSchemeConstraints(t *testing.T) {
	labels := []string{"O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"}
	allowed, err := SchemeConstraints(labels, corpus.BIOES)
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]int{"<START>": 9, "<STOP>": 10}
	for i, l := range labels {
		id[l] = i
	}
	cases := []struct {
		from, to string
		ok       bool
	}{
		{"<START>", "B-PER", true}, {"<START>", "I-PER", false}, {"<START>", "E-LOC", false}, {"<START>", "S-LOC", true},
		{"B-PER", "I-PER", true}, {"B-PER", "E-PER", true}, {"B-PER", "E-LOC", false}, {"B-PER", "O", false},
		{"B-PER", "<STOP>", false}, {"I-PER", "<STOP>", false}, {"E-PER", "<STOP>", true}, {"S-LOC", "B-PER", true},
		{"O", "I-LOC", false}, {"O", "S-PER", true}, {"E-PER", "E-PER", false}, {"I-LOC", "I-LOC", true},
	}
	for _, c := range cases {
		if got := allowed(id[c.from], id[c.to]); got != c.ok {
			t.Errorf("BIOES %s→%s allowed = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
	bio := []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}
	allowedBIO, _ := SchemeConstraints(bio, corpus.BIO)
	bioCases := []struct {
		from, to int
		ok       bool
	}{{5, 2, false}, {5, 1, true}, {0, 2, false}, {1, 2, true}, {2, 2, true}, {3, 2, false}, {2, 6, true}, {4, 4, true}}
	for _, c := range bioCases {
		if got := allowedBIO(c.from, c.to); got != c.ok {
			t.Errorf("BIO %d→%d allowed = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
	if _, err := SchemeConstraints(labels, corpus.IOB1); err == nil {
		t.Error("IOB1 constraints should be refused")
	}
}

// TestConstrainedDecodeIsValid: with BIOES constraints the decoded paths of
// random emissions are always valid BIOES.
func TestConstrainedDecodeIsValid(t *testing.T) {
	labels := []string{"O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"}
	allowed, _ := SchemeConstraints(labels, corpus.BIOES)
	rng := rand.New(rand.NewPCG(13, 14))
	p := randomProblem(rng, len(labels), 12, []int{12, 7, 1, 9}, 3)
	c, e := p.model(t)
	c.Constrain(allowed)
	dec, err := c.Decode(e, p.lengths)
	if err != nil {
		t.Fatal(err)
	}
	for b, d := range dec {
		tags := make([]string, len(d.Tags))
		for i, y := range d.Tags {
			tags[i] = labels[y]
		}
		if problems := corpus.Validate(tags, corpus.BIOES); len(problems) > 0 {
			t.Errorf("sentence %d decoded %v: %v", b, tags, problems)
		}
	}
}

func TestNLLRejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	p := randomProblem(rng, 3, 2, []int{2}, 1)
	c, e := p.model(t)
	if _, err := c.NLL(e, [][]int{{0, 5}}); err == nil {
		t.Error("tag id out of range accepted")
	}
	if _, err := c.NLL(e, [][]int{{0, 1, 2}}); err == nil {
		t.Error("sentence longer than the emissions accepted")
	}
	if _, err := c.NLL(e, [][]int{{0}, {1}}); err == nil {
		t.Error("batch size mismatch accepted")
	}
}

// TestAgainstPyTorch runs an independent CRF written with PyTorch autograd
// (testdata/crf_reference.py, Debian's torch on the same libtorch) on the
// same numbers and compares the NLL, its gradients and the marginals.
func TestAgainstPyTorch(t *testing.T) {
	python := shareddata.PythonTorch(t)
	rng := rand.New(rand.NewPCG(17, 18))
	p := randomProblem(rng, 5, 7, []int{7, 3, 5, 1}, 2)
	for _, i := range []int{3, 9, 20} {
		p.allowed[i] = false
	}
	c, e := p.model(t)
	loss, err := c.NLL(e, p.gold)
	if err != nil {
		t.Fatal(err)
	}
	loss.MustBackward()
	gradE, _ := torch.Float32s(e.MustGrad(false))
	gradT, _ := torch.Float32s(c.Trans.MustGrad(false))
	marg, _ := c.Marginals(e, p.lengths)

	in := map[string]any{"N": p.N, "T": p.T, "emit": p.emit, "trans": p.trans, "allowed": p.allowed,
		"lengths": p.lengths, "gold": p.gold, "forbidden": Forbidden}
	data, _ := json.Marshal(in)
	path := filepath.Join(t.TempDir(), "in.json")
	os.WriteFile(path, data, 0o644)
	out, err := exec.Command(python, "testdata/crf_reference.py", path).Output()
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	var ref struct {
		NLL       float64     `json:"nll"`
		GradEmit  []float64   `json:"grad_emit"`
		GradTrans []float64   `json:"grad_trans"`
		Marginals [][]float64 `json:"marginals"`
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatalf("reference output %s: %v", out, err)
	}
	if got := loss.Float64Values()[0]; math.Abs(got-ref.NLL) > 1e-3 {
		t.Errorf("NLL %v, PyTorch %v", got, ref.NLL)
	}
	for i := range gradE {
		if math.Abs(float64(gradE[i])-ref.GradEmit[i]) > 1e-4 {
			t.Errorf("emission grad %d: %v, PyTorch %v", i, gradE[i], ref.GradEmit[i])
		}
	}
	for i := range gradT {
		if math.Abs(float64(gradT[i])-ref.GradTrans[i]) > 1e-4 {
			t.Errorf("transition grad %d: %v, PyTorch %v", i, gradT[i], ref.GradTrans[i])
		}
	}
	for b := range marg {
		for i := range marg[b] {
			if math.Abs(marg[b][i]-ref.Marginals[b][i]) > 1e-5 {
				t.Errorf("marginal %d/%d: %v, PyTorch %v", b, i, marg[b][i], ref.Marginals[b][i])
			}
		}
	}
}

func softmax32(row []float32) []float64 {
	v := f64(row)
	lz := logSumExp(v)
	for i := range v {
		v[i] = math.Exp(v[i] - lz)
	}
	return v
}

func f64(row []float32) []float64 {
	v := make([]float64, len(row))
	for i, x := range row {
		v[i] = float64(x)
	}
	return v
}
