// Package feedback holds the credit-assignment rules: how the error reaches
// each hidden layer, and how the feedback matrices that carry it learn.
//
// A rule is three separable choices (see Rule): the topology of error
// delivery (exact backprop through Wᵀ, layer-wise through B, direct from the
// output through D, or a node-perturbation estimate), the feedback matrices
// it holds and how they start (random, zero, or tied to the signs of W), and
// how they learn (fixed; by regression on node perturbation's estimate; by
// mirroring the layer's response to noise; or by tracking the changes of W).
// A new rule is one small file that registers a Spec.
//
// Shapes. Hidden site i is the output of block i (width n_i). Feedback
// matrices are stored so that the delivered error is a row-major product
// dst = e·F:
//   - layer-wise: F[i] has the shape of W^{i+1} (n_{i+1} × n_i), so F[i] is
//     the paper's B^{i+1} transposed and F[i] = W^{i+1} is exact backprop;
//   - direct: F[i] is n_out × n_i, the paper's D^i transposed.
package feedback

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Topology says where the error delivered to a hidden site comes from.
type Topology int

const (
	// Exact: through the transposed forward weights (backprop).
	Exact Topology = iota
	// LayerWise: through a feedback matrix from the error of the layer above.
	LayerWise
	// Direct: through a feedback matrix straight from the output error.
	Direct
	// Estimate: the node-perturbation estimate λ̂ itself, no feedback matrix.
	Estimate
)

// String returns the topology's name.
func (t Topology) String() string {
	return [...]string{"exact", "layer-wise", "direct", "estimate"}[t]
}

// Spec describes a rule: the three choices.
type Spec struct {
	Topology Topology
	// ZeroInit starts the feedback matrices at 0 instead of random.
	ZeroInit bool
	// Perturb runs node perturbation each step (a noisy pass) to estimate
	// λ̂ = ∂L/∂h at every hidden site.
	Perturb bool
	// Tie, unless NoTie, sets F = m ∘ sign(W) at the start of every step
	// (sign symmetry), the magnitudes m from the given source; see sign.go.
	Tie Magnitude
	// Learn says how the feedback matrices learn.
	Learn Learning
}

// Learning says how a rule's feedback matrices change.
type Learning int

const (
	// Static: they never learn (or, with a Tie, only follow sign(W)).
	Static Learning = iota
	// Regress: regression of node perturbation's λ̂ on the error that
	// carries the feedback, by the Learner (np, npdfa; needs Perturb).
	Regress
	// Mirror: the weight mirror, from the layer's response to noise
	// injected at its input (wm; see wm.go).
	Mirror
	// Track: F receives the change the optimiser made to W, with W's decay
	// (Kolen–Pollack; see kp.go and Rule.Move).
	Track
)

type entry struct {
	doc  string
	spec Spec
}

var registry = map[string]entry{}

// register adds a rule; each rule's file calls it from init.
func register(name, doc string, s Spec) { registry[name] = entry{doc, s} }

// Names returns the registered rule names, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(registry))
}

// SpecOf returns the choices of the rule named name.
func SpecOf(name string) (Spec, bool) {
	e, ok := registry[name]
	return e.spec, ok
}

// Doc returns a one-line description of the rule named name.
func Doc(name string) string { return registry[name].doc }

// Options are the settings of the rules that perturb and learn; fixed
// rules ignore them. Decays are per-step factors, not scaled by a learning
// rate (Akrout et al. 2019's λ).
type Options struct {
	// Noise is the node-perturbation scale c. With c = 0 there is no noisy
	// pass and λ̂ = 0, so nothing learns from it.
	Noise float64
	// Solver is the feedback learner: "sgd" (random start, step FeedbackLR)
	// or "ridge" (zero start, regulariser Ridge); see NewLearner.
	Solver string
	// FeedbackLR is η_B: the sgd solver's step, and the weight mirror's.
	FeedbackLR float64
	Ridge      float64
	// FeedbackDecay is the weight mirror's λ_WM: F ← F + η_B·mirror − λ_WM·F
	// each step, so F settles at (η_B/λ_WM)·W.
	FeedbackDecay float64
	// WeightDecay is the per-step decay λ of the forward weights, which
	// the trainer applies (W ← (1 − λ)W before each optimiser step) and
	// Kolen–Pollack's feedback shares.
	WeightDecay float64
	// PerturbLoss, if non-nil, is the loss whose per-example difference
	// node perturbation uses, in place of the training loss (the paper's
	// CNN code used ½‖softmax(ŷ) − y‖² while training on cross-entropy).
	PerturbLoss nn.Loss
	// ActivityNoise, if positive, adds noise of this scale at every hidden
	// site in the training passes of rules that do not perturb (the
	// paper's control: backprop on a network with the same activity noise
	// as node perturbation's). Passes with net.Training false stay clean.
	ActivityNoise float64
}

