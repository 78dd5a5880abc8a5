package textdist

import "testing"

func TestEdit(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"hiden_size", "hidden_size", 1}, {"train", "rtain", 1}, {"trian", "train", 1}, {"ca", "abc", 3}, {"abcd", "badc", 2}, {"same", "same", 0}}
	for _, c := range cases {
		if got := Edit(c.a, c.b); got != c.want {
			t.Errorf("Edit(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Edit(c.b, c.a); got != c.want {
			t.Errorf("Edit(%q, %q) = %d, not symmetric", c.b, c.a, got)
		}
	}
}
