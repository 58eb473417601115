package nn

import (
	"fmt"
	"slices"

	"github.com/creditlab/credit/tensor"
)

// Activation is an element-wise nonlinearity layer. Its derivative is
// computed from its output, so it keeps only that. Sigmoid, tanh and ReLU
// run through tensor's vectorised kernels (tensor.Sigmoid, tensor.Tanh,
// tensor.ReLU and their Backward).
type Activation struct {
	Kind string // "sigmoid", "tanh", "relu" or "linear"
	out  tensor.Mat
	dx   tensor.Mat
}

// Activations lists the accepted activation names.
var Activations = []string{"sigmoid", "tanh", "relu", "linear"}

// NewActivation returns the activation layer named kind.
func NewActivation(kind string) (*Activation, error) {
	if !slices.Contains(Activations, kind) {
		return nil, fmt.Errorf("unknown activation %q (want one of %v)", kind, Activations)
	}
	return &Activation{Kind: kind}, nil
}

// Forward returns f(x) element-wise.
func (a *Activation) Forward(x *tensor.Mat) *tensor.Mat {
	a.out.Resize(x.Rows, x.Cols)
	o := a.out.Data[:len(x.Data)]
	switch a.Kind {
	case "linear":
		copy(o, x.Data)
	case "sigmoid":
		tensor.Sigmoid(o, x.Data)
	case "tanh":
		tensor.Tanh(o, x.Data)
	case "relu":
		tensor.ReLU(o, x.Data)
	}
	return &a.out
}

// Output returns the result of the last Forward.
func (a *Activation) Output() *tensor.Mat { return &a.out }

// Backward returns dy ∘ f'(x) for the last Forward, f' computed from the
// output y: y(1 − y) for sigmoid, 1 − y² for tanh, [y > 0] for relu.
func (a *Activation) Backward(dy *tensor.Mat) *tensor.Mat {
	a.dx.Resize(dy.Rows, dy.Cols)
	d, y := a.dx.Data, a.out.Data[:len(dy.Data)]
	switch a.Kind {
	case "linear":
		copy(d, dy.Data)
	case "sigmoid":
		tensor.SigmoidBackward(d, dy.Data, y)
	case "tanh":
		tensor.TanhBackward(d, dy.Data, y)
	case "relu":
		tensor.ReLUBackward(d, dy.Data, y)
	}
	return &a.dx
}