// Rule is a credit-assignment rule bound to one network. It implements
// nn.Deliverer.
type Rule struct {
	Name string
	Spec
	Opt Options
	// F holds the feedback matrices, one per hidden site (nil for Exact and
	// Estimate). See the package comment for shapes.
	F []*tensor.Mat
	// Learner updates F when the rule learns its feedback by regression.
	Learner Learner
	// F and the Learner's state are all the state a rule carries from one
	// step to the next; the fields below are scratch.

	lossClean, lossNoisy []float64
	lossAlt, lossBase    []float64 // clean losses under PerturbLoss; the baseline in use
	xi, noise, lambda    []*tensor.Mat
	dOut                 tensor.Mat
	probe, gW            tensor.Mat    // the weight mirror's noise and its correlation with the response
	gB                   []float32     // the response's bias gradient (discarded)
	gap                  []*tensor.Mat // Kolen–Pollack: W − F before the optimiser's step
}

// New returns the rule named name for net, with random feedback matrices
// drawn from rng: N(0, 2/fan_in) entrywise, fan_in being the matrix's
// column count (the width n_i of the site it delivers to, or a conv
// kernel's InC·K·K), the scale of the forward weights W^{i+1} it stands in
// for. Layer-wise feedback of a convolution is a set of kernels of W's
// shape.
func New(name string, net *nn.Net, opt Options, rng *rand.Rand) (*Rule, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown rule %q (want one of %v)", name, Names())
	}
	r := &Rule{Name: name, Spec: e.spec, Opt: opt}
	if r.Perturb && !(opt.Noise >= 0 && !math.IsInf(opt.Noise, 0)) {
		return nil, fmt.Errorf("noise scale must be a finite number ≥ 0, got %v", opt.Noise)
	}
	if opt.ActivityNoise != 0 && (r.Perturb || !(opt.ActivityNoise > 0) || math.IsInf(opt.ActivityNoise, 0)) {
		return nil, fmt.Errorf("activity noise must be a finite number > 0, for a rule that does not perturb (not %s)", name)
	}
	switch r.Learn {
	case Regress:
		var err error
		if r.Learner, err = NewLearner(opt.Solver, opt.FeedbackLR, opt.Ridge); err != nil {
			return nil, err
		}
		r.ZeroInit = r.ZeroInit || opt.Solver == "ridge"
	case Mirror:
		if !(opt.FeedbackLR >= 0) || math.IsInf(opt.FeedbackLR, 0) || !(opt.FeedbackDecay >= 0 && opt.FeedbackDecay < 1) {
			return nil, fmt.Errorf("rule %s needs a finite feedback learning rate ≥ 0 and a feedback decay in [0, 1), got %v and %v", name, opt.FeedbackLR, opt.FeedbackDecay)
		}
	case Track:
		if !(opt.WeightDecay >= 0 && opt.WeightDecay < 1) {
			return nil, fmt.Errorf("rule %s needs a weight decay in [0, 1), got %v", name, opt.WeightDecay)
		}
	}
	for i := 0; i < net.Sites(); i++ {
		var f *tensor.Mat
		switch r.Topology {
		case LayerWise:
			above := net.Blocks[i+1].Core
			if _, dense := above.(*nn.Dense); r.Learn == Regress && !dense {
				return nil, fmt.Errorf("rule %s learns layer-wise feedback for dense layers only, and the layer above hidden site %d is not dense (use npdfa)", name, i+1)
			}
			f = tensor.New(above.Weight().Rows, above.Weight().Cols)
		case Direct:
			f = tensor.New(net.Out(), net.SiteWidth(i))
		default:
			continue
		}
		if !r.ZeroInit {
			std := math.Sqrt(2 / float64(f.Cols))
			for k := range f.Data {
				f.Data[k] = float32(rng.NormFloat64() * std)
			}
		}
		r.F = append(r.F, f)
	}
	if r.Tie != NoTie {
		r.tie(net, rng)
	}
	return r, nil
}

