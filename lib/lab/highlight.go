package lab

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/nerlab/nerlab/lib/tagger"
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

// Highlight renders a prediction as one line of text with its entities
// marked: with colour, each entity on a background of its type's colour
// followed by the type; without, as [text]TYPE.
func Highlight(p *tagger.Prediction, colour bool) string {
	var b strings.Builder
	walkEntities(p, func(tok string) {
		b.WriteString(tok)
		b.WriteByte(' ')
	}, func(e tagger.Entity, text string) {
		if colour {
			fmt.Fprintf(&b, "\x1b[30;%dm %s \x1b[1m%s \x1b[0m ", colourOf(e.Type), text, e.Type)
		} else {
			fmt.Fprintf(&b, "[%s]%s ", text, e.Type)
		}
	})
	return strings.TrimRight(b.String(), " ")
}

// walkEntities visits a prediction left to right: token for each token
// outside an entity, entity for each entity with its words joined.
// Overlapping or out-of-range entities, which the tagger never produces,
// are skipped.
func walkEntities(p *tagger.Prediction, token func(string), entity func(tagger.Entity, string)) {
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
