package retrieve

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nerlab/nerlab/lib/wiki"
)

// Passage is the unit that is indexed and retrieved: a window of an
// article's sentences, with the article's title.
type Passage struct {
	ID        string `json:"id"` // ArticleID-N
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Text      string `json:"text"`
}

// PassageOptions size the passages.
type PassageOptions struct {
	Sentences int `json:"sentences"` // sentences per passage (default 3)
	Stride    int `json:"stride"`    // sentences between passage starts (default Sentences: no overlap)
	MaxChars  int `json:"max_chars"` // a passage stops growing at this many characters (default 1000; at least one sentence)
}

func (o PassageOptions) withDefaults() PassageOptions {
	if o.Sentences <= 0 {
		o.Sentences = 3
	}
	if o.Stride <= 0 {
		o.Stride = o.Sentences
	}
	if o.MaxChars <= 0 {
		o.MaxChars = 1000
	}
	return o
}

// Validate checks the options.
func (o PassageOptions) Validate() error {
	if o.Stride > 0 && o.Sentences > 0 && o.Stride > o.Sentences {
		return fmt.Errorf("passage stride %d is larger than the window of %d sentences: sentences would be skipped", o.Stride, o.Sentences)
	}
	return nil
}

// Passages splits an article into passages of consecutive sentences
// (its anchors play no part: passages are searched as plain text).
func Passages(a *wiki.Article, opt PassageOptions) []Passage {
	opt = opt.withDefaults()
	var sents []string
	for _, p := range a.Paragraphs {
		sents = append(sents, SplitSentences(p)...)
	}
	var out []Passage
	for start := 0; start < len(sents); start += opt.Stride {
		var b strings.Builder
		end := start
		for end < len(sents) && end < start+opt.Sentences {
			if b.Len() > 0 && b.Len()+1+len(sents[end]) > opt.MaxChars {
				break
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(sents[end])
			end++
		}
		out = append(out, Passage{ID: fmt.Sprintf("%s-%d", a.ID, len(out)), ArticleID: a.ID, Title: a.Title, Text: b.String()})
		if end >= len(sents) {
			break
		}
	}
	return out
}

// abbreviations end in a period without ending a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"vs": true, "etc": true, "e.g": true, "i.e": true, "cf": true, "no": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "gen": true, "col": true, "lt": true, "sgt": true, "capt": true, "fig": true,
	"u.s": true, "u.k": true, "approx": true, "c": true, "ca": true, "jan": true, "feb": true, "mar": true,
	"apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true, "oct": true, "nov": true,
	"dec": true, "mt": true, "ft": true, "vol": true, "ed": true, "rev": true, "op": true,
}

// SplitSentences splits text at a period, question or exclamation mark
// (and closing quotes or brackets after it) followed by a space and an
// upper-case letter, digit or opening quote — except after common
// abbreviations and single-letter initials (J. R. R. Tolkien).
func SplitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(text) && strings.IndexByte(`"')]`+"\u201d", text[j]) >= 0 {
			j++
		}
		if j >= len(text) || text[j] != ' ' {
			continue
		}
		k := j
		for k < len(text) && text[k] == ' ' {
			k++
		}
		if k >= len(text) {
			continue
		}
		next, _ := utf8.DecodeRuneInString(text[k:])
		if !unicode.IsUpper(next) && !unicode.IsDigit(next) && next != '"' && next != '\'' && next != '\u201c' && next != '(' {
			continue
		}
		if c == '.' {
			w := lastWord(text[start:i])
			if abbreviations[strings.ToLower(w)] || (utf8.RuneCountInString(w) == 1 && unicode.IsUpper(firstRune(w))) {
				continue
			}
		}
		if s := strings.TrimSpace(text[start:j]); s != "" {
			out = append(out, s)
		}
		start = k
		i = k - 1
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func lastWord(s string) string {
	i := strings.LastIndexAny(s, " (\"'")
	return s[i+1:]
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
