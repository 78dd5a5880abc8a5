package embed

import "github.com/sugarme/gotch/ts"

// RoBERTa (Liu et al., 2019) and XLM-R (Conneau et al., 2020, RoBERTa with
// a SentencePiece vocabulary) are BERT's network with other training;
// Bert builds them from a config.json of model_type roberta or
// xlm-roberta. What differs in the computation is where positions start:
// RoBERTa numbers a sentence's tokens from padding_idx + 1 and gives
// padding the position padding_idx, as its fairseq origin did:
//
//	position_t = padding_idx + Σ_{s ≤ t} [id_s ≠ padding_idx]   for tokens,
//	position_t = padding_idx                                   for padding.
//
// So a model with max_position_embeddings 514 takes 512 tokens. The
// checkpoints have a one-row token-type table (type_vocab_size 1).

// robertaPositions are the position ids of a batch of token ids, [B, T].
func robertaPositions(ids *ts.Tensor, pad int64) *ts.Tensor {
	isToken := ids.MustNe(ts.IntScalar(pad), false).MustTotype(ids.DType(), true)
	counted := isToken.MustCumsum(1, ids.DType(), false).MustMul(isToken, true)
	isToken.MustDrop()
	return counted.MustAddScalar(ts.IntScalar(pad), true)
}
