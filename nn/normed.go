package nn

import "github.com/creditlab/credit/tensor"

// moded is a layer or core that behaves differently in training and
// evaluation (batch normalisation); Net sets the mode before every pass.
type moded interface{ setTraining(bool) }

// stepper is a layer or core with running statistics: EndStep folds the
// last training pass's batch statistics into them, and buffers returns
// them (saved in checkpoints).
type stepper interface {
	EndStep()
	buffers() [][]float32
}

// Normed is a weighted layer (Dense or Conv2D) followed by batch
// normalisation of its output, per unit for a dense layer and per channel
// for a convolution (the `bn` token after conv or fc): z = BN(Inner(x)).
// Weight is Inner's W, so that every rule's feedback has W's shape;
// Bias holds Inner's biases, then γ, then β (C each), so that the
// optimiser moves γ and β with the biases. The backward pass through the
// normalisation is exact; only InputGrad's w stands in for W.
type Normed struct {
	Inner Core
	BN    *BatchNorm

	nb       int // Inner's bias length
	bias     []float32
	training bool
	tan      tensor.Mat
}

// NewNormed wraps a Dense or Conv2D core (its bias is moved into the
// Normed core's).
func NewNormed(inner Core) *Normed {
	c, p := inner.Out(), 1
	if cv, ok := inner.(*Conv2D); ok {
		c, p = cv.OutC, cv.OutH*cv.OutW
	}
	nb := len(inner.Bias())
	n := &Normed{Inner: inner, nb: nb, bias: make([]float32, nb+2*c)}
	copy(n.bias, inner.Bias())
	switch in := inner.(type) {
	case *Dense:
		in.B = n.bias[:nb:nb]
	case *Conv2D:
		in.B = n.bias[:nb:nb]
	}
	n.BN = NewBatchNorm(c, p, n.bias[nb:nb+c:nb+c], n.bias[nb+c:])
	return n
}

func (n *Normed) setTraining(t bool) { n.training = t }

// Forward returns BN(Inner(x)) (batch × Out).
func (n *Normed) Forward(x *tensor.Mat) *tensor.Mat {
	return n.BN.Forward(n.Inner.Forward(x), n.training)
}

// Output returns the result of the last Forward.
func (n *Normed) Output() *tensor.Mat { return n.BN.Output() }

// Weight returns Inner's W.
func (n *Normed) Weight() *tensor.Mat { return n.Inner.Weight() }

// Bias returns Inner's biases, γ and β, in this order.
func (n *Normed) Bias() []float32 { return n.bias }

// ParamGrad writes ∂L/∂W and ∂L/∂(bias, γ, β) given dy at the output.
func (n *Normed) ParamGrad(dy, gW *tensor.Mat, gB []float32) {
	c := n.BN.C
	da := n.BN.Backward(dy, gB[n.nb:n.nb+c], gB[n.nb+c:])
	n.Inner.ParamGrad(da, gW, gB[:n.nb])
}

// InputGrad writes the error at the input given dy at the output, exact
// through the normalisation and with w (W's shape) in place of W.
func (n *Normed) InputGrad(dy, w, dx *tensor.Mat) {
	n.Inner.InputGrad(n.BN.Backward(dy, nil, nil), w, dx)
}

// FeedbackGrad implements Core: Inner's, for the error the normalisation
// passes down exactly (the normalisation's backward pass is its own
// adjoint).
func (n *Normed) FeedbackGrad(dy, w, r, dst *tensor.Mat) {
	n.Inner.FeedbackGrad(n.BN.Backward(dy, nil, nil), w, r, dst)
}

// Tangent implements Core: Inner's tangent, then the normalisation's
// along it and along the γ, β parts of dB.
func (n *Normed) Tangent(dx, dW *tensor.Mat, dB []float32, dst *tensor.Mat) {
	var bi, g, b []float32
	if dB != nil {
		c := n.BN.C
		bi, g, b = dB[:n.nb], dB[n.nb:n.nb+c], dB[n.nb+c:]
	}
	n.Inner.Tangent(dx, dW, bi, &n.tan)
	dst.CopyFrom(n.BN.Tangent(&n.tan, g, b))
}

// In returns Inner's input width.
func (n *Normed) In() int { return n.Inner.In() }

// Out returns Inner's output width.
func (n *Normed) Out() int { return n.Inner.Out() }

// EndStep folds the batch statistics into the running ones.
func (n *Normed) EndStep() { n.BN.EndStep() }

func (n *Normed) buffers() [][]float32 { return [][]float32{n.BN.Mean, n.BN.Var} }

func (n *Normed) segments() []Segment { return Segments(n.Inner) }
