package feedback

import (
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func init() {
	Register(Def{Name: "wm", Doc: "weight mirror (Akrout et al. 2019): layer-wise B learns from each layer's response to noise at its input, B ← (1−λ)B + η_B·⟨ξ yᵀ⟩, settling at (η_B/λ)Wᵀ (--feedback-lr η_B, --feedback-decay λ)", Parts: func() []Part { return []Part{&LayerWise{}, &Mirror{}} }})
}

// Mirror is the weight mirror (Akrout et al. 2019, the mirror mode, once
// per training step, before the forward pass). Noise ξ ~ N(0, I) of batch
// × the layer's input width is drawn from the step's random stream and
// sent through the layer above each site alone and linearly (y = W ξ: no
// bias, no nonlinearity); the layer correlates its response with its
// input, as its weight gradient would, and
//
//	F ← (1 − λ)·F + η_B·Σ_n y_n ξ_nᵀ / (batch·P)
//
// with η_B = Options.FeedbackLR, λ = Options.FeedbackDecay and P the number
// of positions a conv kernel visits (1 for a dense layer). The average is W
// (at a conv layer's border the taps that read padding see less noise and
// are slightly under-weighted), so F settles at (η_B/λ)·W: equal to W when
// η_B = λ, within a noise of relative size about √(λ·fan_in/(2·batch))
// for a dense layer.
//
// It runs the layer's own Forward and ParamGrad, which is why it comes
// before the step's forward pass, which restores the layers' state.
type Mirror struct {
	f         []*tensor.Mat
	lr, decay float64
	probe, gW tensor.Mat // the noise and its correlation with the response
	gB        []float32  // the response's bias gradient (discarded)
}

// Attach implements Part.
func (m *Mirror) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	var err error
	m.f, err = layerWise(r, net, "the weight mirror")
	m.lr, m.decay = r.Opt.FeedbackLR, r.Opt.FeedbackDecay
	if err == nil {
		err = plainAbove(r, net, "the weight mirror (a layer's linear response to noise)")
	}
	return err
}

// Prepare implements Preparer: the mirror step, in training steps only.
func (m *Mirror) Prepare(s *Step) {
	if !s.Learn {
		return
	}
	batch := s.X.Rows
	keep := float32(1 - m.decay)
	for i, f := range m.f {
		core := s.Net.Blocks[i+1].Core
		xi := m.probe.Resize(batch, core.In())
		for k := range xi.Data {
			xi.Data[k] = float32(s.Rand.NormFloat64())
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
		if cap(m.gB) < len(b) {
			m.gB = make([]float32, len(b))
		}
		core.ParamGrad(y, m.gW.Resize(f.Rows, f.Cols), m.gB[:len(b)])
		tensor.Scale(keep, f.Data)
		tensor.Axpy(float32(m.lr/float64(batch*p)), m.gW.Data, f.Data)
	}
}
