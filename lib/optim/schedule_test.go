package optim

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// epoch is what one Observe should leave behind.
type epoch struct {
	metric   float64
	improved bool
	lr       float64
	bad      int // BadEpochs (flair's num_bad_epochs)
	column   int // BAD_EPOCHS in loss.tsv
	done     bool
}

// TestAnnealOnPlateauSequences walks flair's AnnealOnPlateau by hand
// through whole trainings.
func TestAnnealOnPlateauSequences(t *testing.T) {
	cases := []struct {
		name   string
		sched  AnnealOnPlateau
		epochs []epoch
	}{
		{
			// patience 2: the third bad epoch (count 3 > 2) halves the LR and
			// resets the count; ties are not improvements; training stops
			// once LR < MinLR.
			name:  "patience 2, max mode",
			sched: AnnealOnPlateau{LR: 0.1, Factor: 0.5, Patience: 2, MinLR: 0.02},
			epochs: []epoch{
				{0.50, true, 0.1, 0, 0, false},
				{0.60, true, 0.1, 0, 0, false},
				{0.60, false, 0.1, 1, 1, false}, // a tie is a bad epoch
				{0.55, false, 0.1, 2, 2, false},
				{0.58, false, 0.05, 0, 3, false}, // 3 > 2: anneal, flair writes patience+1
				{0.59, false, 0.05, 1, 1, false}, // still below the best 0.60
				{0.61, true, 0.05, 0, 0, false},
				{0.30, false, 0.05, 1, 1, false},
				{0.30, false, 0.05, 2, 2, false},
				{0.30, false, 0.025, 0, 3, false},
				{0.30, false, 0.025, 1, 1, false},
				{0.30, false, 0.025, 2, 2, false},
				{0.30, false, 0.0125, 0, 3, true}, // 0.0125 < 0.02: stop
			},
		},
		{
			// Extra patience delays only the first anneal, and flair adds it
			// to that epoch's BAD_EPOCHS.
			name:  "initial extra patience",
			sched: AnnealOnPlateau{LR: 1, Factor: 0.5, Patience: 1, InitialExtraPatience: 2, MinLR: 0.125},
			epochs: []epoch{
				{0.5, true, 1, 0, 0, false},
				{0.4, false, 1, 1, 1, false},
				{0.4, false, 1, 2, 2, false},
				{0.4, false, 1, 3, 3, false},
				{0.4, false, 0.5, 0, 4, false}, // 4 > 1+2; column 1+1+2
				{0.4, false, 0.5, 1, 1, false},
				{0.4, false, 0.25, 0, 2, false}, // 2 > 1: extra patience used up
				{0.4, false, 0.25, 1, 1, false},
				{0.4, false, 0.125, 0, 2, false}, // 0.125 is not < 0.125
				{0.4, false, 0.125, 1, 1, false},
				{0.4, false, 0.0625, 0, 2, true},
			},
		},
		{
			name:  "patience 0, min mode on a loss",
			sched: AnnealOnPlateau{LR: 0.2, Factor: 0.5, Patience: 0, Mode: "min", MinLR: 0.04},
			epochs: []epoch{
				{3.0, true, 0.2, 0, 0, false},
				{2.0, true, 0.2, 0, 0, false},
				{2.5, false, 0.1, 0, 1, false}, // 1 > 0
				{1.0, true, 0.1, 0, 0, false},
				{1.0, false, 0.05, 0, 1, false},
				{1.1, false, 0.025, 0, 1, true},
			},
		},
		{
			// NaN (a diverged dev evaluation) counts as a bad epoch and
			// never becomes the best.
			name:  "NaN metric",
			sched: AnnealOnPlateau{LR: 0.1, Factor: 0.5, Patience: 1, MinLR: 0.01},
			epochs: []epoch{
				{math.NaN(), false, 0.1, 1, 1, false},
				{0.2, true, 0.1, 0, 0, false},
				{math.NaN(), false, 0.1, 1, 1, false},
				{0.1, false, 0.05, 0, 2, false},
				{0.21, true, 0.05, 0, 0, false},
			},
		},
		{
			// flair ignores a decrease of at most 1e-8 (its eps): the
			// counter still resets, the LR and BAD_EPOCHS column do not move.
			name:  "reduction below flair's eps",
			sched: AnnealOnPlateau{LR: 1.5e-8, Factor: 0.5, Patience: 0, MinLR: 1e-9},
			epochs: []epoch{
				{0.5, true, 1.5e-8, 0, 0, false},
				{0.4, false, 1.5e-8, 0, 0, false},
				{0.4, false, 1.5e-8, 0, 0, false},
			},
		},
		{
			// PyTorch ReduceLROnPlateau's relative threshold (CLNER's trainer):
			// improving means beating best·(1+1e-2).
			name:  "relative threshold",
			sched: AnnealOnPlateau{LR: 0.1, Factor: 0.5, Patience: 5, Threshold: 0.01},
			epochs: []epoch{
				{0.500, true, 0.1, 0, 0, false},
				{0.504, false, 0.1, 1, 1, false},
				{0.506, true, 0.1, 0, 0, false},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.sched
			if err := a.Check(); err != nil {
				t.Fatal(err)
			}
			for i, e := range tc.epochs {
				improved := a.Observe(e.metric)
				if improved != e.improved || a.LR != e.lr || a.BadEpochs != e.bad || a.BadEpochsColumn() != e.column || a.Done() != e.done {
					t.Fatalf("epoch %d (metric %v): improved %v lr %v bad %d column %d done %v; want %v %v %d %d %v",
						i+1, e.metric, improved, a.LR, a.BadEpochs, a.BadEpochsColumn(), a.Done(),
						e.improved, e.lr, e.bad, e.column, e.done)
				}
			}
		})
	}
}

