// Package config holds a run's settings: the Config that DIR/config.json
// stores and experiment files set, its defaults, its validation and the
// comparison of two runs' settings.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
)

// Config is everything needed to rerun a training run; it is written to
// DIR/config.json. JSON names match the command-line flags (dashes become
// underscores).
type Config struct {
	Data      string  `json:"data"`       // mnist, fashion-mnist, cifar10, linear
	DataDir   string  `json:"data_dir"`   // "" = the built-in location
	TrainSize int     `json:"train_size"` // first N training examples (after TrainOffset); 0 = all
	Net       string  `json:"net"`        // widths (784-50-20-10) or layers (conv5x5x96,pool3s2,…,fc10); see nn.Spec
	Act       string  `json:"act"`        // hidden activation
	OutAct    string  `json:"out_act"`    // output activation
	Loss      string  `json:"loss"`       // mse or ce
	Reduction string  `json:"reduction"`  // sum or mean over the batch
	Rule      string  `json:"rule"`       // see feedback.Names
	Opt       string  `json:"opt"`        // sgd, momentum, adam
	LR        float64 `json:"lr"`         // learning rate (per summed loss when reduction is sum)
	Momentum  float64 `json:"momentum"`   // momentum coefficient for opt=momentum
	AdamEps   float64 `json:"adam_eps"`   // Adam's ε
	Batch     int     `json:"batch"`
	Epochs    int     `json:"epochs"`
	Seed      uint64  `json:"seed"`
	// TrainOffset skips the first N training examples: 5000 gives
	// TensorFlow's MNIST training split (examples 5000–59999; the first
	// 5000 are its validation set), which the authors' code trained on.
	TrainOffset int `json:"train_offset,omitempty"`
	// WeightDecay is a per-step decay of the forward weights (not the
	// biases), W ← (1 − λ)W before each optimiser step, whatever the
	// optimiser (decoupled); kp's feedback decays with it.
	WeightDecay float64 `json:"weight_decay"`
	// BiasInit is how the biases start: "" or "zero" (0, the default) or
	// "normal", N(0, 2/fan_in) like the weights (the authors' code, whose
	// bias is one more row of W), drawn after every weight.
	BiasInit string `json:"bias_init,omitempty"`

	// Node perturbation (rules np, npdfa, nodepert).
	Noise          float64 `json:"noise"`           // c, the noise scale
	FeedbackSolver string  `json:"feedback_solver"` // sgd or ridge
	FeedbackLR     float64 `json:"feedback_lr"`     // η_B for the sgd solver, the weight mirror and dkp
	Ridge          float64 `json:"ridge"`           // γ for the ridge solver
	NPLoss         string  `json:"np_loss"`         // loss in the perturbation's loss difference; "" = the training loss
	Warmup         int     `json:"warmup"`          // first epochs update only the feedback
	// Weight mirror (rule wm): per-step decay λ of the feedback, which
	// settles at (FeedbackLR/λ)·W.
	FeedbackDecay float64 `json:"feedback_decay"`
	// Autoencoders and their controls (paper's E3).
	Autoencoder   bool    `json:"autoencoder"`    // targets are the inputs
	InputNoise    float64 `json:"input_noise"`    // sd of Gaussian noise on training inputs (denoising)
	ActivityNoise float64 `json:"activity_noise"` // noise at hidden sites in training passes (bp, fa, dfa)
	FreezeWeights bool    `json:"freeze_weights"` // never update the forward weights
	// Forward gradients (rules fgw, fga): random directions averaged per step.
	Directions int `json:"directions"`

	// Training as the field's benchmarks do (issue 15). Zero values keep
	// the behaviour of runs made before these settings existed.
	Schedule     string  `json:"schedule,omitempty"`      // learning-rate schedule: constant ("" too), step or cosine
	WarmupEpochs int     `json:"warmup_epochs,omitempty"` // first epochs ramp the learning rate up linearly, step by step
	Milestones   string  `json:"milestones,omitempty"`    // step schedule: comma-separated epochs after which the rate is multiplied by Gamma ("100,150")
	Gamma        float64 `json:"gamma,omitempty"`         // step schedule's factor; 0 = 0.1
	L2           float64 `json:"l2,omitempty"`            // coupled L2 decay: l2·W added to the weights' gradient (SGD's weight_decay)
	Init         string  `json:"init,omitempty"`          // weight initialisation: normal ("" too: N(0, 2/fan_in)), xavier or kaiming
	ValSize      int     `json:"val_size,omitempty"`      // hold out the last N training examples for validation
	Augment      bool    `json:"augment,omitempty"`       // random crop after 4-pixel padding and horizontal flip of training images

	DiagBatch int    `json:"diag_batch"` // size of the held-out diagnostic batch (first examples of the test set)
	DiagEvery int    `json:"diag_every"` // also record diagnostics every k steps in diag.jsonl; 0 = per epoch only
	Out       string `json:"out"`        // run directory
}

