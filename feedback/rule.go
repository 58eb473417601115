// Package feedback holds the credit-assignment rules: how the error reaches
// each hidden layer, and how the feedback matrices that carry it learn.
//
// A rule is a composition of parts (see Part), each one mechanism with its
// own state, its own settings check and its own per-step hooks, in its own
// file:
//
//   - exactly one delivery, the topology of error delivery (delivery.go):
//     Exact (backprop through Wᵀ), LayerWise (through B from the error of
//     the layer above), Direct (through D from the output error) or
//     Estimate (the node-perturbation estimate λ̂ itself);
//   - optional mechanisms that act on the feedback or the passes: node
//     perturbation (perturb.go), regression of λ̂ by a Learner (learn.go,
//     sgd.go, ridge.go), sign ties (sign.go), the weight mirror (wm.go),
//     Kolen–Pollack tracking (kp.go), forward gradients by tangent passes
//     (forwardgrad.go), and the activity-noise control (activity.go),
//     which New adds to any rule when its option is set.
//
// A new combination of parts is one Register call; a new mechanism is one
// new type implementing Part and the hooks it needs. Both can live in the
// caller's own package: everything they need is exported.
//
// Shapes. Hidden site i is the output of block i (width n_i). Feedback
// matrices are stored so that the delivered error is a row-major product
// dst = e·F:
//   - layer-wise: F[i] has the shape of W^{i+1} (n_{i+1} × n_i), so F[i] is
//     the paper's B^{i+1} transposed and F[i] = W^{i+1} is exact backprop;
//     a convolution's is a set of kernels of W's shape;
//   - direct: F[i] is n_out × n_i, the paper's D^i transposed.
package feedback

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// A Part is one mechanism of a rule. New makes a rule's parts afresh from
// its Def, and attaches them in order: a part sees the parts before it
// (the delivery comes first) through the Rule.
//
// Beside Attach, a part implements the hooks it needs, each an interface
// of this package: Preparer, Passer, Backwarder, Learner, Mover, Stateful, Diagnoser
// (and Delivery for the one delivery part). Rule calls them in the order
// of the parts.
type Part interface {
	// Attach binds the part to r on net: it checks what it needs of r's
	// settings (r.Opt) and of the network, and allocates its state. rng
	// draws whatever starts random (the run's feedback stream).
	Attach(r *Rule, net *nn.Net, rng *rand.Rand) error
}

// Checker is a part with conditions on the run's settings that hold
// whatever the network: Check lets a caller refuse a bad combination
// before building anything (config validation does). Its errors are
// *OptionError naming the setting.
type Checker interface {
	Check(o Options) error
}

// Delivery is the part that delivers the error to each hidden site (one
// per rule, first among its parts).
type Delivery interface {
	Part
	// Deliver implements nn.Deliverer.
	Deliver(n *nn.Net, site int, eAbove, eOut, dst *tensor.Mat)
}

// Holder is a delivery that carries feedback matrices.
type Holder interface {
	// Feedback returns the feedback matrices, one per hidden site, in the
	// shapes of the package comment.
	Feedback() []*tensor.Mat
	// Regressor returns the error that carries feedback to hidden site
	// `site` in the backward pass that filled g: the error at the core
	// above (layer-wise) or at the output (direct), batch × F[site].Rows.
	Regressor(g *nn.Grads, site int) *tensor.Mat
}

// Estimator is a part that estimates λ = ∂L/∂h at every hidden site each
// step (node perturbation).
type Estimator interface {
	// Lambda returns the estimate at hidden site `site` from the last step
	// (batch × width).
	Lambda(site int) *tensor.Mat
}

// Preparer is a part with work before a step's forward pass (re-tying
// feedback to sign(W), the weight mirror's step).
type Preparer interface {
	Prepare(s *Step)
}

// Passer is a part that runs the step's forward passes itself (node
// perturbation's clean and noisy passes, activity noise): it must leave
// the layers' state of the pass that Backward uses in s.Net, set s.YHat to
// its output and s.Losses to its clean per-example losses. At most one
// part of a rule is a Passer; without one the rule runs one clean pass.
type Passer interface {
	Pass(s *Step)
}

// Backwarder is a part that fills the step's gradients s.Grads itself, in
// place of the backward pass through the delivery (forward gradients on
// the weights, whose estimate is the update): W and B of every block, and
// Delta where the rule has an error at a core's output (zero where it has
// none, which makes the delta angle undefined). It runs after the pass,
// learning step or not. At most one part of a rule is a Backwarder.
type Backwarder interface {
	Backward(s *Step)
}

