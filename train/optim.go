package train

import (
	"fmt"
	"math"

	"github.com/creditlab/credit/tensor"
)

// Optimizer moves parameters along their gradients (the updates are
// tensor's vectorised kernels: Axpy, MomentumStep, AdamStep). params and grads are
// parallel lists of flat slices (nn.Net.Params, nn.Grads.Slices); the
// lists' shapes must not change between calls. Step never allocates after
// the first call.
type Optimizer interface {
	Step(params, grads [][]float32)
}

// Optimizers lists the accepted optimiser names.
var Optimizers = []string{"sgd", "momentum", "adam"}

// NewOptimizer returns the optimiser named name with learning rate lr.
// momentum is the momentum coefficient (used by "momentum"); eps is Adam's
// ε (β₁ = 0.9, β₂ = 0.999).
func NewOptimizer(name string, lr, momentum, eps float64) (Optimizer, error) {
	switch name {
	case "sgd":
		return &SGD{LR: float32(lr)}, nil
	case "momentum":
		return &Momentum{LR: float32(lr), Mu: float32(momentum)}, nil
	case "adam":
		return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: eps}, nil
	}
	return nil, fmt.Errorf("unknown optimiser %q (want one of %v)", name, Optimizers)
}

// SGD is plain gradient descent: θ ← θ − lr·g.
type SGD struct{ LR float32 }

// Step implements Optimizer.
func (o *SGD) Step(params, grads [][]float32) {
	for i, p := range params {
		tensor.Axpy(-o.LR, grads[i][:len(p)], p)
	}
}

// Momentum is heavy-ball SGD: v ← μ·v + g; θ ← θ − lr·v.
type Momentum struct {
	LR, Mu float32
	v      [][]float32
}

// Step implements Optimizer.
func (o *Momentum) Step(params, grads [][]float32) {
	if o.v == nil {
		o.v = zerosLike(params)
	}
	for i, p := range params {
		tensor.MomentumStep(p, grads[i], o.v[i], o.LR, o.Mu)
	}
}

// Adam is Kingma & Ba's optimiser with bias correction.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	t                     int
	m, v                  [][]float32
}

// Step implements Optimizer.
func (o *Adam) Step(params, grads [][]float32) {
	if o.m == nil {
		o.m, o.v = zerosLike(params), zerosLike(params)
	}
	o.t++
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	lr := float32(o.LR * math.Sqrt(1-math.Pow(o.Beta2, float64(o.t))) / (1 - math.Pow(o.Beta1, float64(o.t))))
	eps := float32(o.Eps * math.Sqrt(1-math.Pow(o.Beta2, float64(o.t))))
	for i, p := range params {
		tensor.AdamStep(p, grads[i], o.m[i], o.v[i], lr, b1, b2, eps)
	}
}

func zerosLike(p [][]float32) [][]float32 {
	z := make([][]float32, len(p))
	for i := range p {
		z[i] = make([]float32, len(p[i]))
	}
	return z
}