// Default returns the main job's configuration: the paper's 784-50-20-10
// sigmoid network on MNIST, squared error summed over batches of 32,
// trained by np (ridge-learned feedback, c = 1e-3) with SGD and momentum
// 0.9 at lr 1e-3 for 80 epochs. The weight mirror's η_B = λ = 1e-3 makes
// wm's feedback settle at Wᵀ.
func Default() Config {
	return Config{
		Data: "mnist", TrainSize: 0, Net: "784-50-20-10", Act: "sigmoid", OutAct: "linear",
		Loss: "mse", Reduction: "sum", Rule: "np", Opt: "momentum", LR: 0.001, Momentum: 0.9,
		AdamEps: 1e-8, Batch: 32, Epochs: 80, Seed: 1, DiagBatch: 1000,
		Noise: 1e-3, FeedbackSolver: "ridge", FeedbackLR: 1e-3, Ridge: 0.1, FeedbackDecay: 1e-3,
		Directions: 1,
	}
}

// Settings whose defaults depend on the network (see NetDefaults).
const (
	// RefWidth is the widest hidden layer at which the default learning
	// rate is DefaultLR; wider networks get DefaultLR·RefWidth/width.
	RefWidth = 50
	// DefaultLR is the default learning rate of networks no wider than
	// RefWidth and of every network trained by Adam.
	DefaultLR = 1e-3
	// MaxRidgeWidth is the widest regressor for which the default
	// feedback solver of np and npdfa is ridge; wider ones default to sgd.
	// np's regressors are the dense layers above its first hidden site
	// (the errors its feedback is regressed on), npdfa's the output.
	MaxRidgeWidth = 256
)

// NetDefaults sets the settings whose defaults depend on the network, for
// each key (config.json's name) that given reports was not set by the
// user: the one place these defaults are decided, for the command line
// (credit train -h shows them) and experiment files alike.
//
//   - A network with a convolution trains as the paper's CNN does:
//     act tanh, loss ce (softmax cross-entropy) and opt adam. Sigmoid
//     units under squared error and momentum leave a CNN at chance.
//   - lr is DefaultLR with Adam (whose step does not grow with the
//     gradient), and otherwise DefaultLR·min(1, RefWidth/w) for w the
//     widest hidden layer (dense units, or a convolution's filters times
//     its kernel's area, the fan-in it gives the layer above). The change
//     a step makes to a layer's output grows with its fan-in (a sum of w
//     terms), so a learning rate that suits 50 units diverges at 500; the
//     main job's 784-50-20-10 keeps DefaultLR exactly.
//   - feedback_solver, for the rules that learn feedback by regression
//     (np, npdfa), is ridge unless a regressor is wider than
//     MaxRidgeWidth: ridge's solve costs O(s³) per step for a regressor of
//     width s (np on 784-1000-1000-1000-10 would take hours an epoch), so
//     there it is sgd. Other rules never read it, and keep ridge.
//
// Settings that given reports are left as they are; a Net that does not
// parse is left for Validate to refuse.
func (c *Config) NetDefaults(given func(key string) bool) {
	spec, err := nn.ParseSpec(c.Net)
	if err != nil {
		return
	}
	conv, widest, regressor, sites := false, 0, 0, 0
	out := spec.Layers[len(spec.Layers)-1].Size
	for i, l := range spec.Layers {
		switch l.Kind {
		case "conv":
			conv = true
			if i < len(spec.Layers)-1 {
				widest = max(widest, l.Filter*l.Size*l.Size)
			}
			sites++
		case "fc":
			if i < len(spec.Layers)-1 {
				widest = max(widest, l.Size)
			}
			if sites > 0 {
				regressor = max(regressor, l.Size)
			}
			sites++
		}
	}
	if c.Rule == "npdfa" {
		regressor = out
	}
	if !given("feedback_solver") && (c.Rule == "np" || c.Rule == "npdfa") && regressor > MaxRidgeWidth {
		c.FeedbackSolver = "sgd"
	}
	if conv {
		if !given("act") {
			c.Act = "tanh"
		}
		if !given("loss") && c.OutAct == "linear" {
			c.Loss = "ce"
		}
		if !given("opt") {
			c.Opt = "adam"
		}
	}
	if !given("lr") {
		c.LR = DefaultLR
		if c.Opt != "adam" && widest > RefWidth {
			c.LR = DefaultLR * RefWidth / float64(widest)
		}
	}
}