// Learner is a part that learns after the step's backward pass, when the
// step learns (s.Learn): feedback regression.
type Learner interface {
	Learn(s *Step)
}

// Mover is a part that follows the optimiser's move of the forward
// weights (Kolen–Pollack): Move must call update exactly once.
type Mover interface {
	Move(net *nn.Net, update func())
}

// Stateful is a part with state that a checkpoint must save so that a
// resumed run continues bit for bit. State returns float32 and float64
// arrays (valid until the next step); Restore takes what State returned
// from the front of f32 and f64 and returns what is left, or an error
// saying what does not fit.
type Stateful interface {
	State() (f32 [][]float32, f64 [][]float64)
	Restore(f32 [][]float32, f64 [][]float64) (rest32 [][]float32, rest64 [][]float64, err error)
}

// Diagnoser is a part that adds its own diagnostics to each hidden layer's
// (SPEC §4). d.Layers already holds the delta and update angles.
type Diagnoser interface {
	Diagnose(d *Diagnosis)
}

// Step is what the parts of a rule share during one step.
type Step struct {
	Net   *nn.Net
	Loss  nn.Loss
	Scale float32     // the loss reduction's factor: 1 for a summed loss, 1/batch for a mean
	X, Y  *tensor.Mat // batch × In, batch × Out
	Grads *nn.Grads   // the backward pass's output
	Rand  *rand.Rand  // every random draw of the step
	// Source is Rand's source when the caller named it (Rule.SetSource),
	// or nil: bulk normal draws then read it directly (Normals).
	Source *rand.PCG
	Learn  bool // the feedback learns in this step
	// Filled by the pass: the output and the clean per-example losses.
	YHat   *tensor.Mat
	Losses []float64
}

// Diagnosis is what a Diagnoser gets: the network at the diagnostic
// batch, the rule's gradients and backprop's on it, and the layers to
// complete (index i is hidden site i).
type Diagnosis struct {
	Net      *nn.Net
	Rule, BP *nn.Grads
	Layers   []metrics.Layer
}

// Def defines a rule: its name, a one-line description, and the parts it
// is made of (Parts returns them afresh for every rule made; the first is
// the Delivery).
type Def struct {
	Name, Doc string
	Parts     func() []Part
}

var registry = map[string]Def{}

// Register adds a rule. Each of credit's rules calls it from an init
// function; a rule defined in another package can do the same, and is
// then trained, listed and checked like credit's own. Register panics on a
// duplicate or empty name, or a Def without parts (programming errors).
func Register(d Def) {
	if d.Name == "" || d.Parts == nil {
		panic("feedback: Register needs a name and parts")
	}
	if _, dup := registry[d.Name]; dup {
		panic("feedback: rule " + d.Name + " registered twice")
	}
	registry[d.Name] = d
}

// Names returns the registered rule names, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(registry))
}

// Lookup returns the definition of the rule named name.
func Lookup(name string) (Def, bool) {
	d, ok := registry[name]
	return d, ok
}

// Doc returns a one-line description of the rule named name.
func Doc(name string) string { return registry[name].Doc }

