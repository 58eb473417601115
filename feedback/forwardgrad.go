package feedback

import (
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Forward gradients: the unbiased estimate (∇L·v) v of a gradient along a
// random direction v ~ N(0, I), the directional derivative ∇L·v computed
// exactly by a forward-mode tangent pass (nn.Net.Tangent), k directions
// averaged (Options.Directions). Nothing is held across steps: v is drawn
// every step from the step's random stream (the run's noise stream, or the
// diagnostic stream in diagnostics), so a resumed run redraws the same v.
//
//   - fgw (Baydin et al. 2022, "Gradients without backpropagation"): v
//     spans every weight and bias of every layer, and the estimate of the
//     batch loss's gradient is the update itself (WeightTangent);
//   - fga (after Ren et al. 2023, "Scaling forward gradient with local
//     losses"): v spans the activity at every hidden site, one direction
//     per example, and the estimate of λ = ∂L/∂h is delivered like node
//     perturbation's λ̂, so that each block's own backward pass makes it a
//     weight update (ActivityTangent).
func init() {
	Register(Def{Name: "fgw", Doc: "forward gradient on the weights (Baydin et al. 2022): the update is (∇L·v) v, v ~ N(0, I) over every weight, ∇L·v by an exact tangent pass; k = --directions averaged",
		Parts: func() []Part { return []Part{&WeightTangent{}} }})
	Register(Def{Name: "fga", Doc: "forward gradient on the activities (after Ren et al. 2023): each hidden layer gets λ̂ = (∇_h L·v) v, v ~ N(0, I) at every hidden site, by an exact tangent pass; nodepert's λ̂ as c → 0",
		Parts: func() []Part { return []Part{&Estimated{}, &ActivityTangent{}} }})
}

// noActivityNoise refuses the activity-noise control for a rule whose
// passes are its own.
func noActivityNoise(o Options) error {
	if o.ActivityNoise > 0 {
		return optErr("activity_noise", "for rules that do not perturb or estimate (bp, fa, dfa, …); forward gradients run their own passes")
	}
	return nil
}

// WeightTangent is forward gradient descent on the weights (Baydin et al.
// 2022): each step, for each of k directions v = (V^b, v_b) over every
// block's weights and bias (each entry N(0, 1), drawn block by block, W
// then b, by tensor.FillNormal from the step's stream), one tangent pass
// gives the batch loss's directional derivative
// d = scale·Σ_n ∇_θ L_n · v, and the gradients are
// g = (1/k) Σ_directions d·v: an unbiased estimate of ∇_θ L with
// E‖g − ∇L‖² = (D + 1)‖∇L‖²/k over D parameters.
//
// It is the rule's delivery, Passer and Backwarder: there is no backward
// pass and no error delivered, so Grads.Delta is zero and the delta angle
// undefined (null); the update angle compares g with backprop's.
type WeightTangent struct {
	k      int
	vW     []*tensor.Mat // a direction's weight part, W's shape per block
	vB     [][]float32   // and its bias part
	losses []float64     // the clean pass's per-example losses
	d      []float64     // per-example directional derivatives
}

// Check implements Checker.
func (w *WeightTangent) Check(o Options) error { return noActivityNoise(o) }

// Attach implements Part.
func (w *WeightTangent) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	w.k = r.Opt.directions()
	for _, b := range net.Blocks {
		wt := b.Core.Weight()
		w.vW = append(w.vW, tensor.New(wt.Rows, wt.Cols))
		w.vB = append(w.vB, make([]float32, len(b.Core.Bias())))
	}
	return nil
}

// Deliver implements Delivery. It is never asked (there is no backward
// pass); it delivers zero.
func (w *WeightTangent) Deliver(n *nn.Net, site int, _, eOut, dst *tensor.Mat) {
	dst.Resize(eOut.Rows, n.SiteWidth(site)).Zero()
}

// Pass implements Passer: one clean pass, the state every tangent pass of
// the step reads and Backward uses.
func (w *WeightTangent) Pass(s *Step) { forwardPass(s, nil, &w.losses, nil) }

