package feedback

import (
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func init() {
	register("wm", "weight mirror (Akrout et al. 2019): layer-wise B learns from each layer's response to noise at its input, B ← (1−λ)B + η_B·⟨ξ yᵀ⟩, settling at (η_B/λ)Wᵀ (--feedback-lr η_B, --feedback-decay λ)",
		Spec{Topology: LayerWise, Learn: Mirror})
}

// mirror takes one weight-mirror step for every layer-wise F (Akrout et al.
// 2019, the mirror mode, once per training step). Noise ξ ~ N(0, I) of
// batch × the layer's input width is drawn from rng and sent through the
// layer above the site alone and linearly (y = W ξ: no bias, no
// nonlinearity); the layer correlates its response with its input, as
// its weight gradient would, and
//
//	F ← (1 − λ)·F + η_B·Σ_n y_n ξ_nᵀ / (batch·P)
//
// with η_B = Opt.FeedbackLR, λ = Opt.FeedbackDecay and P the number of
// positions a conv kernel visits (1 for a dense layer). The average is W
// (at a conv layer's border the taps that read padding see less noise and
// are slightly under-weighted), so F settles at (η_B/λ)·W: equal to W when
// η_B = λ, within a noise of relative size about √(λ·fan_in/(2·batch))
// for a dense layer.
//
// It runs the layer's own Forward and ParamGrad, so it must come before the
// step's forward pass, which restores the layer's state.
func (r *Rule) mirror(net *nn.Net, batch int, rng *rand.Rand) {
	keep := float32(1 - r.Opt.FeedbackDecay)
	for i, f := range r.F {
		core := net.Blocks[i+1].Core
		xi := r.probe.Resize(batch, core.In())
		for k := range xi.Data {
			xi.Data[k] = float32(rng.NormFloat64())
		}
		y := core.Forward(xi)
		b := core.Bias()
		p := y.Cols / len(b) // outputs per bias: positions of a conv channel, 1 for dense
		for n := 0; n < y.Rows; n++ {
			row := y.Row(n)
			for j := range row {
				row[j] -= b[j/p]
			}
		}
		if cap(r.gB) < len(b) {
			r.gB = make([]float32, len(b))
		}
		core.ParamGrad(y, r.gW.Resize(f.Rows, f.Cols), r.gB[:len(b)])
		tensor.Scale(keep, f.Data)
		tensor.Axpy(float32(r.Opt.FeedbackLR/float64(batch*p)), r.gW.Data, f.Data)
	}
}
