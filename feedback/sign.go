package feedback

import (
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
)

// Magnitude is where sign-tied feedback F = m ∘ sign(W) takes its
// magnitudes m (sign symmetry: Liao, Leibo & Poggio 2016; Xiao et al.
// 2018; the variants as benchmarked by BioTorch). s = √(2/fan_in) is the
// scale of the random feedback and of the forward weights it stands in for
// (see New).
type Magnitude int

const (
	// NoTie: F is not tied to W.
	NoTie Magnitude = iota
	// Uniform: m = s (usf).
	Uniform
	// Redrawn: m = |M|, M ~ N(0, s²) drawn afresh at every step from the
	// step's random stream (brsf).
	Redrawn
	// Frozen: m = |M₀|, M₀ ~ N(0, s²) drawn once when the rule is made and
	// kept as |F| (frsf), so F alone holds the rule's state.
	Frozen
)

// tie sets F[i] = m ∘ sign(W^{i+1}) for every layer-wise matrix, with
// sign(0) taken as +1 so that Frozen magnitudes are never lost.
func (r *Rule) tie(net *nn.Net, rng *rand.Rand) {
	for i, f := range r.F {
		w := net.Blocks[i+1].Core.Weight().Data
		s := math.Sqrt(2 / float64(f.Cols))
		for k, v := range f.Data {
			var m float32
			switch r.Tie {
			case Uniform:
				m = float32(s)
			case Redrawn:
				m = float32(math.Abs(s * rng.NormFloat64()))
			case Frozen:
				m = float32(math.Abs(float64(v)))
			}
			if w[k] < 0 {
				m = -m
			}
			f.Data[k] = m
		}
	}
}
