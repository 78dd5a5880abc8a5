package config

// Experiment is everything one training run needs. Paths are as written in
// the file; relative ones are relative to the process working directory
// (run nerlab from the repository root), not to Dir.
type Experiment struct {
	Name       string     `yaml:"name" json:"name"`             // run name (CLNER: model_name)
	TargetDir  string     `yaml:"target_dir" json:"target_dir"` // parent of run folders
	Data       Data       `yaml:"data" json:"data"`
	Embeddings Embeddings `yaml:"embeddings" json:"embeddings"`
	Model      Model      `yaml:"model" json:"model"`
	Train      Train      `yaml:"train" json:"train"`

	// Path is the file the experiment was read from ("" when built in code)
	// and Dir its folder; relative paths in the file are not resolved
	// against Dir (see above).
	Path string `yaml:"-" json:"-"`
	Dir  string `yaml:"-" json:"-"`
	// Warnings name keys that were read but are unknown or ignored.
	Warnings []string `yaml:"-" json:"-"`
	// Lines maps each dotted native key the file set (train.max_epochs,
	// data.train, ...) to its line, so later checks can point at it; see
	// Where. Keys changed by Set are removed.
	Lines map[string]int `yaml:"-" json:"-"`
}

// Data names the corpus files. Context is the optional second view of the
// same sentences (CLNER's `Corpus: A:B` pairs); it stays empty until the
// cooperative-learning work uses it.
type Data struct {
	Train     string `yaml:"train" json:"train"`
	Dev       string `yaml:"dev" json:"dev"`
	Test      string `yaml:"test" json:"test"`
	Columns   string `yaml:"columns" json:"columns"`       // corpus.ParseColumns syntax, e.g. "text ner"
	TagScheme string `yaml:"tag_scheme" json:"tag_scheme"` // "bio" or "bioes" (what the tagger predicts)
	Context   *Data  `yaml:"context,omitempty" json:"context,omitempty"`
}

// Embeddings describes the token encoders that are stacked: one key per
// encoder kind (lib/embed's registry), each with the kind's own options;
// a missing key (or none) leaves that kind out. The model stacks them
// word table first, then characters, then the transformer; lib/models
// maps each onto its kind's embed.Config.
type Embeddings struct {
	Word        *WordEmbeddings        `yaml:"word,omitempty" json:"word,omitempty"`
	Char        *CharEmbeddings        `yaml:"char,omitempty" json:"char,omitempty"`
	Transformer *TransformerEmbeddings `yaml:"transformer,omitempty" json:"transformer,omitempty"`
}

// WordEmbeddings is a trainable word table, optionally initialised from a
// .vec text file.
type WordEmbeddings struct {
	Dim               int    `yaml:"dim" json:"dim"`                               // ignored when Vectors sets it
	Vectors           string `yaml:"vectors" json:"vectors"`                       // word2vec/GloVe/fastText text file, .gz allowed
	MinCount          int    `yaml:"min_count" json:"min_count"`                   // training words rarer than this map to <unk>
	LowercaseFallback bool   `yaml:"lowercase_fallback" json:"lowercase_fallback"` // look up the lowercased word when the word is missing
	Frozen            bool   `yaml:"frozen" json:"frozen"`
}

// CharEmbeddings is a character encoder over each word.
type CharEmbeddings struct {
	Encoder string `yaml:"encoder" json:"encoder"` // "lstm" or "cnn"
	Dim     int    `yaml:"dim" json:"dim"`         // character embedding size
	Hidden  int    `yaml:"hidden" json:"hidden"`   // per-direction LSTM size, or CNN filters
	Kernel  int    `yaml:"kernel" json:"kernel"`   // CNN kernel width
}

