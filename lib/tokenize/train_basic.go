package tokenize

// basicWords splits text into the words BERT's basic tokenizer hands to
// WordPiece (the normaliser and pre-tokenizer WordPiece.Encode uses), so
// that a trained vocabulary covers exactly what a WordPiece tokenizer with
// the same do_lower_case setting will see.
func basicWords(text string, lowercase bool) []string {
	n := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: lowercase, lowercase: lowercase}
	var words []string
	for _, w := range bertPreTokenize(n.apply(newChars(text, 0))) {
		words = append(words, w.String())
	}
	return words
}
