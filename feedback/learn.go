package feedback

import (
	"fmt"
	"math/rand/v2"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Regression learns the rule's feedback matrices by regressing the
// estimate λ̂ of the rule's Estimator on the error that carries the
// feedback (SPEC §3, step 4): layer-wise, the error the learned B delivers
// from above; direct, the output error. The Solver (Options.Solver) takes
// one step per training step and hidden site; with Options.Noise = 0
// nothing is learned. Layer-wise feedback of a core above a site that is
// not one plain dense layer (a convolution, a batch-normalised layer, a
// residual block) learns by the sgd solver's step through the core's
// input-error pass (coreSGD, convnp.go); ridge refuses it. Its diagnostic
// is the regression loss on the diagnostic batch.
type Regression struct {
	F      []*tensor.Mat
	Solver Solver
	holder Holder
	est    Estimator
	c      float64
	// Layer-wise feedback of a core above a site that is not one plain
	// dense layer: the core (nil for a dense layer) and its solver
	// (convnp.go).
	cores   []nn.Core
	kernels *coreSGD
}

// zeroStart implements zeroStarter: the ridge solver's B starts at 0.
func (g *Regression) zeroStart(o Options) bool { return o.Solver == "ridge" }

// Attach implements Part.
func (g *Regression) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	var err error
	if g.F, err = r.matrices("feedback regression"); err != nil {
		return err
	}
	g.holder, g.c = r.holder, r.Opt.Noise
	for _, p := range r.parts {
		if e, ok := p.(Estimator); ok {
			g.est = e
		}
	}
	if g.est == nil {
		return fmt.Errorf("rule %s regresses its feedback on λ̂ but has no part that estimates λ", r.Name)
	}
	if _, lw := r.delivery.(*LayerWise); lw {
		g.cores = make([]nn.Core, net.Sites())
		for i := 0; i < net.Sites(); i++ {
			c := net.Blocks[i+1].Core
			if _, dense := c.(*nn.Dense); dense {
				continue
			}
			if r.Opt.Solver == "ridge" {
				return optErr("feedback_solver", "rule %s learns the feedback of %s (the layer above hidden site %d) with the sgd solver only, ridge regression is for plain dense layers: use --feedback-solver sgd (or npdfa)", r.Name, kindOf(c), i+1)
			}
			g.cores[i] = c
			g.kernels = &coreSGD{lr: float32(r.Opt.FeedbackLR)}
		}
	}
	g.Solver, err = NewSolver(r.Opt.Solver, r.Opt.FeedbackLR, r.Opt.Ridge)
	return err
}

// Learn implements Learner.
func (g *Regression) Learn(s *Step) {
	if g.c == 0 {
		return
	}
	sgd, _ := g.Solver.(*SGD)
	pr, _ := g.holder.(producer)
	for i, f := range g.F {
		e := g.holder.Regressor(s.Grads, i)
		var eF *tensor.Mat // what the backward pass delivered from e through f, if kept
		if pr != nil {
			eF = pr.product(i, e, f)
		}
		if c := g.core(i); c != nil {
			g.kernels.update(c, f, e, eF, g.est.Lambda(i))
			continue
		}
		if sgd != nil && eF != nil && tensor.OneSum(e.Cols) {
			sgd.updateFrom(f, e, eF, g.est.Lambda(i))
			continue
		}
		g.Solver.Update(i, f, e, g.est.Lambda(i), s.Scale)
	}
}

// producer is a delivery that keeps the error it delivered to each site,
// before the layers below it: the regressor e carried by the feedback f
// (through a dense layer, or directly, the product e·F as MatMul computes
// it with beta = 0; through another core its input error with f).
type producer interface {
	// product returns the error delivered to site by the last backward
	// pass if that pass delivered it from e through f (the same matrices,
	// by pointer), and nil otherwise. It is valid until the next pass.
	product(site int, e, f *tensor.Mat) *tensor.Mat
}

// delivered records what a product delivery last delivered to each site.
type delivered struct {
	e, f, dst []*tensor.Mat
}

