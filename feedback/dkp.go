package feedback

import (
	"fmt"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func init() {
	Register(Def{Name: "dkp", Doc: "direct Kolen–Pollack (Webster, Choi & Ahn 2021): direct D learns as a forward connection from the layer to the output would, D ← (1−λ)D − η_B·h eᵀ (--feedback-lr η_B, --weight-decay λ), whenever W moves", Parts: func() []Part { return []Part{&Direct{}, &DirectTracking{}} }})
}

// DirectTracking is direct Kolen–Pollack learning (Webster, Choi & Ahn
// 2021): each direct feedback matrix F[i] (n_out × n_i, the paper's D^i
// transposed) receives the update that a direct forward connection from
// hidden site i to the output would receive from the output error, and the
// forward weights' decay:
//
//	F[i] ← (1 − λ)·F[i] − η_B·Σ_n e^N_nᵀ h^i_n
//
// with e^N the step's output error (batch × n_out, in the run's loss
// reduction, as the forward weights' gradients are), h^i the activity at
// the site in the step's pass (batch × n_i), η_B = Options.FeedbackLR and
// λ = Options.WeightDecay. As in Kolen–Pollack (Tracking), F moves with the
// forward weights: Learn forms the outer products, Move applies them after
// the optimiser's move, so a step that does not move W (warm-up,
// --freeze-weights) does not move F. With e^N and h fixed, F goes to
// −(η_B/λ)·Σ_n e^N_nᵀ h^i_n, its distance from there shrinking by (1 − λ)
// per step.
type DirectTracking struct {
	f        []*tensor.Mat
	lr, keep float32
	grad     []*tensor.Mat // Σ_n e^N_nᵀ h^i_n of the last learning step, n_out × n_i
	pending  bool          // grad is from a step whose move has not come yet
}

// Attach implements Part: the rule's feedback must be direct (n_out × n_i).
func (d *DirectTracking) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	fs, err := r.matrices("direct Kolen–Pollack")
	if err != nil {
		return err
	}
	for i, f := range fs {
		if f.Rows != net.Out() || f.Cols != net.SiteWidth(i) {
			return fmt.Errorf("rule %s: direct Kolen–Pollack needs direct feedback, and feedback matrix %d is %d×%d, not %d×%d (outputs × site width)", r.Name, i, f.Rows, f.Cols, net.Out(), net.SiteWidth(i))
		}
	}
	d.f, d.grad = fs, mats(len(fs))
	d.lr, d.keep = float32(r.Opt.FeedbackLR), float32(1-r.Opt.WeightDecay)
	return nil
}

// Learn implements Learner: the outer products of the step's output error
// with each site's activity.
func (d *DirectTracking) Learn(s *Step) {
	e := s.Grads.Delta[len(s.Grads.Delta)-1]
	for i, f := range d.f {
		tensor.MatMul(true, false, 1, e, s.Net.SiteOutput(i), 0, d.grad[i].Resize(f.Rows, f.Cols))
	}
	d.pending = true
}

// Move implements Mover: the forward weights move, then F.
func (d *DirectTracking) Move(_ *nn.Net, update func()) {
	update()
	if !d.pending {
		return
	}
	for i, f := range d.f {
		if d.keep != 1 {
			tensor.Scale(d.keep, f.Data)
		}
		tensor.Axpy(-d.lr, d.grad[i].Data, f.Data)
	}
	d.pending = false
}
