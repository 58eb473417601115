package train

import (
	"fmt"
	"math"
)

// Optimizer moves parameters along their gradients. params and grads are
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
		g := grads[i][:len(p)]
		for j := range p {
			p[j] -= o.LR * g[j]
		}
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
		g, v := grads[i][:len(p)], o.v[i][:len(p)]
		for j := range p {
			v[j] = o.Mu*v[j] + g[j]
			p[j] -= o.LR * v[j]
		}
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
		g, m, v := grads[i][:len(p)], o.m[i][:len(p)], o.v[i][:len(p)]
		for j := range p {
			m[j] = b1*m[j] + (1-b1)*g[j]
			v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
			p[j] -= lr * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
		}
	}
}

func zerosLike(p [][]float32) [][]float32 {
	z := make([][]float32, len(p))
	for i := range p {
		z[i] = make([]float32, len(p[i]))
	}
	return z
}
