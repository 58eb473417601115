package feedback

import (
	"math/rand/v2"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Perturbation is node perturbation (SPEC §3): each step runs a clean pass
// and a noisy pass on the same batch and weights, the noisy one with c·ξ,
// ξ ~ N(0, I), added after the nonlinearity of every hidden site at once,
// and estimates λ = ∂L/∂h per example from the loss difference:
// λ̂_n = scale·(L̃_n − L_n)·ξ_n / c, with c = Options.Noise. Losses are
// compared in float64; the loss is the training loss or
// Options.PerturbLoss. With c = 0 there is no noisy pass and λ̂ = 0.
//
// It is the rule's Passer and Estimator; its diagnostic is λ̂'s
// signal-to-noise ratio against the exact λ.
type Perturbation struct {
	loss              nn.Loss // Options.PerturbLoss, or nil for the training loss
	c                 float64
	xi, noise, lambda []*tensor.Mat
	clean, noisy, alt []float64  // per-example losses: training loss clean, perturbation loss noisy and clean
	base              []float64  // the clean losses the noisy ones are compared with
	lam               tensor.Mat // the exact λ at a site, for the diagnostic
}

// Check implements Checker: activity noise is the control for rules that
// do not perturb.
func (p *Perturbation) Check(o Options) error {
	if o.ActivityNoise > 0 {
		return optErr("activity_noise", "for rules that do not perturb (bp, fa, dfa, …); this rule perturbs already (noise)")
	}
	return nil
}

// Attach implements Part.
func (p *Perturbation) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	p.c = r.Opt.Noise
	if r.Opt.PerturbLoss != "" {
		p.loss, _ = nn.NewLoss(r.Opt.PerturbLoss) // checked by Options.Check
	}
	p.xi, p.noise, p.lambda = mats(net.Sites()), mats(net.Sites()), mats(net.Sites())
	return nil
}

// Lambda implements Estimator.
func (p *Perturbation) Lambda(site int) *tensor.Mat { return p.lambda[site] }

// Pass implements Passer. Two orders give the same numbers: when the
// first block carries most of the cost (an MLP on images), the noisy pass
// replays only what lies above it (through shadow layers that keep the
// clean pass's state, or followed by a clean replay that restores it:
// nn.Net.ReplayKeepsState); otherwise (a CNN) the noisy pass runs first
// and the clean one reruns the whole network with the same dropout masks.
func (p *Perturbation) Pass(s *Step) {
	net, x, y, batch := s.Net, s.X, s.Y, s.X.Rows
	p.clean = resize64(p.clean, batch)
	pl := s.Loss
	if p.loss != nil {
		pl = p.loss
	}
	perturb := drawNoise(s, p.xi, p.noise, p.c)
	replay := net.ReplayPays()
	var yhat *tensor.Mat
	if perturb && !replay {
		p.noisyLoss(pl, net.Forward(x, p.noise), y)
		yhat = net.Rerun(x)
	} else {
		yhat = net.Forward(x, nil)
	}
	s.Loss.PerSample(yhat, y, p.clean)
	p.base = p.clean
	if p.loss != nil {
		p.alt = resize64(p.alt, batch)
		pl.PerSample(yhat, y, p.alt)
		p.base = p.alt
	}
	if perturb && replay {
		p.noisyLoss(pl, net.Replay(p.noise), y)
		if !net.ReplayKeepsState() {
			yhat = net.Replay(nil)
		}
	}
	s.YHat, s.Losses = yhat, p.clean
	p.estimate(s.Scale)
}

// Diagnose implements Diagnoser: λ̂'s signal-to-noise ratio (lambdaSNR).
func (p *Perturbation) Diagnose(d *Diagnosis) { lambdaSNR(d, p.lambda, &p.lam) }

// lambdaSNR records Σ‖λ‖² / Σ‖λ̂ − λ‖² per hidden site for the estimates
// lambda, with the exact λ^i = (W^{i+1})ᵀ e^{i+1} from backprop's pass
// (computed into lam): the diagnostic of every part that estimates λ.
func lambdaSNR(d *Diagnosis, lambda []*tensor.Mat, lam *tensor.Mat) {
	for i := range d.Layers {
		core := d.Net.Blocks[i+1].Core
		core.InputGrad(d.BP.Delta[i+1], core.Weight(), lam)
		snr := metrics.Value(metrics.SNR(lambda[i], lam))
		d.Layers[i].LambdaSNR = &snr
	}
}

// drawNoise draws ξ ~ N(0, I) for every hidden site of the step's network
// and batch into xi and the noise c·ξ into noise. It reports whether a
// noisy pass is needed (not when c = 0: then ξ = 0). ξ comes from
// tensor.FillNormal (Step.Normals): Box–Muller in float32 on the step
// stream's Uint64s (vectorised; normal up to a truncation at |ξ| ≤ 6.66
// and float32 rounding, see there), so a seed fixes every draw.
func drawNoise(s *Step, xi, noise []*tensor.Mat, c float64) bool {
	batch := s.X.Rows
	for i := range xi {
		x, nz := xi[i].Resize(batch, s.Net.SiteWidth(i)), noise[i].Resize(batch, s.Net.SiteWidth(i))
		if c == 0 {
			x.Zero()
			continue
		}
		s.Normals(x.Data)
		tensor.ScaleTo(nz.Data, float32(c), x.Data)
	}
	return c != 0
}

// noisyLoss keeps the per-example losses of a noisy pass's output.
func (p *Perturbation) noisyLoss(loss nn.Loss, yhat, y *tensor.Mat) {
	p.noisy = resize64(p.noisy, y.Rows)
	loss.PerSample(yhat, y, p.noisy)
}

// estimate writes λ̂_n = scale·(L̃_n − L_n)·ξ_n / c for every hidden site.
func (p *Perturbation) estimate(scale float32) {
	for i, xi := range p.xi {
		lam := p.lambda[i].Resize(xi.Rows, xi.Cols)
		if p.c == 0 {
			lam.Zero()
			continue
		}
		for n := 0; n < xi.Rows; n++ {
			d := float32(float64(scale) * (p.noisy[n] - p.base[n]) / p.c)
			tensor.ScaleTo(lam.Row(n), d, xi.Row(n))
		}
	}
}
