package config

import (
	"strings"

	"github.com/nerlab/nerlab/lib/corpus"
)

// ColumnMap reads Columns: names in column order separated by spaces
// ("text pos chunk ner"; "_" skips a column), or any form
// corpus.ParseColumns reads ("0:text,3:ner", "text,pos,chunk,ner").
func (d Data) ColumnMap() (corpus.ColumnMap, error) {
	spec := strings.TrimSpace(d.Columns)
	if !strings.ContainsAny(spec, ",:{}") {
		spec = strings.Join(strings.Fields(spec), ",")
	}
	return corpus.ParseColumns(spec)
}