// Deliver implements nn.Deliverer.
func (r *Rule) Deliver(n *nn.Net, site int, eAbove, eOut, dst *tensor.Mat) {
	switch r.Topology {
	case Exact:
		core := n.Blocks[site+1].Core
		core.InputGrad(eAbove, core.Weight(), dst)
	case LayerWise:
		n.Blocks[site+1].Core.InputGrad(eAbove, r.F[site], dst)
	case Direct:
		dst.Resize(eOut.Rows, r.F[site].Cols)
		tensor.MatMul(false, false, 1, eOut, r.F[site], 0, dst)
	case Estimate:
		dst.CopyFrom(r.lambda[site])
	}
}

// Step runs one batch: forward, loss, the rule's backward pass into g, and,
// when learn is true, the feedback update. x is batch × In, y batch × Out;
// scale is the loss reduction's factor (1 for a summed loss, 1/batch for a
// mean). rng supplies every random draw of the step (perturbation noise,
// brsf's magnitudes, the weight mirror's noise). It returns the clean
// per-example losses (valid until the next Step).
//
// Feedback tied to sign(W) is re-tied first, and the weight mirror's step
// (learn only) runs before the forward pass, so the pass uses the feedback
// of the current W. Kolen–Pollack learns in Move, not here.
func (r *Rule) Step(net *nn.Net, loss nn.Loss, scale float32, x, y *tensor.Mat, g *nn.Grads, rng *rand.Rand, learn bool) []float64 {
	batch := x.Rows
	if r.Tie != NoTie {
		r.tie(net, rng)
	}
	if learn && r.Learn == Mirror {
		r.mirror(net, batch, rng)
	}
	r.lossClean = resize64(r.lossClean, batch)
	pl := loss // the loss of the perturbation's loss difference
	if r.Opt.PerturbLoss != nil {
		pl = r.Opt.PerturbLoss
	}
	perturb := r.Perturb && r.drawNoise(net, batch, r.Opt.Noise, rng)
	// Two orders give the same numbers: when the first block carries most
	// of the cost (an MLP on images), the noisy pass and the clean pass
	// that restores the layers' state replay only what lies above it;
	// otherwise (a CNN) the noisy pass runs first and the clean one reruns
	// the whole network with the same dropout masks.
	replay := net.ReplayPays()
	var yhat *tensor.Mat
	switch {
	case perturb && !replay:
		r.noisyLoss(pl, net.Forward(x, r.noise), y)
		yhat = net.Rerun(x)
	case r.Opt.ActivityNoise > 0 && net.Training:
		r.drawNoise(net, batch, r.Opt.ActivityNoise, rng)
		yhat = net.Forward(x, r.noise)
	default:
		yhat = net.Forward(x, nil)
	}
	loss.PerSample(yhat, y, r.lossClean)
	r.lossBase = r.lossClean
	if r.Perturb && r.Opt.PerturbLoss != nil {
		r.lossAlt = resize64(r.lossAlt, batch)
		pl.PerSample(yhat, y, r.lossAlt)
		r.lossBase = r.lossAlt
	}
	if perturb && replay {
		r.noisyLoss(pl, net.Replay(r.noise), y)
		yhat = net.Replay(nil)
	}
	loss.Grad(yhat, y, scale, &r.dOut)
	if r.Perturb {
		r.estimate(scale)
	}
	net.Backward(&r.dOut, r, g)
	if learn && r.Learn == Regress && r.Opt.Noise > 0 {
		for i, f := range r.F {
			r.Learner.Update(i, f, r.Regressor(g, i), r.lambda[i])
		}
	}
	return r.lossClean
}