// TransformerEmbeddings is a pretrained transformer (BERT, RoBERTa or
// XLM-R) read from a local Hugging Face model folder, stacked after the
// word and character encoders.
type TransformerEmbeddings struct {
	Model     string `yaml:"model" json:"model"`           // the model folder: config.json, weights, tokenizer
	Layers    string `yaml:"layers" json:"layers"`         // hidden states used, flair's form: "-1" or "-1,-2,-3,-4" (0: the embedding layer)
	LayerMean bool   `yaml:"layer_mean" json:"layer_mean"` // average the layers instead of concatenating them
	Pooling   string `yaml:"pooling" json:"pooling"`       // a word's vector from its pieces: first, last, mean or first_last
	FineTune  bool   `yaml:"fine_tune" json:"fine_tune"`   // train the encoder with the tagger (else frozen)
	MaxLength int    `yaml:"max_length" json:"max_length"` // pieces per window, [CLS] and [SEP] included; 0: the model's limit
	Stride    int    `yaml:"stride" json:"stride"`         // pieces consecutive windows share; 0: half a window
}

// Model is the sequence tagger on top of the embeddings.
type Model struct {
	UseRNN        bool    `yaml:"use_rnn" json:"use_rnn"`
	HiddenSize    int     `yaml:"hidden_size" json:"hidden_size"` // per direction
	RNNLayers     int     `yaml:"rnn_layers" json:"rnn_layers"`
	UseCRF        bool    `yaml:"use_crf" json:"use_crf"`
	Constraints   bool    `yaml:"constraints" json:"constraints"` // forbid transitions the tag scheme cannot produce
	Dropout       float64 `yaml:"dropout" json:"dropout"`
	WordDropout   float64 `yaml:"word_dropout" json:"word_dropout"`
	LockedDropout float64 `yaml:"locked_dropout" json:"locked_dropout"`
	Reproject     bool    `yaml:"reproject" json:"reproject"` // linear map of the stacked embeddings before the RNN
	// LinearInit is how the output and reprojection layers start: one of
	// tagger.LinearInits (normal, nerlab's default; torch, as
	// torch.nn.Linear and so flair's tagger).
	LinearInit string `yaml:"linear_init" json:"linear_init"`
}

