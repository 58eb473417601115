package feedback

import (
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Signal is what a Projection sends through its fixed direct feedback in
// place of the output error.
type Signal int

const (
	// Target is the step's target y* itself (one-hot for a classifier),
	// whatever the network's output (drtp).
	Target Signal = iota
	// ErrorSign is the sign of the output error, sign(e^N) ∈ {−1, 0, +1}
	// entrywise (sdfa).
	ErrorSign
)

// Projection is direct delivery of a signal of the output other than its
// error (Frenkel, Lefebvre & Bol 2021), through fixed random direct
// feedback F[i] (n_out × n_i, as Direct's):
//
//	ẽ^i = (scale·s·F[i]) ∘ σ',  s = y* (Target) or sign(e^N) (ErrorSign)
//
// with s batch × n_out and scale the loss reduction's factor (1 for a
// summed loss, 1/batch for a mean), so that, as for every other rule, the
// hidden layers' errors are in the units of the run's loss and one learning
// rate means the same under either reduction. The output layer keeps its
// exact error. Neither signal carries the error's magnitude: drtp's hidden
// updates do not depend on the network's output at all, sdfa's depend on
// it only through the error's sign (under softmax cross-entropy with
// one-hot targets, sign(e^N) = 1 − 2y* always, so sdfa is −2× drtp plus a
// constant projection).
type Projection struct {
	Direct
	Signal Signal
	y      *tensor.Mat // the step's target, batch × n_out
	scale  float32
	sig    tensor.Mat // the signal of the last backward pass, scaled
}

// Prepare implements Preparer: the step's target and reduction.
func (p *Projection) Prepare(s *Step) { p.y, p.scale = s.Y, s.Scale }

// Deliver implements Delivery.
func (p *Projection) Deliver(_ *nn.Net, site int, _, eOut, dst *tensor.Mat) {
	sig := p.sig.Resize(eOut.Rows, eOut.Cols)
	switch p.Signal {
	case Target:
		tensor.ScaleTo(sig.Data, p.scale, p.y.Data)
	case ErrorSign:
		for k, v := range eOut.Data {
			switch {
			case v > 0:
				sig.Data[k] = p.scale
			case v < 0:
				sig.Data[k] = -p.scale
			default:
				sig.Data[k] = 0
			}
		}
	}
	f := p.F[site]
	dst.Resize(sig.Rows, f.Cols)
	tensor.MatMul(false, false, 1, sig, f, 0, dst)
}

// Regressor implements Holder: the projected signal of the last backward
// pass (batch × n_out), which is what carries the feedback.
func (p *Projection) Regressor(*nn.Grads, int) *tensor.Mat { return &p.sig }
