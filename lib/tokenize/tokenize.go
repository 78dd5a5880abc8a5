// Package tokenize splits text into the sub-word pieces of a pretrained
// transformer's vocabulary, as the Hugging Face tokenizers that came with
// the model do: WordPiece (BERT's vocab.txt), byte-level BPE (RoBERTa's
// vocab.json and merges.txt), SentencePiece (XLM-R's
// sentencepiece.bpe.model) and tokenizer.json. Every piece keeps the
// bytes of the original text it stands for, so that a tagger can map
// pieces back to its words and a user can see what a piece covers.
//
// The package is pure Go (no libtorch): it can be used and tested
// anywhere.
package tokenize

// Token is one piece of an encoded text.
type Token struct {
	ID    int    // the piece's id in the vocabulary
	Piece string // the piece as the vocabulary spells it ("##ing", "Ġthe", "▁the")
	// Start and End are the byte offsets, in the text given to Encode,
	// of what the piece stands for: text[Start:End]. A piece made of a
	// multi-byte character's bytes (byte-level BPE, SentencePiece's byte
	// fallback) covers the whole character. Offsets follow the reference
	// implementations (Hugging Face's tokenizers, SentencePiece), so:
	// consecutive pieces may share a character (the bytes of an emoji
	// split between pieces; "İ" lower-cased to "i̇"), and a piece may be
	// empty (Start == End) where what it stands for is no byte of the
	// text — a trimmed lone "Ġ", the dummy "▁" SentencePiece puts
	// before a text, or the first of SentencePiece's pieces for a
	// character it normalised into several: "…" as "." [i,i] and ".."
	// [i,i+3]. An added token that takes the whitespace beside it
	// (lstrip, rstrip) covers that whitespace where the tokenizer.json
	// does not trim offsets. Among the pieces that cover something, Start and End
	// never decrease; an empty piece may sit out of that order (Hugging
	// Face's ByteLevel with add_prefix_space on each word puts the
	// trimmed "Ġ" at the end of the character it was added before).
	Start, End int
}

// Specials are the ids of a vocabulary's special tokens, -1 where the
// vocabulary has none. RoBERTa and XLM-R call CLS and SEP <s> and </s>.
type Specials struct {
	CLS, SEP, PAD, UNK, MASK int
}

// Tokenizer encodes text as its model's tokenizer does.
type Tokenizer interface {
	// Encode splits text into pieces, normalising it first as the model
	// expects (lower-casing, accent stripping, NFKC: whatever the files
	// say), without special tokens.
	Encode(text string) []Token
	// Specials are the special tokens' ids.
	Specials() Specials
	// VocabSize is the number of ids, special tokens included.
	VocabSize() int
	// Piece is the vocabulary entry of id ("" when out of range).
	Piece(id int) string
	// ID is the id of a vocabulary entry.
	ID(piece string) (int, bool)
	// Save writes the tokenizer's files into dir in the layout it was
	// read from, so that Hugging Face's AutoTokenizer reads them back.
	Save(dir string) error
}