// Backward implements Backwarder: k tangent passes, g = (1/k) Σ d·v.
func (w *WeightTangent) Backward(s *Step) {
	g := s.Grads
	for b, blk := range s.Net.Blocks {
		g.Delta[b].Resize(s.X.Rows, blk.Core.Out()).Zero()
	}
	w.d = resize64(w.d, s.X.Rows)
	for j := 0; j < w.k; j++ {
		for b := range w.vW {
			s.Normals(w.vW[b].Data)
			s.Normals(w.vB[b])
		}
		s.Loss.Tangent(s.YHat, s.Y, s.Net.Tangent(w.vW, w.vB, nil), w.d)
		var d float64
		for _, v := range w.d {
			d += v
		}
		a := float32(float64(s.Scale) * d / float64(w.k))
		for b := range w.vW {
			if j == 0 {
				tensor.ScaleTo(g.W[b].Data, a, w.vW[b].Data)
				tensor.ScaleTo(g.B[b], a, w.vB[b])
				continue
			}
			tensor.Axpy(a, w.vW[b].Data, g.W[b].Data)
			tensor.Axpy(a, w.vB[b], g.B[b])
		}
	}
}

// ActivityTangent estimates λ = ∂L/∂h at every hidden site by forward
// gradients on the activities: for each of k directions, ξ^i ~ N(0, I)
// (batch × SiteWidth(i)) is drawn at every hidden site at once, site by
// site in the order and with the generator node perturbation draws its
// noise (tensor.FillNormal on the step's stream), one tangent pass with ξ
// entering where node perturbation adds c·ξ gives each example's
// directional derivative d_n = Σ_i λ^i_n · ξ^i_n, and
// λ̂^i_n = (1/k) Σ_directions scale·d_n·ξ^i_n. E[λ̂] = λ exactly (ξ's
// entries are independent with unit variance), with E‖λ̂_n − λ_n‖² =
// (D + 1)‖λ_n‖²/k over the D units of all sites. Node perturbation's
// λ̂ = scale·(L̃_n − L_n)·ξ_n/c is the finite difference of the same d_n:
// with k = 1 and the same ξ the two agree as c → 0.
//
// It is the rule's Passer and Estimator (with the Estimated delivery,
// each block's backward turns λ̂^i into ẽ^i = λ̂^i ∘ σ' and its weight
// update); its diagnostic is λ̂'s signal-to-noise ratio against the exact
// λ, as node perturbation's.
type ActivityTangent struct {
	k         int
	xi        []*tensor.Mat // a direction, per site
	lambda    []*tensor.Mat // λ̂ per site
	losses, d []float64
	lam       tensor.Mat // the exact λ at a site, for the diagnostic
}

// Check implements Checker.
func (a *ActivityTangent) Check(o Options) error { return noActivityNoise(o) }

// Attach implements Part.
func (a *ActivityTangent) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	a.k = r.Opt.directions()
	a.xi, a.lambda = mats(net.Sites()), mats(net.Sites())
	return nil
}

// Lambda implements Estimator.
func (a *ActivityTangent) Lambda(site int) *tensor.Mat { return a.lambda[site] }

// Pass implements Passer: the clean pass, then k tangent passes from the
// hidden sites.
func (a *ActivityTangent) Pass(s *Step) {
	forwardPass(s, nil, &a.losses, nil)
	batch := s.X.Rows
	a.d = resize64(a.d, batch)
	for j := 0; j < a.k; j++ {
		for i, xi := range a.xi {
			s.Normals(xi.Resize(batch, s.Net.SiteWidth(i)).Data)
		}
		s.Loss.Tangent(s.YHat, s.Y, s.Net.Tangent(nil, nil, a.xi), a.d)
		for i, xi := range a.xi {
			lam := a.lambda[i].Resize(batch, xi.Cols)
			for n := 0; n < batch; n++ {
				c := float32(float64(s.Scale) * a.d[n] / float64(a.k))
				if j == 0 {
					tensor.ScaleTo(lam.Row(n), c, xi.Row(n))
				} else {
					tensor.Axpy(c, xi.Row(n), lam.Row(n))
				}
			}
		}
	}
}

// Diagnose implements Diagnoser: λ̂'s signal-to-noise ratio (lambdaSNR),
// as node perturbation's.
func (a *ActivityTangent) Diagnose(d *Diagnosis) { lambdaSNR(d, a.lambda, &a.lam) }