// Optimizers lists the accepted optimiser names.
var Optimizers = []string{"sgd", "momentum", "adam"}

// BiasInits lists the accepted --bias-init values ("" is zero).
var BiasInits = []string{"", "zero", "normal"}

// DataSets lists the accepted --data names.
var DataSets = []string{"mnist", "fashion-mnist", "cifar10", "linear"}

// Error is a setting that cannot be used. Key is the setting's key in
// config.json and experiment files (feedback_lr); the message names it as
// the command line's flag (--feedback-lr: …). Callers that know where a
// setting came from (an experiment file's line) use Key; nobody parses the
// message.
type Error struct {
	Key, Msg string
}

func (e *Error) Error() string { return Flag(e.Key) + ": " + e.Msg }

// Flag returns the command-line flag of a setting's key (feedback_lr →
// --feedback-lr).
func Flag(key string) string { return "--" + strings.ReplaceAll(key, "_", "-") }

func errf(key, format string, a ...any) *Error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, a...)}
}

// RuleError returns an error of package feedback as an *Error: under the
// setting a *feedback.OptionError names, or else under rule.
func RuleError(err error) *Error {
	if oe := (*feedback.OptionError)(nil); errors.As(err, &oe) {
		return &Error{Key: oe.Key, Msg: oe.Msg}
	}
	return errf("rule", "%v", err)
}

// FeedbackOptions returns the settings of the rule's parts: the one
// mapping from a run's settings to feedback.Options, for training and
// benchmarks alike.
func (c *Config) FeedbackOptions() feedback.Options {
	return feedback.Options{
		Noise: c.Noise, Solver: c.FeedbackSolver, FeedbackLR: c.FeedbackLR, Ridge: c.Ridge,
		FeedbackDecay: c.FeedbackDecay, WeightDecay: c.WeightDecay, PerturbLoss: c.NPLoss,
		ActivityNoise: c.ActivityNoise, Directions: c.Directions,
	}
}

