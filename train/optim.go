package train

import (
	"fmt"
	"math"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/tensor"
)

// Optimizer moves parameters along their gradients (the updates are
// tensor's vectorised kernels: Axpy, MomentumStep, AdamStep). params and grads are
// parallel lists of flat slices (nn.Net.Params, nn.Grads.Slices); the
// lists' shapes must not change between calls. Step never allocates after
// the first call.
type Optimizer interface {
	Step(params, grads [][]float32)
	// SetLR sets the learning rate (a schedule's, before each step).
	SetLR(lr float64)
}

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
	return nil, fmt.Errorf("unknown optimiser %q (want one of %v)", name, config.Optimizers)
}

// SGD is plain gradient descent: θ ← θ − lr·g.
type SGD struct{ LR float32 }

// SetLR implements Optimizer.
func (o *SGD) SetLR(lr float64) { o.LR = float32(lr) }

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

// SetLR implements Optimizer.
func (o *Momentum) SetLR(lr float64) { o.LR = float32(lr) }

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

// SetLR implements Optimizer.
func (o *Adam) SetLR(lr float64) { o.LR = lr }

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

// stateful is implemented by the optimisers that carry state from step to
// step, which a checkpoint saves so that a resumed run continues exactly.
type stateful interface {
	// state returns the step count and arrays parallel to the parameters
	// (for several arrays per parameter, one full list after another);
	// none before the first step.
	state() (steps int, arrays [][]float32)
	// setState restores what state returned, checking it against params.
	setState(steps int, arrays, params [][]float32) error
}

func (o *Momentum) state() (int, [][]float32) { return 0, o.v }

func (o *Momentum) setState(_ int, a, params [][]float32) error {
	v, err := splitLike(a, params, 1)
	if err == nil && v != nil {
		o.v = v[0]
	}
	return err
}

func (o *Adam) state() (int, [][]float32) {
	if o.m == nil {
		return o.t, nil
	}
	return o.t, append(append([][]float32(nil), o.m...), o.v...)
}

func (o *Adam) setState(t int, a, params [][]float32) error {
	mv, err := splitLike(a, params, 2)
	if err != nil {
		return err
	}
	if t < 0 || (mv == nil) != (t == 0) {
		return fmt.Errorf("adam: step count %d with %d state arrays", t, len(a))
	}
	o.t = t
	if mv != nil {
		o.m, o.v = mv[0], mv[1]
	}
	return nil
}

// splitLike splits a into k lists shaped like params, or returns nil for
// no arrays at all.
func splitLike(a, params [][]float32, k int) ([][][]float32, error) {
	if len(a) == 0 {
		return nil, nil
	}
	if len(a) != k*len(params) {
		return nil, fmt.Errorf("%d optimiser arrays, want %d (%d per parameter array)", len(a), k*len(params), k)
	}
	out := make([][][]float32, k)
	for j := range out {
		out[j] = a[j*len(params) : (j+1)*len(params)]
		for i, p := range params {
			if len(out[j][i]) != len(p) {
				return nil, fmt.Errorf("optimiser array %d has %d values, its parameter %d", j*len(params)+i, len(out[j][i]), len(p))
			}
		}
	}
	return out, nil
}

func zerosLike(p [][]float32) [][]float32 {
	z := make([][]float32, len(p))
	for i := range p {
		z[i] = make([]float32, len(p[i]))
	}
	return z
}
