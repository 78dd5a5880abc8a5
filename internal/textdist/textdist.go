// Package textdist measures how far apart two short strings are, for the
// "did you mean" suggestions of commands and config keys.
package textdist

// Edit is the edit distance between a and b with adjacent transpositions
// (the optimal string alignment distance), counted in bytes (command names
// and config keys are ASCII). A swapped pair, the commonest typo
// (trian for train), costs one edit, not Levenshtein's two.
func Edit(a, b string) int {
	// before, prev and cur are the rows of a[:i-2], a[:i-1] and a[:i].
	before := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], before[j-2]+1)
			}
		}
		before, prev, cur = prev, cur, before
	}
	return prev[len(b)]
}
