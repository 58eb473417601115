package export

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/rundir"
)

// CSVHeader is the header row WriteCSV writes.
var CSVHeader = []string{
	"rule", "seed", "epoch", "steps", "samples", "train_loss", "test_loss", "test_error", "seconds",
	"layer", "delta_angle_deg", "update_angle_deg", "weight_angle_deg", "relative_error",
	"sign_congruence", "lambda_snr", "feedback_loss",
}

// WriteCSV writes r's metrics.jsonl as CSV, one row per epoch and hidden
// layer (layer 1 the first hidden layer; a network without one gets one
// row per epoch with an empty layer): the run's rule and seed, the epoch's
// fields and the layer's diagnostics, as CSVHeader names them. An undefined
// value (null in the jsonl, a diagnostic the rule does not have) is an
// empty cell, which pandas reads as NaN. Numbers keep full precision.
func WriteCSV(w io.Writer, r rundir.Run) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	seed := strconv.FormatUint(r.Config.Seed, 10)
	for _, e := range r.Epochs {
		head := []string{r.Config.Rule, seed, strconv.Itoa(e.Epoch), strconv.Itoa(e.Steps), strconv.Itoa(e.Samples),
			num(float64(e.TrainLoss)), num(float64(e.TestLoss)), num(float64(e.TestError)), num(e.Seconds)}
		layers := e.Layers
		if len(layers) == 0 {
			if err := cw.Write(append(head, make([]string, len(CSVHeader)-len(head))...)); err != nil {
				return err
			}
			continue
		}
		for i, l := range layers {
			row := append(append([]string(nil), head...), strconv.Itoa(i+1),
				num(float64(l.DeltaAngle)), num(float64(l.UpdateAngle)), opt(l.WeightAngle), opt(l.RelativeError),
				opt(l.SignCongruence), opt(l.LambdaSNR), opt(l.FeedbackLoss))
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// num formats v in full precision, "" if it is NaN or infinite.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// opt formats an optional diagnostic, "" when absent.
func opt(v *metrics.Value) string {
	if v == nil {
		return ""
	}
	return num(float64(*v))
}
