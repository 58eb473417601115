package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/tensor"
)

// Segment is one weighted layer's part of a core's weight matrix: the
// values Data[Off : Off+Rows·Cols] of Weight(), a Rows × Cols matrix in
// that layer's own shape (out × in for a dense layer, OutC × InC·K·K for
// a convolution), with its fan-in and fan-out.
type Segment struct {
	Off, Rows, Cols int
	FanIn, FanOut   int
}

// Of returns the segment's Rows × Cols view of m, a matrix of the core's
// Weight shape (its weights, a feedback of that shape, a gradient store):
// the same values, not a copy.
func (s Segment) Of(m *tensor.Mat) tensor.Mat {
	n := s.Rows * s.Cols
	return tensor.Mat{Rows: s.Rows, Cols: s.Cols, Data: m.Data[s.Off : s.Off+n : s.Off+n]}
}

// segmented is a core holding several weighted layers (Residual) or one
// wrapped (Normed).
type segmented interface{ segments() []Segment }

// Segments returns the weighted layers of core c in the order their
// weights lie in c.Weight().Data: one for a Dense or Conv2D core (the
// whole of W), one per convolution inside a residual block.
func Segments(c Core) []Segment {
	switch c := c.(type) {
	case segmented:
		return c.segments()
	case *Conv2D:
		return []Segment{{Rows: c.OutC, Cols: c.InC * c.K * c.K, FanIn: c.InC * c.K * c.K, FanOut: c.OutC * c.K * c.K}}
	}
	w := c.Weight()
	return []Segment{{Rows: w.Rows, Cols: w.Cols, FanIn: w.Cols, FanOut: w.Rows}}
}

// Layers returns the plain Dense and Conv2D layers of core c in the order
// of Segments: c itself, a normalised core's inner layer, or a residual
// block's convolutions (conv₁, conv₂, then the projection's).
func Layers(c Core) []Core {
	switch c := c.(type) {
	case *Normed:
		return Layers(c.Inner)
	case *Residual:
		l := []Core{c.Conv1, c.Conv2}
		if c.ConvP != nil {
			l = append(l, c.ConvP)
		}
		return l
	}
	return []Core{c}
}

// Reinit redraws every weight of n from rng by the scheme kind:
//   - "normal" or "": leaves the weights as built, N(0, 2/fan_in) (He et
//     al.'s, which credit has always used);
//   - "xavier": U(±√(6/(fan_in + fan_out))) (Glorot & Bengio 2010,
//     PyTorch's xavier_uniform_, as BioTorch's layers offer);
//   - "kaiming": U(±√(6/fan_in)) (He et al. 2015 uniform, PyTorch's
//     kaiming_uniform_ with the ReLU gain).
//
// Biases, γ and β keep their values.
func Reinit(n *Net, kind string, rng *rand.Rand) error {
	switch kind {
	case "", "normal":
		return nil
	case "xavier", "kaiming":
	default:
		return fmt.Errorf("unknown initialisation %q (want normal, xavier or kaiming)", kind)
	}
	for _, b := range n.Blocks {
		reinitCore(b.Core, kind, rng)
	}
	return nil
}

func reinitCore(c Core, kind string, rng *rand.Rand) {
	w := c.Weight().Data
	for _, s := range Segments(c) {
		bound := math.Sqrt(6 / float64(s.FanIn+s.FanOut))
		if kind == "kaiming" {
			bound = math.Sqrt(6 / float64(s.FanIn))
		}
		for k := s.Off; k < s.Off+s.Rows*s.Cols; k++ {
			w[k] = float32(bound * (2*rng.Float64() - 1))
		}
	}
}
