package nn

import (
	"fmt"

	"github.com/creditlab/credit/tensor"
)

// Activation is an element-wise nonlinearity layer. Its derivative is
// computed from its output, so it keeps only that.
type Activation struct {
	Kind string                  // "sigmoid", "tanh", "relu" or "linear"
	df   func(y float32) float32 // derivative as a function of the output y = f(x)
	out  tensor.Mat
	dx   tensor.Mat
}

// Activations lists the accepted activation names.
var Activations = []string{"sigmoid", "tanh", "relu", "linear"}

// NewActivation returns the activation layer named kind.
func NewActivation(kind string) (*Activation, error) {
	a := &Activation{Kind: kind}
	switch kind {
	case "sigmoid":
		a.df = func(y float32) float32 { return y * (1 - y) }
	case "tanh":
		a.df = func(y float32) float32 { return 1 - y*y }
	case "relu":
		a.df = func(y float32) float32 {
			if y > 0 {
				return 1
			}
			return 0
		}
	case "linear":
		a.df = func(float32) float32 { return 1 }
	default:
		return nil, fmt.Errorf("unknown activation %q (want one of %v)", kind, Activations)
	}
	return a, nil
}

// Forward returns f(x) element-wise.
func (a *Activation) Forward(x *tensor.Mat) *tensor.Mat {
	a.out.Resize(x.Rows, x.Cols)
	o := a.out.Data[:len(x.Data)]
	switch a.Kind {
	case "linear":
		copy(o, x.Data)
	case "sigmoid":
		for i, v := range x.Data {
			o[i] = sigmoid32(v)
		}
	case "tanh":
		for i, v := range x.Data {
			o[i] = tanh32(v)
		}
	case "relu":
		for i, v := range x.Data {
			o[i] = max(v, 0)
		}
	}
	return &a.out
}

// Output returns the result of the last Forward.
func (a *Activation) Output() *tensor.Mat { return &a.out }

// Backward returns dy ∘ f'(x) for the last Forward.
func (a *Activation) Backward(dy *tensor.Mat) *tensor.Mat {
	a.dx.Resize(dy.Rows, dy.Cols)
	d, y := a.dx.Data, a.out.Data[:len(dy.Data)]
	for i, g := range dy.Data {
		d[i] = g * a.df(y[i])
	}
	return &a.dx
}
