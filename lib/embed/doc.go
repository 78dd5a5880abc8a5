// Package embed turns tokenised sentences into tensors: the token encoders
// of a flair-style BiLSTM-CRF tagger.
//
// The pieces are small and composable. A Vocab maps strings to ids (0 is
// padding, 1 the unknown token). Vectors are pre-trained word vectors read
// from word2vec, GloVe or fastText text files. Word is an embedding table
// seeded from such vectors, with flair's case and digit fallbacks; Char
// encodes each word from its characters with a BiLSTM or a CNN; Stack
// concatenates encoders. BiLSTM is a bidirectional LSTM over padded batches
// built on PyTorch's packed-sequence kernel, so padding never leaks into a
// sequence's result; the char encoder and the tagger both use it.
// WordDropout and LockedDropout are the two dropouts flair applies to
// embeddings.
//
// A model names its encoders by kind: each kind (WordKind, CharKind)
// registers a Config that saves its settings and vocabulary with the
// model, creates the encoder under its own parameter prefix (the kind),
// and, if its vocabulary comes from the training data, fits it (Fitter).
// A Spec carries any registered Config through JSON, so a model's list of
// encoders is read back without its reader knowing the kinds; a new
// encoder is a file here that registers its kind.
//
// Tensors are made through lib/torch, on the device of the model's
// VarStore (the Path an encoder is created under).
//
// Every Embedder returns a float32 tensor of shape [B, T, Dim()] for a batch
// of B sentences whose longest has T tokens, with zeros at padding
// positions. Tensors hold C memory: the tensor a function returns belongs to
// the caller, who frees it with MustDrop; everything else a call creates is
// freed before it returns. Random numbers (initialisation, dropout masks)
// come from libtorch's generator, so torch.Seed makes runs reproducible.
package embed
