package train

// Names the external tests (package train_test, which trains nerlab's
// real models through lib/models) need from inside.
const (
	LatestFile    = latestFile
	StateFile     = stateFile
	OptimizerFile = optimizerFile
)

var (
	WriteRunMarker   = writeRunMarker
	LatestCheckpoint = latestCheckpoint
	WriteState       = writeState
)

type MetricsLine = metricsLine
