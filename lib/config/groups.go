package config

import "cmp"

// GroupLRMultipliers are the learning-rate multipliers of parameter
// groups, by the first segment of the parameters' names: the trainer
// gives each listed group its own rate. The CRF's (crf.transitions) is
// train.crf_lr_multiplier unless train.lr_multipliers names crf (Validate
// refuses both).
func (t Train) GroupLRMultipliers() map[string]float64 {
	m := map[string]float64{"crf": cmp.Or(t.CRFLRMultiplier, 1)}
	for group, x := range t.LRMultipliers {
		m[group] = x
	}
	return m
}
