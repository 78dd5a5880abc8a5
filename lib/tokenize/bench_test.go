package tokenize

import "testing"

// BenchmarkEncode encodes the agreement corpus's 10,400 lines with a
// tokenizer of each kind (vocabularies and models made from the corpus,
// as the agreement tests make them); b.N counts passes over the corpus.
func BenchmarkEncode(b *testing.B) {
	texts := agreementCorpus(b)
	n := bertNormalizer{cleanText: true, chineseChars: true, stripAccents: true, lowercase: true}
	pieces, merges := trainByteBPE(texts, 1500)
	bpe, err := NewBPE(pieces, merges)
	if err != nil {
		b.Fatal(err)
	}
	uni, err := ReadSentencePiece(spmModel(b, "unigram", 2000, false), true)
	if err != nil {
		b.Fatal(err)
	}
	bytes := 0
	for _, s := range texts {
		bytes += len(s)
	}
	for _, c := range []struct {
		name string
		tok  Tokenizer
	}{{"WordPiece", NewWordPiece(buildWordPieceVocab(texts, n), true)}, {"BPE", bpe}, {"SentencePiece-unigram", uni}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(bytes))
			for b.Loop() {
				for _, s := range texts {
					c.tok.Encode(s)
				}
			}
		})
	}
}
