package feedback

import (
	"fmt"
	"math"
	"slices"

	"github.com/creditlab/credit/nn"
)

// Options are the settings of the rules' parts; a part ignores those it
// does not use. Decays are per-step factors, not scaled by a learning rate
// (Akrout et al. 2019's λ). Each field's comment names its setting: the key
// of config.json and experiment files (and --flag with dashes).
type Options struct {
	// Noise is the node-perturbation scale c (noise). With c = 0 there is
	// no noisy pass and λ̂ = 0, so nothing learns from it.
	Noise float64
	// Solver is the feedback learner (feedback_solver): "sgd" (random
	// start, step FeedbackLR; "" means sgd) or "ridge" (zero start,
	// regulariser Ridge); see NewSolver.
	Solver string
	// FeedbackLR is η_B (feedback_lr): the sgd solver's step (on dense
	// feedback and on conv kernels), the weight mirror's, and direct
	// Kolen–Pollack's.
	FeedbackLR float64
	// Ridge is the ridge solver's γ (ridge).
	Ridge float64
	// FeedbackDecay is the weight mirror's λ_WM (feedback_decay):
	// F ← F + η_B·mirror − λ_WM·F each step, so F settles at
	// (η_B/λ_WM)·W.
	FeedbackDecay float64
	// WeightDecay is the per-step decay λ of the forward weights
	// (weight_decay), which the trainer applies (W ← (1 − λ)W before each
	// optimiser step) and the feedback of Kolen–Pollack, direct
	// Kolen–Pollack and product feedback alignment (its R) shares.
	WeightDecay float64
	// PerturbLoss, if not "", names the loss whose per-example difference
	// node perturbation uses in place of the training loss (np_loss; the
	// paper's CNN code used softmax-mse while training on ce).
	PerturbLoss string
	// ActivityNoise, if positive, adds noise of this scale at every hidden
	// site in the training passes of a rule that does not perturb
	// (activity_noise; the paper's control: backprop on a network with
	// the same activity noise as node perturbation's). Passes with
	// net.Training false stay clean.
	ActivityNoise float64
	// Directions is k, the number of random directions whose forward
	// gradients are averaged each step (directions; fgw, fga). 0 means 1,
	// so that the zero Options works.
	Directions int
}

// directions returns k ≥ 1 (Directions, with 0 meaning 1).
func (o Options) directions() int { return max(o.Directions, 1) }

// OptionError is a setting that cannot be used. Key is the setting's key
// in config.json and experiment files (feedback_lr; --feedback-lr on the
// command line), so a caller can say where it came from without parsing
// the message.
type OptionError struct {
	Key, Msg string
}

func (e *OptionError) Error() string { return e.Key + ": " + e.Msg }

func optErr(key, format string, a ...any) *OptionError {
	return &OptionError{Key: key, Msg: fmt.Sprintf(format, a...)}
}

// maxDirections bounds Options.Directions: each direction is a tangent
// pass, so beyond this a step costs more than backprop by orders of
// magnitude for nothing an exact gradient would not give.
const maxDirections = 1 << 16

// Solvers lists the accepted feedback solvers.
var Solvers = []string{"sgd", "ridge"}

// Check checks each setting's own range, whatever the rule: every setting
// is checked here once.
func (o Options) Check() error {
	finite := func(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }
	switch {
	case !(o.Noise >= 0) || !finite(o.Noise):
		return optErr("noise", "must be a finite number ≥ 0, got %v", o.Noise)
	case o.Solver != "" && !slices.Contains(Solvers, o.Solver):
		return optErr("feedback_solver", "unknown solver %q (want one of %v)", o.Solver, Solvers)
	case !(o.FeedbackLR >= 0) || !finite(o.FeedbackLR):
		return optErr("feedback_lr", "must be a finite number ≥ 0, got %v", o.FeedbackLR)
	case !(o.WeightDecay >= 0 && o.WeightDecay < 1):
		return optErr("weight_decay", "must be in [0, 1) (a per-step factor), got %v", o.WeightDecay)
	case !(o.FeedbackDecay >= 0 && o.FeedbackDecay < 1):
		return optErr("feedback_decay", "must be in [0, 1) (a per-step factor), got %v", o.FeedbackDecay)
	case !(o.Ridge >= 0) || !finite(o.Ridge):
		return optErr("ridge", "must be a finite number ≥ 0, got %v", o.Ridge)
	case !(o.ActivityNoise >= 0) || !finite(o.ActivityNoise):
		return optErr("activity_noise", "must be a finite number ≥ 0, got %v", o.ActivityNoise)
	case o.Directions < 0 || o.Directions > maxDirections:
		return optErr("directions", "must be between 1 and %d (the random directions averaged per step), got %d", maxDirections, o.Directions)
	}
	if o.PerturbLoss != "" {
		if _, err := nn.NewLoss(o.PerturbLoss); err != nil {
			return optErr("np_loss", "%v", err)
		}
	}
	return nil
}