// Regressor returns the error that carries feedback to hidden site i in
// the backward pass that filled g: the error at the core above (layer-wise)
// or at the output (direct).
func (r *Rule) Regressor(g *nn.Grads, site int) *tensor.Mat {
	if r.Topology == Direct {
		return g.Delta[len(g.Delta)-1]
	}
	return g.Delta[site+1]
}

// Lambda returns the node-perturbation estimate λ̂ at hidden site i from
// the last Step (batch × width), or nil for a rule that does not perturb.
func (r *Rule) Lambda(site int) *tensor.Mat {
	if !r.Perturb {
		return nil
	}
	return r.lambda[site]
}

// drawNoise draws ξ ~ N(0, I) for every hidden site and the noise c·ξ. It
// reports whether a noisy pass is needed (not when c = 0: then ξ = 0 and
// λ̂ = 0). ξ comes from tensor.FillNormal: Box–Muller in float32 on rng's
// Uint64 stream (vectorised; normal up to a truncation at |ξ| ≤ 6.66 and
// float32 rounding, see there), so a seed fixes every draw.
func (r *Rule) drawNoise(net *nn.Net, batch int, c float64, rng *rand.Rand) bool {
	sites := net.Sites()
	if r.xi == nil {
		r.xi, r.noise, r.lambda = mats(sites), mats(sites), mats(sites)
	}
	for i := 0; i < sites; i++ {
		xi, nz := r.xi[i].Resize(batch, net.SiteWidth(i)), r.noise[i].Resize(batch, net.SiteWidth(i))
		if c == 0 {
			xi.Zero()
			continue
		}
		tensor.FillNormal(xi.Data, rng)
		tensor.ScaleTo(nz.Data, float32(c), xi.Data)
	}
	return c != 0
}

// noisyLoss keeps the per-example losses of a noisy pass's output.
func (r *Rule) noisyLoss(loss nn.Loss, yhat, y *tensor.Mat) {
	r.lossNoisy = resize64(r.lossNoisy, y.Rows)
	loss.PerSample(yhat, y, r.lossNoisy)
}

// estimate writes λ̂_n = scale·(L̃_n − L_n)·ξ_n / c for every hidden site.
func (r *Rule) estimate(scale float32) {
	for i, xi := range r.xi {
		lam := r.lambda[i].Resize(xi.Rows, xi.Cols)
		if r.Opt.Noise == 0 {
			lam.Zero()
			continue
		}
		for n := 0; n < xi.Rows; n++ {
			d := float32(float64(scale) * (r.lossNoisy[n] - r.lossBase[n]) / r.Opt.Noise)
			tensor.ScaleTo(lam.Row(n), d, xi.Row(n))
		}
	}
}

func mats(n int) []*tensor.Mat {
	m := make([]*tensor.Mat, n)
	for i := range m {
		m[i] = &tensor.Mat{}
	}
	return m
}

func resize64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Move runs update, which moves the forward weights: the caller's decay
// W ← (1 − λ)W with λ = Opt.WeightDecay, then the optimiser's step ΔW.
// Feedback that learns by Track (Kolen–Pollack) follows: it receives the
// same ΔW and the same decay, F ← (1 − λ)F + ΔW, computed as
// F_new = W_new − (1 − λ)(W_old − F_old), so that W − F shrinks by (1 − λ)
// each step whatever the optimiser. Other rules just run update. The
// trainer calls Move once per optimiser step and not at all when the
// forward weights do not move (then neither does F).
func (r *Rule) Move(net *nn.Net, update func()) {
	if r.Learn != Track {
		update()
		return
	}
	for len(r.gap) < len(r.F) {
		r.gap = append(r.gap, &tensor.Mat{})
	}
	for i, f := range r.F {
		w, d := net.Blocks[i+1].Core.Weight().Data, r.gap[i].Resize(f.Rows, f.Cols).Data
		for k, v := range f.Data {
			d[k] = w[k] - v
		}
	}
	update()
	keep := float32(1 - r.Opt.WeightDecay)
	for i, f := range r.F {
		w, d := net.Blocks[i+1].Core.Weight().Data, r.gap[i].Data
		for k := range f.Data {
			f.Data[k] = w[k] - keep*d[k]
		}
	}
}
