package config

import "strings"

// help describes each key in one line; data.context.* borrow data.*'s line.
var help = map[string]string{
	"name":       "run name: the run folder is target_dir/name (CLNER: model_name)",
	"target_dir": "folder that holds the run folders",

	"data.train":                         "training file in CoNLL columns (required)",
	"data.dev":                           "development file, scored each epoch to pick the best model",
	"data.test":                          "test file, scored at the end",
	"data.columns":                       "column names in order, e.g. \"text ner\" or \"text pos chunk ner\" (\"_\" skips one), or 0:text,3:ner",
	"data.tag_scheme":                    "tag scheme the tagger predicts: bioes or bio (iob1 also read)",
	"data.context":                       "second view of the same sentences with retrieved context (CLNER); none removes it",
	"embeddings.word":                    "trainable word table; none removes it",
	"embeddings.char":                    "character encoder over each word; none removes it",
	"embeddings.word.dim":                "word vector size when no vectors file sets it",
	"embeddings.word.vectors":            "word2vec/GloVe/fastText text file (.gz allowed) that initialises the table",
	"embeddings.word.min_count":          "training words seen fewer times map to <unk>",
	"embeddings.word.lowercase_fallback": "look up the lowercased word when the word itself has no vector",
	"embeddings.word.frozen":             "keep the word table fixed during training",
	"embeddings.char.encoder":            "character encoder: lstm (BiLSTM) or cnn",
	"embeddings.char.dim":                "character embedding size",
	"embeddings.char.hidden":             "per-direction LSTM size, or number of CNN filters",
	"embeddings.char.kernel":             "CNN kernel width in characters",
	"embeddings.transformer":             "pretrained transformer (BERT, RoBERTa, XLM-R) from a local Hugging Face folder; none removes it",
	"embeddings.transformer.model":       "the model folder: config.json, weights (safetensors or pytorch_model.bin) and tokenizer files",
	"embeddings.transformer.layers":      "hidden states used, e.g. -1 (the last layer) or -1,-2,-3,-4; 0 is the embedding layer",
	"embeddings.transformer.layer_mean":  "average the layers' states instead of concatenating them",
	"embeddings.transformer.pooling":     "a word's vector from its sub-word pieces: first, last, mean or first_last",
	"embeddings.transformer.fine_tune":   "train the transformer with the tagger; false keeps it frozen",
	"embeddings.transformer.max_length":  "sub-word pieces per encoder window, [CLS] and [SEP] included; 0: the model's limit (512)",
	"embeddings.transformer.stride":      "pieces that consecutive windows of a long input share; 0: half a window",

	"model.use_rnn":        "run a BiLSTM over the embeddings",
	"model.hidden_size":    "BiLSTM size per direction",
	"model.rnn_layers":     "number of stacked BiLSTM layers",
	"model.use_crf":        "decode with a linear-chain CRF instead of per-token softmax",
	"model.constraints":    "forbid CRF transitions the tag scheme cannot produce",
	"model.dropout":        "dropout on the embeddings and the BiLSTM output, in [0, 1)",
	"model.word_dropout":   "probability of dropping a whole word's embedding, in [0, 1)",
	"model.locked_dropout": "dropout with one mask per sentence (variational), in [0, 1)",
	"model.reproject":      "linear map of the stacked embeddings before the BiLSTM",
	"model.linear_init":    "how the output and reprojection layers start: normal (weights N(0, 1)) or torch (U(±1/√inputs), as torch.nn.Linear)",

	"train.optimizer":         "sgd (annealed on plateau) or adamw (linear warmup then decay)",
	"train.learning_rate":     "initial learning rate",
	"train.mini_batch_size":   "sentences per training step",
	"train.eval_batch_size":   "sentences per batch when scoring",
	"train.max_epochs":        "stop after this many epochs",
	"train.patience":          "sgd: epochs without dev improvement before the learning rate is annealed",
	"train.anneal_factor":     "sgd: the learning rate is multiplied by this on a plateau, in (0, 1]",
	"train.min_learning_rate": "sgd: stop when annealing takes the learning rate below this",
	"train.warmup_fraction":   "adamw: share of the steps spent warming the learning rate up, in [0, 1)",
	"train.weight_decay":      "adamw: decoupled weight decay",
	"train.momentum":          "sgd: momentum, in [0, 1)",
	"train.clip_norm":         "clip the gradient norm to this; 0 turns clipping off",
	"train.accumulate":        "mini-batches whose gradients are summed before one update",
	"train.crf_lr_multiplier": "learning rate multiplier of the CRF transitions",
	"train.lr_multipliers":    "learning rate multipliers by parameter group, the first segment of a parameter's name: {transformer: 1, out: 1000, crf: 1000}; set one with train.lr_multipliers.GROUP=X (CLNER's lr_rate sets rnn and crf, as ACE's ModelFinetuner)",
	"train.sort_by_length":    "batch sentences of similar length together",
	"train.shuffle":           "shuffle the training sentences each epoch",
	"train.seed":              "random seed for initialisation, shuffling and dropout",
	"train.monitor_test":      "also score the test file after each epoch",
	"train.train_with_dev":    "train on train+dev and keep the final model",
	"train.threads":           "CPU threads for libtorch; 0 keeps libtorch's default",
	"train.device":            "cpu, cuda, cuda:N or auto",
	"train.keep_checkpoints":  "epoch checkpoints kept in the run folder; 0 keeps all",
	"train.save_final_model":  "save the model of the last epoch beside the best one",

	"train.multi_view_training": "CLNER cooperative learning: train the plain view beside the context view",
	"train.calculate_l2_loss":   "CL-L2: add the L2 distance between the views' token representations",
	"train.l2_loss_only":        "CL-L2 only: the cooperative term is the L2 loss without the posterior term",
	"train.distill_posterior":   "CL-KL: make the plain view's CRF marginals match the context view's",
	"train.temperature":         "CL-KL temperature that softens the marginals, > 0",
	"train.multi_view_rate":     "weight of the cooperative loss, in [0, 1]",
	"train.select_view":         "the view whose dev F1 picks the best epoch in a two-view run: plain or context",
	"train.init_from":           "start from a saved tagger (run or model folder) instead of fresh weights",
}

// KeyHelp describes a key of Keys in one line; it returns "" for other
// strings.
func KeyHelp(key string) string {
	if _, ok := fieldByKey[key]; !ok {
		return ""
	}
	if h, ok := help[key]; ok {
		return h
	}
	if rest, ok := strings.CutPrefix(key, "data.context."); ok {
		if h, ok := help["data."+rest]; ok {
			return "context view: " + h
		}
	}
	return ""
}
