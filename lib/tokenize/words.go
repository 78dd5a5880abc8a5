package tokenize

import "strings"

// Words encodes a sentence that is already split into words, as a tagger
// holds it, and says which word each piece belongs to (wordOf[i] for
// tokens[i], non-decreasing). The words are joined with single spaces and
// encoded as one text, so that every tokenizer sees what it sees in
// running text (byte-level BPE and SentencePiece mark a word's first
// piece by the space before it); the pieces' offsets are offsets in that
// joined text. A piece that covers only the space between two words
// (SentencePiece's lone "▁") belongs to the word after it. A word that
// yields no pieces (one the normaliser removes entirely, such as a
// control character) gets the unknown token, so that every word has at
// least one piece.
func Words(t Tokenizer, words []string) (tokens []Token, wordOf []int) {
	starts := make([]int, len(words)) // each word's first byte in the joined text
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		starts[i] = b.Len()
		b.WriteString(w)
	}
	next := 0 // the first word without a piece yet
	fill := func(upTo int) {
		for ; next < upTo; next++ {
			unk := t.Specials().UNK
			tokens = append(tokens, Token{ID: unk, Piece: t.Piece(unk), Start: starts[next], End: starts[next] + len(words[next])})
			wordOf = append(wordOf, next)
		}
	}
	word := 0
	for _, tok := range t.Encode(b.String()) {
		// The piece belongs to the last word that starts at or before its
		// last byte.
		last := max(tok.End-1, tok.Start)
		for word+1 < len(words) && starts[word+1] <= last {
			word++
		}
		// A piece that covers only the space after the word (a lone
		// "▁") is the next word's.
		if word+1 < len(words) && tok.Start >= starts[word]+len(words[word]) && tok.End <= starts[word+1] {
			word++
		}
		fill(word)
		tokens = append(tokens, tok)
		wordOf = append(wordOf, word)
		next = word + 1
	}
	fill(len(words))
	return tokens, wordOf
}