func TestAnnealOnPlateauJSONRoundTrip(t *testing.T) {
	metrics := []float64{0.5, 0.6, 0.6, 0.55, 0.58, 0.59, 0.61, 0.3, 0.3, 0.3}
	whole := NewAnnealOnPlateau(0.1, 0.5, 2, 0.02)
	for _, m := range metrics {
		whole.Observe(m)
	}
	first := NewAnnealOnPlateau(0.1, 0.5, 2, 0.02)
	for _, m := range metrics[:5] {
		first.Observe(m)
	}
	data, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"LR":0.05`, `"BadEpochs":0`, `"Best":0.6`, `"HasBest":true`, `"Changed":true`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON %s lacks %s", data, key)
		}
	}
	var resumed AnnealOnPlateau
	if err := json.Unmarshal(data, &resumed); err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics[5:] {
		resumed.Observe(m)
	}
	if !reflect.DeepEqual(&resumed, whole) {
		t.Fatalf("resumed %+v, uninterrupted %+v", resumed, *whole)
	}
	// Before any epoch the state must encode too (no ±Inf best).
	if _, err := json.Marshal(NewAnnealOnPlateau(0.1, 0.5, 3, 1e-4)); err != nil {
		t.Fatal(err)
	}
}

func TestAnnealOnPlateauCheck(t *testing.T) {
	bad := []AnnealOnPlateau{
		{LR: 0, Factor: 0.5},
		{LR: 0.1, Factor: 1},
		{LR: 0.1, Factor: 0.5, Patience: -1},
		{LR: 0.1, Factor: 0.5, Mode: "maximum"},
		{LR: 0.1, Factor: 0.5, Threshold: -0.1},
	}
	for _, a := range bad {
		if a.Check() == nil {
			t.Errorf("Check accepted %+v", a)
		}
	}
}

func TestLinearWarmupDecay(t *testing.T) {
	cases := []struct {
		name  string
		sched LinearWarmupDecay
		want  []float64 // LR before step 0, 1, 2, ...
	}{
		// Warmup 4 of 10: 0 at the first step, the peak at step 4, then down
		// by 1/6 of it per step to 0 at step 10, and 0 beyond.
		{"warmup then decay", LinearWarmupDecay{Peak: 0.6, Warmup: 4, Total: 10},
			[]float64{0, 0.15, 0.3, 0.44999999999999996, 0.6, 0.5, 0.39999999999999997, 0.3, 0.19999999999999998, 0.09999999999999999, 0, 0}},
		{"no warmup", LinearWarmupDecay{Peak: 1, Warmup: 0, Total: 4},
			[]float64{1, 0.75, 0.5, 0.25, 0, 0}},
		{"warmup is everything", LinearWarmupDecay{Peak: 1, Warmup: 2, Total: 2},
			[]float64{0, 0.5, 0, 0}},
		{"empty schedule", LinearWarmupDecay{Peak: 1}, []float64{0, 0}},
	}
	for _, tc := range cases {
		s := tc.sched
		for k, w := range tc.want {
			// Exact: the same float64 expression as flair's lambda.
			if got := s.LR(); got != w {
				t.Errorf("%s: LR at step %d = %.17g, want %.17g", tc.name, k, got, w)
			}
			s.Advance()
		}
		if s.Step != len(tc.want) || !s.Done() {
			t.Errorf("%s: Step %d Done %v after %d advances", tc.name, s.Step, s.Done(), len(tc.want))
		}
	}
}

func TestLinearWarmupDecayJSONRoundTrip(t *testing.T) {
	s := LinearWarmupDecay{Peak: 5e-5, Warmup: 100, Total: 1000}
	for range 250 {
		s.Advance()
	}
	data, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"Peak":0.00005,"Warmup":100,"Total":1000,"Step":250}` {
		t.Fatalf("JSON %s", data)
	}
	var back LinearWarmupDecay
	if err := json.Unmarshal(data, &back); err != nil || back != s || back.LR() != s.LR() {
		t.Fatalf("round trip gave %+v (%v), want %+v", back, err, s)
	}
}

func TestFlairLinearSteps(t *testing.T) {
	cases := []struct {
		size, batch, epochs int
		fraction            float64
		total, warmup       int
	}{
		// (100+31)/32 = 4.09375 steps per epoch; ×20 = 81.875 → 81, where a
		// ceiling would give 80. Warmup int(8.1) = 8.
		{100, 32, 20, 0.1, 81, 8},
		{64, 32, 3, 0.1, 8, 0}, // (95/32)·3 = 8.90625 → 8; warmup int(0.8) = 0
		{1000, 10, 1, 0.25, 100, 25},
	}
	for _, tc := range cases {
		total, warmup, err := FlairLinearSteps(tc.size, tc.batch, tc.epochs, tc.fraction)
		if err != nil || total != tc.total || warmup != tc.warmup {
			t.Errorf("FlairLinearSteps(%d, %d, %d, %v) = %d, %d, %v; want %d, %d", tc.size, tc.batch, tc.epochs, tc.fraction, total, warmup, err, tc.total, tc.warmup)
		}
	}
	if _, _, err := FlairLinearSteps(10, 0, 1, 0.1); err == nil {
		t.Error("batch size 0 accepted")
	}
	if _, _, err := FlairLinearSteps(10, 2, 1, 1.5); err == nil {
		t.Error("warmup fraction 1.5 accepted")
	}
}
