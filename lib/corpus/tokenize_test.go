package corpus

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := map[string]string{
		"Angela Merkel visited Paris, France.": "Angela|Merkel|visited|Paris|,|France|.",
		"The U.S. economy grew 3.5% in 2019.":  "The|U.S.|economy|grew|3.5|%|in|2019|.",
		`"Don't," she said (quietly).`:         `"|Do|n't|,|"|she|said|(|quietly|)|.`,
		"John's e-mail: john@example.com":      "John|'s|e-mail|:|john@example.com",
		"  spaced\tout \n text ":               "spaced|out|text",
		"":                                     "",
	}
	for in, want := range cases {
		if got := strings.Join(Tokenize(in), "|"); got != want {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}
