package pretrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nerlab/nerlab/lib/tokenize"
	"github.com/nerlab/nerlab/lib/wiki"
)

// Stream is a corpus as one sequence of token ids: every document's
// paragraphs in order, each document followed by [SEP].
type Stream struct {
	IDs []int32
	// Cont marks the pieces that continue the word of the piece before
	// them (WordPiece's ##ing), for whole-word masking.
	Cont []bool
}

// Corpus is a knowledge corpus tokenised, its documents dealt into a
// training and a held-out stream.
type Corpus struct {
	Train, HeldOut       Stream
	Documents, Held      int // documents in each stream
	Paragraphs, Articles int // read (Articles counts the documents of both)
}

// ReadCorpus reads the knowledge corpus files (wiki.Open: WikiExtractor
// output, MediaWiki XML, JSONL or plain text, also .gz and .bz2) in the
// order given and tokenises their documents. Every heldOutEvery-th
// document (the 100th, 200th, … for 100; none for 0) goes to the held-out
// stream, so the split depends only on the corpus. progress, when set,
// hears the number of documents read now and then; ctx stops the reading.
func ReadCorpus(ctx context.Context, files []string, format string, tok tokenize.Tokenizer, heldOutEvery int, progress func(docs int)) (*Corpus, error) {
	if len(files) == 0 {
		return nil, errors.New("pretrain: no corpus files")
	}
	sep := int32(tok.Specials().SEP)
	if sep < 0 {
		return nil, errors.New("pretrain: the tokenizer has no separator token ([SEP] or </s>) to pack documents with")
	}
	c := &Corpus{}
	for _, path := range files {
		r, err := wiki.Open(path, format)
		if err != nil {
			return nil, err
		}
		for {
			if err := ctx.Err(); err != nil {
				r.Close()
				return nil, err
			}
			a, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return nil, err
			}
			c.Articles++
			s := &c.Train
			if heldOutEvery > 0 && c.Articles%heldOutEvery == 0 {
				s = &c.HeldOut
			}
			n := len(s.IDs)
			for _, p := range a.Paragraphs {
				c.Paragraphs++
				s.add(p, tok.Encode(p))
			}
			if len(s.IDs) == n {
				continue // an article without text
			}
			s.IDs = append(s.IDs, sep)
			s.Cont = append(s.Cont, false)
			if s == &c.Train {
				c.Documents++
			} else {
				c.Held++
			}
			if progress != nil && c.Articles%1000 == 0 {
				progress(c.Articles)
			}
		}
		if err := r.Close(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if len(c.Train.IDs) == 0 {
		return nil, fmt.Errorf("pretrain: %s hold no text to train on", strings.Join(files, ", "))
	}
	return c, nil
}

// add appends the pieces of one paragraph.
func (s *Stream) add(text string, toks []tokenize.Token) {
	for i, t := range toks {
		s.IDs = append(s.IDs, int32(t.ID))
		s.Cont = append(s.Cont, i > 0 && continues(text, toks[i-1], t))
	}
}

// continues reports whether piece t continues the word of piece prev: a
// WordPiece continuation (##), or, for vocabularies that mark a word's
// first piece instead (byte-level BPE's Ġ, SentencePiece's ▁), a piece
// without that mark that touches prev with letters or digits on both
// sides.
func continues(text string, prev, t tokenize.Token) bool {
	if strings.HasPrefix(t.Piece, "##") {
		return true
	}
	if t.Start != prev.End || t.Start <= 0 || t.Start >= len(text) || strings.HasPrefix(t.Piece, "Ġ") || strings.HasPrefix(t.Piece, "▁") {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(text[:t.Start])
	after, _ := utf8.DecodeRuneInString(text[t.Start:])
	wordy := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	return wordy(before) && wordy(after) && !strings.HasPrefix(prev.Piece, "[")
}

// Sequences is the number of packed sequences of length seqLen the
// stream makes: each holds [CLS], seqLen−2 pieces of the stream and [SEP]
// (the last one fewer pieces, then padding).
func (s *Stream) Sequences(seqLen int) int {
	per := seqLen - 2
	return (len(s.IDs) + per - 1) / per
}

// sequence returns the pieces of packed sequence i, without [CLS] and the
// final [SEP].
func (s *Stream) sequence(i, seqLen int) ([]int32, []bool) {
	per := seqLen - 2
	from, to := i*per, min((i+1)*per, len(s.IDs))
	return s.IDs[from:to], s.Cont[from:to]
}
