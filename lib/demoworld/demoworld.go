// Package demoworld generates nerlab's offline demo world for retrieval-
// augmented NER: invented entities whose type (person, place,
// organisation, product) is stated in generated encyclopedia articles,
// and NER sentences whose wording leaves the type open. Names are made
// from syllables; by default half of them end in one of their type's
// endings (-holm, -tex, ...), a clue the sentence alone gives, and the
// rest carry none. The entities of the dev and test sentences never occur
// in training, so a tagger of the sentences alone can type only the names
// with a clue, while one that reads retrieved articles can type them all:
// the gap CLNER's cooperative learning narrows. Everything comes from a
// seed: the world is reproducible and holds no third-party text.
package demoworld

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/nerlab/nerlab/internal/safefile"
)

// Options size the world.
type Options struct {
	Seed            uint64
	EntitiesPerType [3]int // train, dev, test entities per type (default 400, 50, 50: training names rarely repeat, so a tagger cannot learn them by heart)
	Sentences       [3]int // train, dev, test sentences (default 1500, 300, 300)
	// NameCue is the share of names whose last word ends in one of its
	// type's endings (-holm for a place, -tek for a company, ...): a weak
	// clue a tagger can learn from the sentence alone. 0 keeps names free
	// of any clue, so only retrieved articles tell the type.
	NameCue float64
}

// Defaults returns the demo's options.
func Defaults() Options {
	return Options{Seed: 7, EntitiesPerType: [3]int{400, 50, 50}, Sentences: [3]int{1500, 300, 300}, NameCue: 0.5}
}

// Types are the entity types of the world.
var Types = []string{"PER", "LOC", "ORG", "PRODUCT"}

type entity struct {
	name []string
	typ  string
	desc []string // article sentences
}

type gen struct {
	rng  *rand.Rand
	used map[string]bool
}

var (
	onsets = []string{"b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr", "st", "tr", "sh"}
	vowels = []string{"a", "e", "i", "o", "u", "ai", "ea", "io", "ou"}
	codas  = []string{"", "", "", "n", "r", "l", "s", "th", "m", "k"}
)

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// word is an invented capitalised word of 2 or 3 syllables.
func (g *gen) word() string {
	for {
		var b strings.Builder
		for i, n := 0, 2+g.rng.IntN(2); i < n; i++ {
			b.WriteString(g.pick(onsets) + g.pick(vowels))
		}
		b.WriteString(g.pick(codas))
		w := strings.ToUpper(b.String()[:1]) + b.String()[1:]
		if !g.used[w] {
			g.used[w] = true
			return w
		}
	}
}

// endings are the type clues of Options.NameCue. None can end a word of
// word (no coda has their last letters), so a name carries a clue only
// when the generator gave it one.
var endings = map[string][]string{
	"PER":     {"ard", "ovic", "ild"},
	"LOC":     {"holm", "burg", "wick"},
	"ORG":     {"corp", "ix", "tex"},
	"PRODUCT": {"ette", "ium", "oid"},
}

// name is one or two invented words; with probability cue the last ends
// in one of typ's endings.
func (g *gen) name(typ string, cue float64) []string {
	var n []string
	if g.rng.IntN(2) == 0 { // draws in the order of worlds without clues, which stay as they were
		n = []string{g.word()}
	} else {
		n = []string{g.word(), g.word()}
	}
	if cue > 0 && g.rng.Float64() < cue {
		for {
			w := n[len(n)-1] + g.pick(endings[typ])
			if !g.used[w] {
				g.used[w] = true
				n[len(n)-1] = w
				break
			}
		}
	}
	return n
}

