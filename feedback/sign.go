package feedback

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Magnitude is where sign-tied feedback F = m ∘ sign(W) takes its
// magnitudes m (sign symmetry: Liao, Leibo & Poggio 2016; Xiao et al.
// 2018; the variants as benchmarked by BioTorch). s = √(2/fan_in) is the
// scale of the random feedback and of the forward weights it stands in for
// (see New).
type Magnitude int

const (
	// Uniform: m = s (usf).
	Uniform Magnitude = iota
	// Redrawn: m = |M|, M ~ N(0, s²) drawn afresh at every step from the
	// step's random stream (brsf).
	Redrawn
	// Frozen: m = |M₀|, M₀ ~ N(0, s²) drawn once when the rule is made and
	// kept as |F| (frsf), so F alone holds the rule's state.
	Frozen
)

// Tie ties layer-wise feedback to the signs of the forward weights: when
// the rule is made and at the start of every step, F[i] = m ∘ sign(W^{i+1})
// (sign congruence 1 by construction; sign(0) is taken as +, so that
// Frozen magnitudes are never lost), with magnitudes m from Magnitude.
type Tie struct {
	Magnitude Magnitude
	f         []*tensor.Mat
	scales    [][]float32 // per-entry √(2/fan_in) where a core holds several layers (fanScales); nil entries otherwise
}

// Attach implements Part: the rule's feedback matrices must have the
// shapes of the forward weights above each site (layer-wise).
func (t *Tie) Attach(r *Rule, net *nn.Net, rng *rand.Rand) error {
	var err error
	if t.f, err = layerWise(r, net, "sign ties"); err != nil {
		return err
	}
	t.scales = make([][]float32, len(t.f))
	for i := range t.f {
		t.scales[i] = fanScales(net.Blocks[i+1].Core)
	}
	t.tie(net, rng)
	return nil
}

// Prepare implements Preparer.
func (t *Tie) Prepare(s *Step) { t.tie(s.Net, s.Rand) }

func (t *Tie) tie(net *nn.Net, rng *rand.Rand) {
	for i, f := range t.f {
		w := net.Blocks[i+1].Core.Weight().Data
		s := math.Sqrt(2 / float64(f.Cols))
		fs := t.scales[i]
		for k, v := range f.Data {
			if fs != nil {
				s = float64(fs[k])
			}
			var m float32
			switch t.Magnitude {
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

// layerWise returns the rule's feedback matrices after checking that each
// has the shape of the forward weights above its site, as a part that
// works on layer-wise feedback (who) needs.
func layerWise(r *Rule, net *nn.Net, who string) ([]*tensor.Mat, error) {
	fs, err := r.matrices(who)
	if err != nil {
		return nil, err
	}
	for i, f := range fs {
		if w := net.Blocks[i+1].Core.Weight(); f.Rows != w.Rows || f.Cols != w.Cols {
			return nil, fmt.Errorf("rule %s: %s need layer-wise feedback, and feedback matrix %d is %d×%d, not W's %d×%d", r.Name, who, i, f.Rows, f.Cols, w.Rows, w.Cols)
		}
	}
	return fs, nil
}
