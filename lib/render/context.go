package render

import (
	"fmt"
	"html"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/retrieve"
)

// ContextText renders a sentence of a context view for a terminal: the
// sentence with its gold entities, then its passages with the sentence's
// words marked (underlined with colour, *starred* without).
func ContextText(cv retrieve.ContextView, colour bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sentence %d (line %d): %s\n", cv.Sentence, cv.Line, Highlight(TagsPrediction(cv.Tokens, cv.Tags), colour))
	if len(cv.Passages) == 0 {
		b.WriteString("no passages retrieved")
	}
	words := queryWords(cv.Tokens)
	for i, p := range cv.Passages {
		fmt.Fprintf(&b, "%d. %s  (%s; search %.2f, rerank %.3f; %d tokens)\n   ", i+1, p.Title, p.ID, p.Score, p.Rerank, p.Used)
		writeMarkedText(&b, p.Tokens, words, colour)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n")
}

// ContextHTML renders a sentence of a context view: the sentence with its
// gold entities marked, then each passage of its context with the
// sentence's words highlighted.
func ContextHTML(cv retrieve.ContextView) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="nerlab-context"><p style="color:#888;font-size:0.8em">sentence %d · line %d · %d passages</p>`,
		cv.Sentence, cv.Line, len(cv.Passages))
	b.WriteString(PredictionHTML(TagsPrediction(cv.Tokens, cv.Tags)))
	b.WriteString(`<ol style="border-left:3px solid #ddd;padding-left:2em">`)
	words := queryWords(cv.Tokens)
	for _, p := range cv.Passages {
		fmt.Fprintf(&b, `<li><b>%s</b> <span style="color:#888;font-size:0.8em">%s · search %.2f · rerank %.3f · %d tokens</span><br/>`,
			html.EscapeString(p.Title), html.EscapeString(p.ID), p.Score, p.Rerank, p.Used)
		writeMarkedHTML(&b, p.Tokens, words)
		b.WriteString("</li>")
	}
	b.WriteString("</ol></div>")
	return b.String()
}

// HitsHTML renders retrieved passages with the query's words highlighted.
func HitsHTML(query []string, ranked []retrieve.Ranked) string {
	words := queryWords(query)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="nerlab-search"><p><b>%s</b></p><ol>`, html.EscapeString(strings.Join(query, " ")))
	for _, r := range ranked {
		fmt.Fprintf(&b, `<li><b>%s</b> <span style="color:#888;font-size:0.8em">%s · search %.2f · rerank %.3f</span><br/>`,
			html.EscapeString(r.Title), html.EscapeString(r.ID), r.Score, r.Rerank)
		writeMarkedHTML(&b, corpus.Tokenize(r.Text), words)
		b.WriteString("</li>")
	}
	b.WriteString("</ol></div>")
	return b.String()
}

// plainWords are frequent English words longer than two characters that
// would light up every passage if highlighted.
var plainWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for are was were been has have had not but you your all
		any can its his her him she they them their our out who what when where which will with
		would this that these those from into than then there here also just about how why did does`) {
		plainWords[w] = true
	}
}

// queryWords is the set of a query's words worth highlighting in what it
// retrieved: lower-cased, longer than two characters and not among
// plainWords (so "a", "the" and punctuation stay plain).
func queryWords(query []string) map[string]bool {
	words := map[string]bool{}
	for _, t := range query {
		if t = strings.ToLower(t); len([]rune(t)) > 2 && !plainWords[t] {
			words[t] = true
		}
	}
	return words
}

// writeMarked writes tokens separated by spaces, those in words (lower
// case) through marked and the others through plain.
func writeMarked(b *strings.Builder, tokens []string, words map[string]bool, plain, marked func(string) string) {
	for i, tok := range tokens {
		if i > 0 {
			b.WriteByte(' ')
		}
		if words[strings.ToLower(tok)] {
			b.WriteString(marked(tok))
		} else {
			b.WriteString(plain(tok))
		}
	}
}

// writeMarkedHTML escapes tokens and highlights those in words.
func writeMarkedHTML(b *strings.Builder, tokens []string, words map[string]bool) {
	writeMarked(b, tokens, words, html.EscapeString, func(tok string) string {
		return `<mark style="background:#fff3a3">` + html.EscapeString(tok) + `</mark>`
	})
}

// writeMarkedText underlines (with colour) or *stars* (without) the
// tokens in words.
func writeMarkedText(b *strings.Builder, tokens []string, words map[string]bool, colour bool) {
	writeMarked(b, tokens, words, func(tok string) string { return tok }, func(tok string) string {
		if colour {
			return "\x1b[1;4m" + tok + "\x1b[0m"
		}
		return "*" + tok + "*"
	})
}
