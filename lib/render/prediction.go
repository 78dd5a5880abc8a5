package render

import (
	"fmt"
	"hash/fnv"
	"html"
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
)

// typeColours are ANSI background colours (SGR codes) for entity types; the
// common CoNLL types keep fixed colours so a session reads the same every
// time, others are picked by a hash of the type name.
var typeColours = map[string]int{"PER": 44, "LOC": 42, "ORG": 43, "MISC": 45,
	"person": 44, "location": 42, "corporation": 43, "group": 46, "product": 45, "creative-work": 41}

var spareColours = []int{41, 42, 43, 44, 45, 46, 101, 102, 103, 104, 105, 106}

// colourOf returns the background SGR code of an entity type.
func colourOf(typ string) int {
	if c, ok := typeColours[typ]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(typ))
	return spareColours[h.Sum32()%uint32(len(spareColours))]
}

// markColours are light background colours for entity marks in HTML (the
// usual CoNLL and WNUT types fixed, others picked by a hash of the type).
var markColours = map[string]string{"PER": "#aa9cfc", "ORG": "#7aecec", "LOC": "#feca74", "MISC": "#ff9561",
	"person": "#aa9cfc", "corporation": "#7aecec", "location": "#feca74", "group": "#c887fb",
	"product": "#bfeeb7", "creative-work": "#ffeb80"}

var spareMarkColours = []string{"#e4e7d2", "#bfe1d9", "#f0d0ff", "#ddd3c4", "#c7f0e8", "#ffd7b5", "#d6e4ff", "#e8f5b7"}

func markColour(typ string) string {
	if c, ok := markColours[typ]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(typ))
	return spareMarkColours[h.Sum32()%uint32(len(spareMarkColours))]
}

// Highlight renders a prediction as one line of text with its entities
// marked: with colour, each entity on a background of its type's colour
// followed by the type; without, as [text]TYPE.
func Highlight(p *corpus.Prediction, colour bool) string {
	var b strings.Builder
	walkEntities(p, func(tok string) {
		b.WriteString(tok)
		b.WriteByte(' ')
	}, func(e corpus.Entity, text string) {
		if colour {
			fmt.Fprintf(&b, "\x1b[30;%dm %s \x1b[1m%s \x1b[0m ", colourOf(e.Type), text, e.Type)
		} else {
			fmt.Fprintf(&b, "[%s]%s ", text, e.Type)
		}
	})
	return strings.TrimRight(b.String(), " ")
}

// PredictionHTML renders a prediction as HTML: the sentence with each
// entity marked in its type's colour, the type beside it, and the
// confidence in the mark's tooltip.
func PredictionHTML(p *corpus.Prediction) string {
	var b strings.Builder
	b.WriteString(`<div class="nerlab-entities" style="line-height:2.4;font-family:sans-serif">`)
	walkEntities(p, func(tok string) {
		b.WriteString(html.EscapeString(tok) + " ")
	}, func(e corpus.Entity, text string) {
		fmt.Fprintf(&b, `<mark title="%s %.3f" style="background:%s;padding:0.2em 0.4em;margin:0 0.15em;border-radius:0.35em">%s`+
			`<span style="font-size:0.7em;font-weight:bold;margin-left:0.5em;text-transform:uppercase">%s</span></mark> `,
			html.EscapeString(e.Type), e.Confidence, markColour(e.Type), html.EscapeString(text), html.EscapeString(e.Type))
	})
	b.WriteString("</div>")
	return b.String()
}

// TagsPrediction turns a tag sequence (gold, or any other) into a
// Prediction with probability 1, so that Highlight and PredictionHTML show
// it like a tagger's; tags of another length than tokens give no entities.
func TagsPrediction(tokens, tags []string) *corpus.Prediction {
	p := &corpus.Prediction{Tokens: tokens, Tags: tags}
	if len(tags) == len(tokens) {
		for _, sp := range corpus.Spans(tags) {
			p.Entities = append(p.Entities, corpus.Entity{Start: sp.Start, End: sp.End, Type: sp.Type,
				Text: strings.Join(tokens[sp.Start:sp.End], " "), Confidence: 1})
		}
	}
	return p
}

// walkEntities visits a prediction left to right: token for each token
// outside an entity, entity for each entity with its words joined.
// Overlapping or out-of-range entities, which the tagger never produces,
// are skipped.
func walkEntities(p *corpus.Prediction, token func(string), entity func(corpus.Entity, string)) {
	next := 0
	for _, e := range p.Entities {
		if e.Start < next || e.End > len(p.Tokens) {
			continue
		}
		for _, tok := range p.Tokens[next:e.Start] {
			token(tok)
		}
		entity(e, strings.Join(p.Tokens[e.Start:e.End], " "))
		next = e.End
	}
	for _, tok := range p.Tokens[next:] {
		token(tok)
	}
}
