package train

import (
	"math"

	"github.com/sugarme/gotch/ts"
)

// backward runs the objective's forward and backward on a batch, scaled
// for accumulation, and returns the batch's loss value.
func (tr *trainer) backward(b Batch, accum int) (float64, error) {
	loss, err := tr.objective.Loss(tr.model, b)
	if err != nil {
		return 0, err
	}
	value := loss.Float64Values()[0]
	if math.IsNaN(value) || math.IsInf(value, 0) {
		loss.MustDrop()
		return value, nil
	}
	if accum > 1 {
		loss = loss.MustDivScalar(ts.FloatScalar(float64(accum)), true)
	}
	loss.MustBackward()
	loss.MustDrop()
	return value, nil
}
