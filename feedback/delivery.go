package feedback

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// The four deliveries: where the error delivered to a hidden site comes
// from. The output layer always receives its exact error.

// Exact delivers backprop's error, through the transposed forward weights:
// ẽ^i = ((W^{i+1})ᵀ ẽ^{i+1}) ∘ σ'.
type Exact struct{}

// Attach implements Part.
func (Exact) Attach(*Rule, *nn.Net, *rand.Rand) error { return nil }

// Deliver implements Delivery.
func (Exact) Deliver(n *nn.Net, site int, eAbove, _, dst *tensor.Mat) {
	core := n.Blocks[site+1].Core
	core.InputGrad(eAbove, core.Weight(), dst)
}

// LayerWise delivers the error of the layer above through a feedback matrix
// F[i] of W^{i+1}'s shape in place of W^{i+1} (a set of kernels for a
// convolution): ẽ^i = (B^{i+1} ẽ^{i+1}) ∘ σ', B = Fᵀ. F starts random
// (N(0, 2/fan_in)), or at zero when a later part asks for it (the ridge
// solver). Its diagnostics are the weight angle, relative
// error and sign congruence of F against W.
type LayerWise struct {
	F []*tensor.Mat
	delivered
}

// Attach implements Part.
func (l *LayerWise) Attach(r *Rule, net *nn.Net, rng *rand.Rand) error {
	for i := 0; i < net.Sites(); i++ {
		l.F = append(l.F, initialFor(net.Blocks[i+1].Core, zeroStart(r), rng))
	}
	l.size(net.Sites())
	return nil
}

// Deliver implements Delivery. The delivered error is the core's input
// error with F, InputGrad(eAbove, F) (through a dense layer the product
// eAbove·F), which the feedback regression reuses (producer).
func (l *LayerWise) Deliver(n *nn.Net, site int, eAbove, _, dst *tensor.Mat) {
	n.Blocks[site+1].Core.InputGrad(eAbove, l.F[site], dst)
	l.record(site, eAbove, l.F[site], dst)
}

// Feedback implements Holder.
func (l *LayerWise) Feedback() []*tensor.Mat { return l.F }

// Regressor implements Holder: the error at the core above the site.
func (l *LayerWise) Regressor(g *nn.Grads, site int) *tensor.Mat { return g.Delta[site+1] }

// State and Restore implement Stateful.
func (l *LayerWise) State() ([][]float32, [][]float64) { return data(l.F), nil }

// Restore implements Stateful.
func (l *LayerWise) Restore(f32 [][]float32, f64 [][]float64) ([][]float32, [][]float64, error) {
	return restoreMats(l.F, f32, f64)
}

// Diagnose implements Diagnoser: F[i] against W^{i+1}.
func (l *LayerWise) Diagnose(d *Diagnosis) { againstW(d, l.F) }

// againstW records the weight angle, relative error and sign congruence of
// layer-wise feedback F[i] against W^{i+1} for every hidden layer.
func againstW(d *Diagnosis, F []*tensor.Mat) {
	for i := range d.Layers {
		d.Layers[i].SetFeedback(F[i].Data, d.Net.Blocks[i+1].Core.Weight().Data)
	}
}

// Direct delivers the output error through a feedback matrix F[i] of
// n_out × n_i: ẽ^i = (D^i e^N) ∘ σ', D = Fᵀ. F starts random, or at zero
// when the ridge solver asks for it.
type Direct struct {
	F []*tensor.Mat
	delivered
}

// Attach implements Part.
func (d *Direct) Attach(r *Rule, net *nn.Net, rng *rand.Rand) error {
	for i := 0; i < net.Sites(); i++ {
		d.F = append(d.F, initial(net.Out(), net.SiteWidth(i), zeroStart(r), rng))
	}
	d.size(net.Sites())
	return nil
}

// Deliver implements Delivery: the product eOut·F, which the SGD solver
// reuses (producer).
func (d *Direct) Deliver(_ *nn.Net, site int, _, eOut, dst *tensor.Mat) {
	dst.Resize(eOut.Rows, d.F[site].Cols)
	tensor.MatMul(false, false, 1, eOut, d.F[site], 0, dst)
	d.record(site, eOut, d.F[site], dst)
}

// Feedback implements Holder.
func (d *Direct) Feedback() []*tensor.Mat { return d.F }

// Regressor implements Holder: the output error.
func (d *Direct) Regressor(g *nn.Grads, _ int) *tensor.Mat { return g.Delta[len(g.Delta)-1] }

// State implements Stateful.
func (d *Direct) State() ([][]float32, [][]float64) { return data(d.F), nil }

// Restore implements Stateful.
func (d *Direct) Restore(f32 [][]float32, f64 [][]float64) ([][]float32, [][]float64, error) {
	return restoreMats(d.F, f32, f64)
}

// Estimated delivers the estimate λ̂ of the rule's Estimator (node
// perturbation) itself: ẽ^i = λ̂^i ∘ σ'.
type Estimated struct {
	est Estimator
}

// Attach implements Part: the rule must have an Estimator among its later
// parts, which Deliver reads.
func (e *Estimated) Attach(r *Rule, _ *nn.Net, _ *rand.Rand) error {
	for _, p := range r.parts {
		if est, ok := p.(Estimator); ok {
			e.est = est
			return nil
		}
	}
	return fmt.Errorf("rule %s delivers an estimate but has no part that estimates λ", r.Name)
}

// Deliver implements Delivery.
func (e *Estimated) Deliver(_ *nn.Net, site int, _, _, dst *tensor.Mat) {
	dst.CopyFrom(e.est.Lambda(site))
}

// zeroStarter is a part that wants the feedback matrices to start at zero
// under the settings o (the ridge solver: B = S V⁻¹ with S = 0). The
// delivery asks before the part is attached.
type zeroStarter interface{ zeroStart(o Options) bool }

func zeroStart(r *Rule) bool {
	for _, p := range r.parts {
		if z, ok := p.(zeroStarter); ok && z.zeroStart(r.Opt) {
			return true
		}
	}
	return false
}

// initial returns a rows × cols feedback matrix, zero or drawn from
// N(0, 2/cols) by rng.
func initial(rows, cols int, zero bool, rng *rand.Rand) *tensor.Mat {
	f := tensor.New(rows, cols)
	if !zero {
		std := math.Sqrt(2 / float64(cols))
		for k := range f.Data {
			f.Data[k] = float32(rng.NormFloat64() * std)
		}
	}
	return f
}

func data(ms []*tensor.Mat) [][]float32 {
	a := make([][]float32, len(ms))
	for i, m := range ms {
		a[i] = m.Data
	}
	return a
}

// restoreMats copies the first len(ms) arrays of f32 into ms and returns
// the rest.
func restoreMats(ms []*tensor.Mat, f32 [][]float32, f64 [][]float64) ([][]float32, [][]float64, error) {
	if len(f32) < len(ms) {
		return nil, nil, fmt.Errorf("%d feedback arrays, the network has %d", len(f32), len(ms))
	}
	for i, m := range ms {
		if len(f32[i]) != len(m.Data) {
			return nil, nil, fmt.Errorf("feedback array %d has %d values, the network's %d", i, len(f32[i]), len(m.Data))
		}
	}
	for i, m := range ms {
		copy(m.Data, f32[i])
	}
	return f32[len(ms):], f64, nil
}