// Train holds the optimisation recipe.
type Train struct {
	Optimizer       string  `yaml:"optimizer" json:"optimizer"` // "sgd" (anneal on plateau) or "adamw" (linear warmup/decay)
	LearningRate    float64 `yaml:"learning_rate" json:"learning_rate"`
	MiniBatchSize   int     `yaml:"mini_batch_size" json:"mini_batch_size"`
	EvalBatchSize   int     `yaml:"eval_batch_size" json:"eval_batch_size"`
	MaxEpochs       int     `yaml:"max_epochs" json:"max_epochs"`
	Patience        int     `yaml:"patience" json:"patience"`
	AnnealFactor    float64 `yaml:"anneal_factor" json:"anneal_factor"`
	MinLearningRate float64 `yaml:"min_learning_rate" json:"min_learning_rate"`
	WarmupFraction  float64 `yaml:"warmup_fraction" json:"warmup_fraction"`
	WeightDecay     float64 `yaml:"weight_decay" json:"weight_decay"`
	Momentum        float64 `yaml:"momentum" json:"momentum"`
	ClipNorm        float64 `yaml:"clip_norm" json:"clip_norm"` // 0: no clipping
	Accumulate      int     `yaml:"accumulate" json:"accumulate"`
	CRFLRMultiplier float64 `yaml:"crf_lr_multiplier" json:"crf_lr_multiplier"` // CLNER multiplies the transitions' LR
	// LRMultipliers give parameter groups their own learning rate: the
	// group of a parameter is the first segment of its name (word, char,
	// rnn, out, crf, …), and a group listed here trains at the schedule's
	// rate times its multiplier. crf_lr_multiplier is the crf entry.
	LRMultipliers   map[string]float64 `yaml:"lr_multipliers" json:"lr_multipliers,omitempty"`
	SortByLength    bool               `yaml:"sort_by_length" json:"sort_by_length"`
	Shuffle         bool               `yaml:"shuffle" json:"shuffle"`
	Seed            int64              `yaml:"seed" json:"seed"`
	MonitorTest     bool               `yaml:"monitor_test" json:"monitor_test"`
	TrainWithDev    bool               `yaml:"train_with_dev" json:"train_with_dev"`
	Threads         int                `yaml:"threads" json:"threads"`                   // 0: libtorch's default
	Device          string             `yaml:"device" json:"device"`                     // cpu, cuda, cuda:N, auto
	KeepCheckpoints int                `yaml:"keep_checkpoints" json:"keep_checkpoints"` // 0: keep all
	SaveFinalModel  bool               `yaml:"save_final_model" json:"save_final_model"`

	// CLNER's cooperative learning (CLNER files set the first five under
	// model.FastSequenceTagger and multi_view_rate under train).
	MultiViewTraining bool    `yaml:"multi_view_training" json:"multi_view_training"` // train the plain view beside the context view
	CalculateL2Loss   bool    `yaml:"calculate_l2_loss" json:"calculate_l2_loss"`     // CL-L2: pull the plain view's token representations toward the context view's
	L2LossOnly        bool    `yaml:"l2_loss_only" json:"l2_loss_only"`               // the cooperative term is the L2 loss alone (no posterior term)
	DistillPosterior  bool    `yaml:"distill_posterior" json:"distill_posterior"`     // CL-KL: match the CRF posterior marginals
	Temperature       float64 `yaml:"temperature" json:"temperature"`                 // softens the marginals CL-KL compares
	MultiViewRate     float64 `yaml:"multi_view_rate" json:"multi_view_rate"`         // weight of the cooperative loss
	// SelectView is the view whose dev F1 picks the best epoch and drives
	// annealing in a two-view run: plain (the model used without
	// retrieval) or context. Empty means plain.
	SelectView string `yaml:"select_view" json:"select_view,omitempty"`
	// InitFrom starts training from a saved tagger (a run folder, whose
	// best model is taken, or a model folder) instead of fresh weights:
	// fine-tuning. The tagger keeps its own vocabulary, labels and
	// architecture; the embeddings and model sections are not used.
	InitFrom string `yaml:"init_from" json:"init_from,omitempty"`
}

// DefaultTransformer is the transformer section a file or an override
// brings in: the last layer's states, first-piece pooling, fine-tuned.
func DefaultTransformer() *TransformerEmbeddings {
	return &TransformerEmbeddings{Layers: "-1", Pooling: "first", FineTune: true}
}

// Default returns the experiment every file starts from: flair's
// BiLSTM-CRF recipe (word 100 + char BiLSTM 25, BiLSTM 256, CRF, SGD 0.1
// annealed by 0.5 after 3 bad epochs, batch 32).
func Default() Experiment {
	return Experiment{
		Name:      "run",
		TargetDir: "runs",
		Data:      Data{Columns: "text ner", TagScheme: "bioes"},
		Embeddings: Embeddings{
			Word: &WordEmbeddings{Dim: 100, MinCount: 1, LowercaseFallback: true},
			Char: &CharEmbeddings{Encoder: "lstm", Dim: 25, Hidden: 25, Kernel: 3},
		},
		Model: Model{UseRNN: true, HiddenSize: 256, RNNLayers: 1, UseCRF: true, Constraints: true,
			WordDropout: 0.05, LockedDropout: 0.5, LinearInit: "normal"},
		Train: Train{Optimizer: "sgd", LearningRate: 0.1, MiniBatchSize: 32, EvalBatchSize: 64,
			MaxEpochs: 100, Patience: 3, AnnealFactor: 0.5, MinLearningRate: 1e-4, WarmupFraction: 0.1,
			WeightDecay: 0.01, ClipNorm: 5, Accumulate: 1, CRFLRMultiplier: 1, Shuffle: true, Seed: 1,
			Device: "cpu", KeepCheckpoints: 2, SaveFinalModel: true,
			Temperature: 1, MultiViewRate: 0.5},
	}
}
