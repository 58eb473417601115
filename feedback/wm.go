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
// A batch-normalised layer mirrors its inner layer, and a residual block
// each convolution inside it (conv₁, conv₂, the projection's), each with
// noise at its own input, into its segment of F: the feedback that stands
// in for that convolution's transpose. Normalisation and shortcuts need
// no mirror; they stay exact.
//
// It runs the layers' own Forward and ParamGrad, which is why it comes
// before the step's forward pass, which restores the layers' state.
type Mirror struct {
	f         []*tensor.Mat
	lr, decay float64
	probe, gW tensor.Mat // the noise and its correlation with the response
	gB        []float32  // the response's bias gradient (discarded)
	fv        tensor.Mat // the segment of F being mirrored
	layers    [][]nn.Core
	segs      [][]nn.Segment // per site, each plain layer and its place in F
}

// Attach implements Part.
func (m *Mirror) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	var err error
	m.f, err = layerWise(r, net, "the weight mirror")
	m.lr, m.decay = r.Opt.FeedbackLR, r.Opt.FeedbackDecay
	for i := range m.f {
		core := net.Blocks[i+1].Core
		m.layers, m.segs = append(m.layers, nn.Layers(core)), append(m.segs, nn.Segments(core))
	}
	return err
}

// Prepare implements Preparer: the mirror step, in training steps only.
func (m *Mirror) Prepare(s *Step) {
	if !s.Learn {
		return
	}
	for i, f := range m.f {
		for j, seg := range m.segs[i] {
			m.fv = seg.Of(f)
			m.mirror(m.layers[i][j], &m.fv, s)
		}
	}
}

// mirror takes the mirror step for one plain layer and its feedback f.
func (m *Mirror) mirror(layer nn.Core, f *tensor.Mat, s *Step) {
	batch := s.X.Rows
	xi := m.probe.Resize(batch, layer.In())
	for k := range xi.Data {
		xi.Data[k] = float32(s.Rand.NormFloat64())
	}
	y := layer.Forward(xi)
	b := layer.Bias()
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
	layer.ParamGrad(y, m.gW.Resize(f.Rows, f.Cols), m.gB[:len(b)])
	tensor.Scale(float32(1-m.decay), f.Data)
	tensor.Axpy(float32(m.lr/float64(batch*p)), m.gW.Data, f.Data)
}