// Check reports whether the settings o are acceptable for the rule named
// name, without a network: o's own ranges (Options.Check) and each part's
// conditions (Checker). Its errors are *OptionError naming the setting.
func Check(name string, o Options) error {
	d, ok := registry[name]
	if !ok {
		return &OptionError{Key: "rule", Msg: fmt.Sprintf("unknown rule %q (want one of %v)", name, Names())}
	}
	if err := o.Check(); err != nil {
		return err
	}
	for _, p := range parts(d, o) {
		if c, ok := p.(Checker); ok {
			if err := c.Check(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// parts makes d's parts, with the activity-noise control when o asks for it.
func parts(d Def, o Options) []Part {
	ps := d.Parts()
	if o.ActivityNoise != 0 {
		ps = append(ps, &activityNoise{})
	}
	return ps
}

// Rule is a credit-assignment rule bound to one network: its parts, and
// the scratch of a step. It implements nn.Deliverer.
type Rule struct {
	Name string
	Opt  Options

	parts     []Part
	delivery  Delivery
	holder    Holder
	estimator Estimator
	passer    Passer
	back      Backwarder
	mover     Mover
	preparers []Preparer // the parts that are Preparers, in order
	learners  []Learner  // and Learners
	step      Step
	dOut      tensor.Mat
	clean     []float64
	sources   []source // streams whose source the caller named
}

// source is a stream and the PCG it draws from.
type source struct {
	rng *rand.Rand
	src *rand.PCG
}

// SetSource tells the rule that rng = rand.New(src): a step given rng then
// draws its bulk noise (node perturbation's, activity noise, forward
// gradients' directions) from src directly, with the same values and the
// same state after (tensor.FillNormalPCG), in parallel when long.
func (r *Rule) SetSource(rng *rand.Rand, src *rand.PCG) {
	r.sources = append(r.sources, source{rng, src})
}

// Normals fills dst with standard normal draws from the step's stream:
// tensor.FillNormal's values, from Source directly when it is known.
func (s *Step) Normals(dst []float32) {
	if s.Source != nil {
		tensor.FillNormalPCG(dst, s.Source)
		return
	}
	tensor.FillNormal(dst, s.Rand)
}

// New returns the rule named name for net with the settings opt. rng draws
// whatever starts random: feedback matrices are N(0, 2/fan_in) entrywise,
// fan_in being the matrix's column count (the width n_i of the site it
// delivers to, or a conv kernel's InC·K·K), the scale of the forward
// weights W^{i+1} they stand in for.
func New(name string, net *nn.Net, opt Options, rng *rand.Rand) (*Rule, error) {
	if err := Check(name, opt); err != nil {
		return nil, err
	}
	r := &Rule{Name: name, Opt: opt, parts: parts(registry[name], opt)}
	var ok bool
	if r.delivery, ok = r.parts[0].(Delivery); !ok {
		return nil, fmt.Errorf("rule %s: its first part (%T) is not a Delivery", name, r.parts[0])
	}
	r.holder, _ = r.delivery.(Holder)
	for _, p := range r.parts {
		if err := p.Attach(r, net, rng); err != nil {
			return nil, err
		}
		if e, ok := p.(Estimator); ok && r.estimator == nil {
			r.estimator = e
		}
		if ps, ok := p.(Passer); ok {
			if r.passer != nil {
				return nil, fmt.Errorf("rule %s: two parts run the forward pass (%T and %T)", name, r.passer, p)
			}
			r.passer = ps
		}
		if b, ok := p.(Backwarder); ok {
			if r.back != nil {
				return nil, fmt.Errorf("rule %s: two parts fill the gradients (%T and %T)", name, r.back, p)
			}
			r.back = b
		}
		if m, ok := p.(Mover); ok {
			if r.mover != nil {
				return nil, fmt.Errorf("rule %s: two parts follow the forward weights' move (%T and %T)", name, r.mover, p)
			}
			r.mover = m
		}
		if h, ok := p.(Preparer); ok {
			r.preparers = append(r.preparers, h)
		}
		if h, ok := p.(Learner); ok {
			r.learners = append(r.learners, h)
		}
	}
	return r, nil
}

// Feedback returns the rule's feedback matrices, one per hidden site (nil
// for a rule without: bp, nodepert). See the package comment for shapes.
func (r *Rule) Feedback() []*tensor.Mat {
	if r.holder == nil {
		return nil
	}
	return r.holder.Feedback()
}

// Regressor returns the error that carries the feedback to hidden site
// `site` in the backward pass that filled g (nil without feedback
// matrices); see Holder.
func (r *Rule) Regressor(g *nn.Grads, site int) *tensor.Mat {
	if r.holder == nil {
		return nil
	}
	return r.holder.Regressor(g, site)
}

// Lambda returns the node-perturbation estimate λ̂ at hidden site `site`
// from the last Step (batch × width), or nil for a rule that does not
// estimate it.
func (r *Rule) Lambda(site int) *tensor.Mat {
	if r.estimator == nil {
		return nil
	}
	return r.estimator.Lambda(site)
}

// Parts returns the rule's parts, delivery first.
func (r *Rule) Parts() []Part { return r.parts }

// Deliver implements nn.Deliverer through the rule's delivery part.
func (r *Rule) Deliver(n *nn.Net, site int, eAbove, eOut, dst *tensor.Mat) {
	r.delivery.Deliver(n, site, eAbove, eOut, dst)
}

// Step runs one batch: forward, loss, the rule's backward pass into g, and,
// when learn is true, the feedback's learning. x is batch × In, y batch ×
// Out; scale is the loss reduction's factor (1 for a summed loss, 1/batch
// for a mean). rng supplies every random draw of the step. It returns the
// clean per-example losses (valid until the next Step).
//
// The order is: every Preparer (re-tying to sign(W), the weight mirror's
// step), the pass (a Passer's, or one clean forward pass), the loss's
// gradient and the backward pass (or a Backwarder's gradients in their
// place), every Learner when learn. The forward
// weights' move comes later, from the trainer, through Move.
func (r *Rule) Step(net *nn.Net, loss nn.Loss, scale float32, x, y *tensor.Mat, g *nn.Grads, rng *rand.Rand, learn bool) []float64 {
	s := &r.step
	*s = Step{Net: net, Loss: loss, Scale: scale, X: x, Y: y, Grads: g, Rand: rng, Learn: learn}
	for _, src := range r.sources {
		if src.rng == rng {
			s.Source = src.src
		}
	}
	for _, h := range r.preparers {
		h.Prepare(s)
	}
	var grad *tensor.Mat // the plain step's gradient, from the clean pass's loss
	if r.passer == nil && r.back == nil {
		grad = &r.dOut
	}
	if r.passer != nil {
		r.passer.Pass(s)
	} else {
		forwardPass(s, nil, &r.clean, grad)
	}
	if r.back != nil {
		r.back.Backward(s)
	} else {
		if grad == nil {
			loss.Grad(s.YHat, y, scale, &r.dOut)
		}
		net.Backward(&r.dOut, r, g)
	}
	if learn {
		for _, h := range r.learners {
			h.Learn(s)
		}
	}
	return s.Losses
}

// forwardPass runs one forward pass of the step's batch with noise at the
// hidden sites (nil: clean) and keeps its output in s.YHat and its
// per-example losses in *losses (resized), which s.Losses then is; with
// grad not nil, also the loss's gradient at s.Scale, from the same pass
// over the outputs (nn.PerSampleGrad).
func forwardPass(s *Step, noise []*tensor.Mat, losses *[]float64, grad *tensor.Mat) {
	s.YHat = s.Net.Forward(s.X, noise)
	*losses = resize64(*losses, s.X.Rows)
	if grad != nil {
		nn.PerSampleGrad(s.Loss, s.YHat, s.Y, s.Scale, *losses, grad)
	} else {
		s.Loss.PerSample(s.YHat, s.Y, *losses)
	}
	s.Losses = *losses
}

// Move runs update, which moves the forward weights (the trainer's decay
// and the optimiser's step), through the rule's Mover if it has one (a
// feedback that follows W's changes). The trainer calls Move once per
// optimiser step and not at all when the forward weights do not move.
func (r *Rule) Move(net *nn.Net, update func()) {
	if r.mover == nil {
		update()
		return
	}
	r.mover.Move(net, update)
}

// State returns the rule's state across steps, its Stateful parts' in
// order: float32 arrays (the feedback matrices) and float64 arrays (a
// learner's sums). Everything else a rule holds is scratch.
func (r *Rule) State() (f32 [][]float32, f64 [][]float64) {
	for _, p := range r.parts {
		if s, ok := p.(Stateful); ok {
			a, b := s.State()
			f32, f64 = append(f32, a...), append(f64, b...)
		}
	}
	return f32, f64
}

// Restore sets the rule's state to what State returned, or says what does
// not fit.
func (r *Rule) Restore(f32 [][]float32, f64 [][]float64) error {
	for _, p := range r.parts {
		if s, ok := p.(Stateful); ok {
			var err error
			if f32, f64, err = s.Restore(f32, f64); err != nil {
				return err
			}
		}
	}
	if len(f32) > 0 || len(f64) > 0 {
		return fmt.Errorf("%d float32 and %d float64 state arrays more than rule %s keeps", len(f32), len(f64), r.Name)
	}
	return nil
}

// Diagnose completes the diagnostics of each hidden layer (layers, as
// metrics.Compare made them from the rule's gradients g and backprop's bp
// on the same batch and weights) with those of the rule's parts.
func (r *Rule) Diagnose(net *nn.Net, g, bp *nn.Grads, layers []metrics.Layer) {
	d := &Diagnosis{Net: net, Rule: g, BP: bp, Layers: layers}
	for _, p := range r.parts {
		if h, ok := p.(Diagnoser); ok {
			h.Diagnose(d)
		}
	}
}

// mats returns n empty matrices.
func mats(n int) []*tensor.Mat {
	m := make([]*tensor.Mat, n)
	for i := range m {
		m[i] = &tensor.Mat{}
	}
	return m
}

// resize64 returns s with length n, reallocated only when it is too short.
func resize64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// matrices returns the feedback matrices of r's delivery, or an error
// naming the part that needs them (for a part's Attach).
func (r *Rule) matrices(who string) ([]*tensor.Mat, error) {
	if r.holder == nil {
		return nil, fmt.Errorf("rule %s: %s needs a delivery with feedback matrices", r.Name, who)
	}
	return r.holder.Feedback(), nil
}