// article writes the sentences that state an entity's type. Only the
// first names the entity (the others say "it", "the town", ...), so a
// passage that retrieval finds by the name states the type.
func (g *gen) article(e *entity, places, orgs []*entity) {
	n := strings.Join(e.name, " ")
	place := strings.Join(places[g.rng.IntN(len(places))].name, " ")
	org := strings.Join(orgs[g.rng.IntN(len(orgs))].name, " ")
	year := 1700 + g.rng.IntN(300)
	switch e.typ {
	case "PER":
		job := g.pick([]string{"painter", "sailor", "poet", "merchant", "judge", "singer", "physician", "architect"})
		e.desc = []string{
			fmt.Sprintf("%s is a %s born in %s in %d.", n, job, place, year),
			fmt.Sprintf("As a %s, %s became widely known.", job, g.pick([]string{"she", "he", "they"})),
			fmt.Sprintf("Later in life the %s worked for %s.", job, org),
		}
	case "LOC":
		kind := g.pick([]string{"town", "village", "city", "harbour town", "mountain village", "river port"})
		e.desc = []string{
			fmt.Sprintf("%s is a %s in the %s of the country.", n, kind, g.pick([]string{"north", "south", "east", "west"})),
			fmt.Sprintf("The %s has about %d inhabitants.", kind, 500+g.rng.IntN(90000)),
			fmt.Sprintf("It was founded in %d and is known for its %s.", year, g.pick([]string{"market", "bridge", "harbour", "old walls", "festival"})),
		}
	case "ORG":
		kind := g.pick([]string{"company", "bank", "trading house", "guild", "shipping company", "publisher"})
		e.desc = []string{
			fmt.Sprintf("%s is a %s based in %s.", n, kind, place),
			fmt.Sprintf("The %s was founded in %d and employs about %d people.", kind, year, 20+g.rng.IntN(5000)),
			fmt.Sprintf("Its headquarters stand near the market of %s.", place),
		}
	case "PRODUCT":
		kind := g.pick([]string{"loom", "lantern", "sailing boat", "wine", "clock", "printing press"})
		e.desc = []string{
			fmt.Sprintf("%s is a %s made by %s.", n, kind, org),
			fmt.Sprintf("The %s was first sold in %d.", kind, year),
			fmt.Sprintf("Buyers praise the %s for its %s.", kind, g.pick([]string{"price", "quality", "design", "durability"})),
		}
	}
}

// templates leave the type of their entities open; {0} and {1} are
// entities of any type.
var templates = []string{
	"{0} was in the news again today .",
	"Nobody expected {0} to change so much .",
	"I read a long story about {0} this morning .",
	"{0} has a long history .",
	"Everyone was talking about {0} and {1} .",
	"We finally saw {0} last week .",
	"The report mentions {0} twice .",
	"After the storm , {0} was never the same .",
	"Many people still remember {0} .",
	"{0} and {1} appear in the same old book .",
	"Have you heard of {0} ?",
	"The article about {0} is worth reading .",
}

// Write generates the world into dir: train.conll, dev.conll, test.conll
// (token and BIO tag) and knowledge.jsonl (one article per entity).
func Write(dir string, opt Options) error {
	if opt.EntitiesPerType == ([3]int{}) {
		opt.EntitiesPerType = Defaults().EntitiesPerType
	}
	// NameCue keeps its zero: a world without clues is a world one can ask for.
	if opt.Sentences == ([3]int{}) {
		opt.Sentences = Defaults().Sentences
	}
	g := &gen{rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)), used: map[string]bool{}}
	// Entities by split and type.
	var splits [3][]*entity
	var all, places, orgs []*entity
	for s := 0; s < 3; s++ {
		for _, typ := range Types {
			for i := 0; i < opt.EntitiesPerType[s]; i++ {
				e := &entity{name: g.name(typ, opt.NameCue), typ: typ}
				splits[s] = append(splits[s], e)
				all = append(all, e)
				switch typ {
				case "LOC":
					places = append(places, e)
				case "ORG":
					orgs = append(orgs, e)
				}
			}
		}
	}
	for _, e := range all {
		g.article(e, places, orgs)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := safefile.Write(filepath.Join(dir, "knowledge.jsonl"), func(w io.Writer) error {
		for i, e := range all {
			data, _ := json.Marshal(map[string]any{"id": i + 1, "title": strings.Join(e.name, " "), "text": strings.Join(e.desc, " ")})
			if _, err := fmt.Fprintf(w, "%s\n", data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for s, name := range []string{"train", "dev", "test"} {
		ents := splits[s]
		err := safefile.Write(filepath.Join(dir, name+".conll"), func(w io.Writer) error {
			for i := 0; i < opt.Sentences[s]; i++ {
				tpl := templates[g.rng.IntN(len(templates))]
				var lines []string
				for _, tok := range strings.Fields(tpl) {
					switch tok {
					case "{0}", "{1}":
						e := ents[g.rng.IntN(len(ents))]
						for k, t := range e.name {
							prefix := "I-"
							if k == 0 {
								prefix = "B-"
							}
							lines = append(lines, t+" "+prefix+e.typ)
						}
					default:
						lines = append(lines, tok+" O")
					}
				}
				if _, err := fmt.Fprintf(w, "%s\n\n", strings.Join(lines, "\n")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
