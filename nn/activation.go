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
	tan  tensor.Mat
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

// Tangent returns dx ∘ f'(x) for the last Forward (the Jacobian is
// diagonal, so the tangent is Backward's product on the tangent), f'
// computed from the output as Backward does.
func (a *Activation) Tangent(dx *tensor.Mat) *tensor.Mat {
	a.tan.Resize(dx.Rows, dx.Cols)
	a.deriv(a.tan.Data, dx.Data)
	return &a.tan
}

// Backward returns dy ∘ f'(x) for the last Forward, f' computed from the
// output y: y(1 − y) for sigmoid, 1 − y² for tanh, [y > 0] for relu.
func (a *Activation) Backward(dy *tensor.Mat) *tensor.Mat {
	a.dx.Resize(dy.Rows, dy.Cols)
	a.deriv(a.dx.Data, dy.Data)
	return &a.dx
}

// deriv writes d ← g ∘ f'(x) for the last Forward, from its output.
func (a *Activation) deriv(d, g []float32) {
	y := a.out.Data[:len(g)]
	switch a.Kind {
	case "linear":
		copy(d, g)
	case "sigmoid":
		tensor.SigmoidBackward(d, g, y)
	case "tanh":
		tensor.TanhBackward(d, g, y)
	case "relu":
		tensor.ReLUBackward(d, g, y)
	}
}
