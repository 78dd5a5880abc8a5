package tokenize

import "fmt"

// Describe says what kind of tokenizer t is and from which files, for
// model info: "WordPiece (vocab.txt)", "SentencePiece unigram
// (sentencepiece.bpe.model, XLM-R's fairseq ids)", "tokenizer.json
// (Unigram)".
func Describe(t Tokenizer) string {
	switch t := t.(type) {
	case *WordPiece:
		return "WordPiece (vocab.txt)"
	case *BPE:
		return "byte-level BPE (vocab.json + merges.txt)"
	case *SentencePiece:
		kind := map[int]string{spUnigram: "unigram", spBPE: "BPE"}[t.m.modelType]
		ids := ""
		if t.fairseq {
			ids = ", XLM-R's fairseq ids"
		}
		return fmt.Sprintf("SentencePiece %s (%s%s)", kind, t.file, ids)
	case *HFTokenizer:
		return fmt.Sprintf("tokenizer.json (%s)", t.modelType)
	}
	return fmt.Sprintf("%T", t)
}

// SpecialNames lists t's special tokens with their ids ("[CLS] 101"),
// in the order CLS, SEP, PAD, UNK, MASK, leaving out those it lacks.
func SpecialNames(t Tokenizer) []string {
	s := t.Specials()
	var out []string
	for _, id := range []int{s.CLS, s.SEP, s.PAD, s.UNK, s.MASK} {
		if id >= 0 {
			out = append(out, fmt.Sprintf("%s %d", t.Piece(id), id))
		}
	}
	return out
}
