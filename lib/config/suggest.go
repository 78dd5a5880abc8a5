package config

import "github.com/nerlab/nerlab/internal/textdist"

// closest returns the candidate nearest to s in edit distance when it is
// near enough to be a likely typo (at most a third of its length, and at
// least 1 edit allowed), else "".
func closest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := textdist.Edit(s, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(len(s)/3, 1)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// didYouMean renders closest as a message suffix.
func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return " (did you mean " + c + "?)"
	}
	return ""
}
