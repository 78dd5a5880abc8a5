// Package wordvec reads pre-trained word vectors (word2vec, GloVe and
// fastText text files, plain or gzipped) and looks words up in them with
// flair's case and digit fallbacks.
//
// It is plain Go, without libtorch: the retrieval re-rankers use vectors as
// well as the tagger's word embedding (package embed), and retrieval should
// not need a tensor library to build or test.
package wordvec
