package tagger

import "github.com/nerlab/nerlab/lib/corpus"

// Tokenize splits raw text into tokens the way CoNLL data is tokenised
// (see corpus.Tokenize, where the rules live so that packages without
// libtorch can use them).
func Tokenize(text string) []string { return corpus.Tokenize(text) }
