// Package metrics holds the alignment diagnostics of SPEC §4 and
// classification accuracy. It measures; it never trains.
//
// Angles are in degrees in [0°, 180°], never folded, between whole
// flattened arrays (a batch of errors, a weight matrix). They are computed
// with Kahan's formula 2·atan2(‖â − b̂‖, ‖â + b̂‖) in float64, which is exact
// for equal vectors (0°) and accurate near 0° and 180°. An angle involving
// a zero vector is undefined and returned as NaN.
package metrics

import (
	"encoding/json"
	"math"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Angle returns the angle in degrees between a and b (equal lengths).
func Angle(a, b []float32) float64 {
	na, nb := tensor.Norm(a), tensor.Norm(b)
	if na == 0 || nb == 0 || math.IsNaN(na+nb) {
		return math.NaN()
	}
	var d, s float64
	for i, v := range a {
		x, y := float64(v)/na, float64(b[i])/nb
		d += (x - y) * (x - y)
		s += (x + y) * (x + y)
	}
	return 2 * math.Atan2(math.Sqrt(d), math.Sqrt(s)) * 180 / math.Pi
}

// RelativeError returns ‖b − w‖_F / ‖w‖_F (NaN if w is zero).
func RelativeError(b, w []float32) float64 {
	var d float64
	for i, v := range b {
		x := float64(v) - float64(w[i])
		d += x * x
	}
	nw := tensor.Norm(w)
	if nw == 0 {
		return math.NaN()
	}
	return math.Sqrt(d) / nw
}

// SignCongruence returns the fraction of entries where sign(b) = sign(w),
// with sign(0) = 0.
func SignCongruence(b, w []float32) float64 {
	if len(b) == 0 {
		return math.NaN()
	}
	same := 0
	for i, v := range b {
		if sign(v) == sign(w[i]) {
			same++
		}
	}
	return float64(same) / float64(len(b))
}

func sign(v float32) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// Value is a float64 that encodes as JSON null when it is NaN or infinite,
// so undefined diagnostics stay valid JSON.
type Value float64

// MarshalJSON implements json.Marshaler.
func (v Value) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler (null reads as NaN).
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Value(math.NaN())
		return nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*v = Value(f)
	return err
}

// Layer holds the diagnostics of one hidden layer i (1-based in the paper;
// index i-1 in slices).
type Layer struct {
	// DeltaAngle is the angle between the rule's error ẽ^i and backprop's
	// e^i at the same weights, over the whole batch.
	DeltaAngle Value `json:"delta_angle_deg"`
	// UpdateAngle is the angle between the rule's ΔW^i and backprop's.
	UpdateAngle Value `json:"update_angle_deg"`
	// StepAngle is the angle between the change the last training step
	// before the diagnostics made to W^i (the optimiser's actual step,
	// momentum, Adam's scaling and weight decay included) and −∇_{W^i}L,
	// backprop's gradient on that step's batch at the weights before it
	// (the clean network: no dropout, no noise). 0° is steepest descent on
	// the batch. Nil when no step preceded the diagnostics or it did not
	// move W (epoch 0, warm-up, frozen weights) and in files written before
	// the field existed.
	StepAngle *Value `json:"step_angle_deg,omitempty"`
	// For layer-wise feedback only: B^{i+1} against (W^{i+1})ᵀ.
	WeightAngle    *Value `json:"weight_angle_deg,omitempty"`
	RelativeError  *Value `json:"relative_error,omitempty"`
	SignCongruence *Value `json:"sign_congruence,omitempty"`
	// For node perturbation only: the signal-to-noise ratio of λ̂ against
	// the exact ∂L/∂h (SNR), and for learned feedback the regression loss
	// of the feedback matrix (RegressionLoss).
	LambdaSNR    *Value `json:"lambda_snr,omitempty"`
	FeedbackLoss *Value `json:"feedback_loss,omitempty"`
}

// SNR returns Σ‖λ_n‖² / Σ‖λ̂_n − λ_n‖² for an estimate est of exact (both
// batch × width): the power of the true gradient over the power of the
// estimator's error.
func SNR(est, exact *tensor.Mat) float64 {
	var sig, noise float64
	for i, v := range exact.Data {
		d := float64(est.Data[i]) - float64(v)
		sig += float64(v) * float64(v)
		noise += d * d
	}
	return sig / noise
}

// RegressionLoss returns (1/N) Σ_n ½‖λ̂_n − e_n·F‖², the loss that learned
// feedback F (s×t) minimises, for regressors e (N×s) and targets lam (N×t).
func RegressionLoss(F, e, lam *tensor.Mat) float64 {
	pred := tensor.New(e.Rows, F.Cols)
	tensor.MatMul(false, false, 1, e, F, 0, pred)
	var s float64
	for i, v := range lam.Data {
		d := float64(v) - float64(pred.Data[i])
		s += d * d
	}
	return s / 2 / float64(e.Rows)
}

// Compare returns the delta and update angles of every hidden layer, given
// the rule's and backprop's gradients on the same batch and weights. The
// rule's own diagnostics (feedback against W, λ̂'s SNR, …) come from the
// rule (feedback.Rule.Diagnose).
func Compare(rule, bp *nn.Grads) []Layer {
	hidden := len(rule.W) - 1
	out := make([]Layer, hidden)
	for i := range out {
		out[i].DeltaAngle = Value(Angle(rule.Delta[i].Data, bp.Delta[i].Data))
		out[i].UpdateAngle = Value(Angle(rule.W[i].Data, bp.W[i].Data))
	}
	return out
}

// SetFeedback sets the layer's weight angle, relative error and sign
// congruence of a layer-wise feedback matrix fb against the forward
// weights w it stands in for (fb in w's shape, see package feedback).
func (l *Layer) SetFeedback(fb, w []float32) {
	a := Value(Angle(fb, w))
	r := Value(RelativeError(fb, w))
	s := Value(SignCongruence(fb, w))
	l.WeightAngle, l.RelativeError, l.SignCongruence = &a, &r, &s
}

// MeanDeltaAngle returns the mean delta angle over layers, ignoring NaNs.
func MeanDeltaAngle(ls []Layer) float64 {
	var s float64
	n := 0
	for _, l := range ls {
		if v := float64(l.DeltaAngle); !math.IsNaN(v) {
			s += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// Misclassified returns how many rows of yhat have their argmax differ from
// labels.
func Misclassified(yhat *tensor.Mat, labels []int) int {
	wrong := 0
	for n := 0; n < yhat.Rows; n++ {
		if nn.Argmax(yhat.Row(n)) != labels[n] {
			wrong++
		}
	}
	return wrong
}