func (d *delivered) record(site int, e, f, dst *tensor.Mat) {
	if len(d.dst) <= site {
		return // sized in Attach
	}
	d.e[site], d.f[site], d.dst[site] = e, f, dst
}

func (d *delivered) size(sites int) {
	d.e, d.f, d.dst = make([]*tensor.Mat, sites), make([]*tensor.Mat, sites), make([]*tensor.Mat, sites)
}

func (d *delivered) product(site int, e, f *tensor.Mat) *tensor.Mat {
	if site >= len(d.dst) || d.e[site] != e || d.f[site] != f || d.dst[site] == nil {
		return nil
	}
	if p := d.dst[site]; p.Rows == e.Rows {
		return p
	}
	return nil
}

// State implements Stateful: the solver's state, if it keeps any.
func (g *Regression) State() ([][]float32, [][]float64) {
	if s, ok := g.Solver.(StatefulSolver); ok {
		return nil, s.State()
	}
	return nil, nil
}

// Restore implements Stateful.
func (g *Regression) Restore(f32 [][]float32, f64 [][]float64) ([][]float32, [][]float64, error) {
	s, ok := g.Solver.(StatefulSolver)
	if !ok {
		return f32, f64, nil
	}
	n := min(len(f64), s.Arrays(len(g.F)))
	return f32, f64[n:], s.SetState(g.F, f64[:n])
}

// Diagnose implements Diagnoser: (1/N) Σ_n ½‖λ̂_n − e_n·F‖² per site.
func (g *Regression) Diagnose(d *Diagnosis) {
	for i := range d.Layers {
		e, lam := g.holder.Regressor(d.Rule, i), g.est.Lambda(i)
		var fl metrics.Value
		if c := g.core(i); c != nil {
			fl = metrics.Value(coreLoss(c, g.F[i], e, lam))
		} else {
			fl = metrics.Value(metrics.RegressionLoss(g.F[i], e, lam))
		}
		d.Layers[i].FeedbackLoss = &fl
	}
}

// core returns the core above hidden site i if its layer-wise feedback is
// learned by coreSGD, or nil.
func (g *Regression) core(i int) nn.Core {
	if g.cores == nil {
		return nil
	}
	return g.cores[i]
}

// Solver updates feedback matrices by regressing the node-perturbation
// estimate λ̂ on the error that carries it.
type Solver interface {
	// Update moves F (s×t) toward argmin_F Σ_n ‖λ̂_n − e_n·F‖², given a batch
	// of regressors e (batch × s, the error delivered from above or from
	// the output) and targets lam (batch × t). site indexes the solver's
	// per-matrix state. scale is the loss reduction's factor (1 for a
	// summed loss, 1/batch for a mean), by which e and lam are scaled
	// from their summed-loss values; a solver whose settings are in
	// summed-loss units (ridge's γ) divides it out.
	Update(site int, F, e, lam *tensor.Mat, scale float32)
}

// StatefulSolver is a Solver that keeps state between updates besides the
// feedback matrices themselves (such as Ridge's running sums). A
// checkpoint saves it, so that a resumed run continues bit for bit.
type StatefulSolver interface {
	Solver
	// State returns the state as float64 arrays (exact for float32 state
	// too), valid until the next Update.
	State() [][]float64
	// Arrays returns the most arrays State returns for sites matrices.
	Arrays(sites int) int
	// SetState restores what State returned, for feedback matrices of
	// the shapes of F, or returns an error saying what does not fit.
	SetState(F []*tensor.Mat, state [][]float64) error
}

// NewSolver returns the solver named name: "sgd" (or "") with step lr, or
// "ridge" with regulariser gamma.
func NewSolver(name string, lr, gamma float64) (Solver, error) {
	switch name {
	case "", "sgd":
		return &SGD{LR: float32(lr)}, nil
	case "ridge":
		return &Ridge{Gamma: gamma}, nil
	}
	return nil, optErr("feedback_solver", "unknown solver %q (want one of %v)", name, Solvers)
}