// Validate checks every setting that can be checked without data, each in
// one place: the run's own here, the rule's settings by feedback.Check.
// Its error is an *Error naming the setting.
func (c *Config) Validate() error {
	if !slices.Contains(DataSets, c.Data) {
		return errf("data", "unknown data set %q (want one of %v)", c.Data, DataSets)
	}
	if _, err := nn.ParseSpec(c.Net); err != nil {
		return errf("net", "%v", err)
	}
	for _, a := range []struct{ key, v string }{{"act", c.Act}, {"out_act", c.OutAct}} {
		if !slices.Contains(nn.Activations, a.v) {
			return errf(a.key, "unknown activation %q (want one of %v)", a.v, nn.Activations)
		}
	}
	if _, err := nn.NewLoss(c.Loss); err != nil {
		return errf("loss", "%v", err)
	}
	if (c.Loss == "ce" || c.Loss == "softmax-mse") && c.OutAct != "linear" {
		return errf("out_act", "the %s loss applies softmax to the output itself, so the output activation must be linear, not %q", c.Loss, c.OutAct)
	}
	if _, err := nn.ParseReduction(c.Reduction); err != nil {
		return errf("reduction", "%v", err)
	}
	if !slices.Contains(Optimizers, c.Opt) {
		return errf("opt", "unknown optimiser %q (want one of %v)", c.Opt, Optimizers)
	}
	if !positive(c.LR) {
		return errf("lr", "must be a positive finite number, got %v", c.LR)
	}
	if c.Momentum < 0 || c.Momentum >= 1 || math.IsNaN(c.Momentum) {
		return errf("momentum", "must be in [0, 1), got %v", c.Momentum)
	}
	if !positive(c.AdamEps) {
		return errf("adam_eps", "must be a positive finite number, got %v", c.AdamEps)
	}
	if c.Batch <= 0 {
		return errf("batch", "must be positive, got %d", c.Batch)
	}
	if c.Epochs <= 0 {
		return errf("epochs", "must be positive, got %d", c.Epochs)
	}
	if c.TrainSize < 0 {
		return errf("train_size", "must be positive (or 0 for all), got %d", c.TrainSize)
	}
	if c.TrainOffset < 0 {
		return errf("train_offset", "must be ≥ 0 (the training examples to skip), got %d", c.TrainOffset)
	}
	if !slices.Contains(BiasInits, c.BiasInit) {
		return errf("bias_init", "unknown bias initialisation %q (want zero or normal)", c.BiasInit)
	}
	if c.DiagBatch <= 0 {
		return errf("diag_batch", "must be positive, got %d", c.DiagBatch)
	}
	if c.DiagEvery < 0 {
		return errf("diag_every", "must be 0 (per epoch only) or positive, got %d", c.DiagEvery)
	}
	if !(c.InputNoise >= 0) || math.IsInf(c.InputNoise, 0) {
		return errf("input_noise", "must be a finite number ≥ 0, got %v", c.InputNoise)
	}
	if c.Warmup < 0 {
		return errf("warmup", "must be ≥ 0, got %d", c.Warmup)
	}
	if err := c.validateBench(); err != nil {
		return err
	}
	if err := feedback.Check(c.Rule, c.FeedbackOptions()); err != nil {
		return RuleError(err)
	}
	if c.Out == "" {
		return errf("out", "a run directory is required")
	}
	return nil
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) }

// A Difference is one setting in which two configurations differ: its
// key in config.json and the JSON encoding of each side's value.
type Difference struct {
	Key  string
	A, B json.RawMessage
}

// String formats d as "key a ≠ b", strings without their quotes
// ("net 30-12-10 ≠ 30-10-10", "lr 0.001 ≠ 0.002").
func (d Difference) String() string {
	var a, b any
	json.Unmarshal(d.A, &a)
	json.Unmarshal(d.B, &b)
	return fmt.Sprintf("%s %v ≠ %v", d.Key, a, b)
}

// Diff is the one comparison of two runs' settings: it lists the settings
// in which a and b differ, in key order, leaving out the keys named in
// ignore (such as "out", where a run is, and "epochs", which a resumed run
// may change). Each caller words the list its own way (see Join).
func Diff(a, b Config, ignore ...string) []Difference {
	if a == b {
		return nil
	}
	var ma, mb map[string]json.RawMessage
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	json.Unmarshal(ja, &ma)
	json.Unmarshal(jb, &mb)
	var d []Difference
	for _, k := range slices.Sorted(maps.Keys(ma)) {
		if va, vb := ma[k], mb[k]; !slices.Contains(ignore, k) && !bytes.Equal(va, vb) {
			d = append(d, Difference{Key: k, A: va, B: vb})
		}
	}
	return d
}

// Join formats ds as "key a ≠ b" joined by commas; "" for none.
func Join(ds []Difference) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}
