package crf

import "math"

// chain is one batch's emissions and the effective transitions in Go
// memory, with the scratch space the recursions reuse.
type chain struct {
	N, T  int
	emit  []float32 // [B][T][N]
	trans []float64 // (N+2)×(N+2)
	// expTrans[i*N+j] = exp(trans[i][j]) over real tags; expStart/expStop
	// likewise for the start row and stop column.
	expTrans, expStart, expStop []float64
}

func newChain(n, t int, emit []float32, trans []float64) *chain {
	k := n + 2
	ch := &chain{N: n, T: t, emit: emit, trans: trans,
		expTrans: make([]float64, n*n), expStart: make([]float64, n), expStop: make([]float64, n)}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			ch.expTrans[i*n+j] = math.Exp(trans[i*k+j])
		}
		ch.expStart[i] = math.Exp(trans[n*k+i])
		ch.expStop[i] = math.Exp(trans[i*k+n+1])
	}
	return ch
}

// lattice holds the scaled forward-backward quantities of one sentence:
// alpha and beta are Rabiner's scaled variables, so alpha[t]·beta[t] is the
// posterior marginal at t, and logZ = Σ log c + Σ m.
type lattice struct {
	L           int
	e           []float64 // [L][N] exp(emit - rowMax)
	alpha, beta []float64 // [L][N]
	c           []float64 // [L+1] scale factors; c[L] is the stop step
	logZ        float64
}

// forwardBackward computes the lattice of sentence b of length l. It
// returns false when scaling underflowed (a sentence whose every path is
// forbidden or vanishingly unlikely); callers then use the log-space code.
func (ch *chain) forwardBackward(b, l int, lat *lattice) bool {
	n := ch.N
	lat.L = l
	lat.e = grow(lat.e, l*n)
	lat.alpha = grow(lat.alpha, l*n)
	lat.beta = grow(lat.beta, l*n)
	lat.c = grow(lat.c, l+1)
	em := ch.emit[b*ch.T*n:]
	shift := 0.0
	for t := 0; t < l; t++ {
		row := em[t*n : t*n+n]
		m := float64(row[0])
		for _, v := range row[1:] {
			m = max(m, float64(v))
		}
		shift += m
		for j, v := range row {
			lat.e[t*n+j] = math.Exp(float64(v) - m)
		}
	}
	// Forward.
	var sum float64
	for j := 0; j < n; j++ {
		v := ch.expStart[j] * lat.e[j]
		lat.alpha[j] = v
		sum += v
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return false
	}
	lat.c[0] = sum
	scale(lat.alpha[:n], 1/sum)
	for t := 1; t < l; t++ {
		prev, cur := lat.alpha[(t-1)*n:t*n], lat.alpha[t*n:(t+1)*n]
		clear(cur)
		for i, a := range prev {
			if a == 0 {
				continue
			}
			row := ch.expTrans[i*n : i*n+n]
			for j, w := range row {
				cur[j] += a * w
			}
		}
		sum = 0
		for j := range cur {
			cur[j] *= lat.e[t*n+j]
			sum += cur[j]
		}
		if !(sum > 0) || math.IsInf(sum, 0) {
			return false
		}
		lat.c[t] = sum
		scale(cur, 1/sum)
	}
	last := lat.alpha[(l-1)*n : l*n]
	sum = 0
	for i, a := range last {
		sum += a * ch.expStop[i]
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return false
	}
	lat.c[l] = sum
	// Backward, with the same scale factors.
	for i := 0; i < n; i++ {
		lat.beta[(l-1)*n+i] = ch.expStop[i] / lat.c[l]
	}
	for t := l - 2; t >= 0; t-- {
		next, cur := lat.beta[(t+1)*n:(t+2)*n], lat.beta[t*n:(t+1)*n]
		en := lat.e[(t+1)*n : (t+2)*n]
		inv := 1 / lat.c[t+1]
		for i := 0; i < n; i++ {
			row := ch.expTrans[i*n : i*n+n]
			var s float64
			for j, w := range row {
				s += w * en[j] * next[j]
			}
			cur[i] = s * inv
		}
	}
	lat.logZ = shift
	for _, c := range lat.c[:l+1] {
		lat.logZ += math.Log(c)
	}
	return true
}

func scale(v []float64, f float64) {
	for i := range v {
		v[i] *= f
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n)
}

// logForwardBackward is the same computation in log space: slower, but it
// cannot underflow. It fills logAlpha/logBeta ([L][N], alpha including the
// emission at t, beta excluding it) and returns logZ.
func (ch *chain) logForwardBackward(b, l int, logAlpha, logBeta []float64) float64 {
	n, k := ch.N, ch.N+2
	em := ch.emit[b*ch.T*n:]
	terms := make([]float64, n)
	for j := 0; j < n; j++ {
		logAlpha[j] = ch.trans[n*k+j] + float64(em[j])
	}
	for t := 1; t < l; t++ {
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				terms[i] = logAlpha[(t-1)*n+i] + ch.trans[i*k+j]
			}
			logAlpha[t*n+j] = logSumExp(terms) + float64(em[t*n+j])
		}
	}
	for i := 0; i < n; i++ {
		logBeta[(l-1)*n+i] = ch.trans[i*k+n+1]
	}
	for t := l - 2; t >= 0; t-- {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				terms[j] = ch.trans[i*k+j] + float64(em[(t+1)*n+j]) + logBeta[(t+1)*n+j]
			}
			logBeta[t*n+i] = logSumExp(terms)
		}
	}
	for i := 0; i < n; i++ {
		terms[i] = logAlpha[(l-1)*n+i] + ch.trans[i*k+n+1]
	}
	return logSumExp(terms)
}

func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

// goldScore is the score of tags (length l) for sentence b.
func (ch *chain) goldScore(b int, tags []int) float64 {
	n, k := ch.N, ch.N+2
	em := ch.emit[b*ch.T*n:]
	l := len(tags)
	if l == 0 {
		return ch.trans[n*k+n+1]
	}
	s := ch.trans[n*k+tags[0]] + ch.trans[tags[l-1]*k+n+1]
	for t, y := range tags {
		s += float64(em[t*n+y])
		if t > 0 {
			s += ch.trans[tags[t-1]*k+y]
		}
	}
	return s
}

// viterbi returns the best path of sentence b (length l) and its score.
// back is scratch of at least l*N ints.
func (ch *chain) viterbi(b, l int, path []int, back []int32) float64 {
	n, k := ch.N, ch.N+2
	em := ch.emit[b*ch.T*n:]
	prev := make([]float64, n)
	cur := make([]float64, n)
	for j := 0; j < n; j++ {
		prev[j] = ch.trans[n*k+j] + float64(em[j])
	}
	for t := 1; t < l; t++ {
		for j := 0; j < n; j++ {
			best, arg := math.Inf(-1), 0
			for i := 0; i < n; i++ {
				if s := prev[i] + ch.trans[i*k+j]; s > best {
					best, arg = s, i
				}
			}
			cur[j] = best + float64(em[t*n+j])
			back[t*n+j] = int32(arg)
		}
		prev, cur = cur, prev
	}
	best, arg := math.Inf(-1), 0
	for i := 0; i < n; i++ {
		if s := prev[i] + ch.trans[i*k+n+1]; s > best {
			best, arg = s, i
		}
	}
	path[l-1] = arg
	for t := l - 1; t > 0; t-- {
		path[t-1] = int(back[t*n+path[t]])
	}
	return best
}
