package feedback

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Networks with batch normalisation and residual blocks (nn.Normed,
// nn.Residual). Layer-wise feedback for a block has the block's Weight
// shape: for a residual block, a feedback kernel set for each convolution
// inside it, packed as its kernels are (nn.Segments). Parts that treat
// feedback entry by entry (the layer-wise delivery, sign ties,
// Kolen–Pollack) work on it unchanged; parts that act layer by layer (the
// weight mirror, product feedback) go through each plain layer of the core
// (nn.Layers, nn.Segments), and np's regression through the core's
// FeedbackGrad.

// initialFor returns the feedback for core (W's shape), zero or drawn
// N(0, 2/fan_in) segment by segment. For a plain layer it draws exactly
// what initial draws.
func initialFor(core nn.Core, zero bool, rng *rand.Rand) *tensor.Mat {
	w := core.Weight()
	segs := nn.Segments(core)
	if len(segs) == 1 && segs[0].Cols == w.Cols && segs[0].FanIn == w.Cols {
		return initial(w.Rows, w.Cols, zero, rng)
	}
	f := tensor.New(w.Rows, w.Cols)
	if !zero {
		for _, s := range segs {
			std := math.Sqrt(2 / float64(s.FanIn))
			v := s.Of(f)
			for k := range v.Data {
				v.Data[k] = float32(rng.NormFloat64() * std)
			}
		}
	}
	return f
}

// fanScales returns, for each entry of core's weights, √(2/fan_in) of its
// layer (nil when the core is one plain layer whose fan-in is W's column
// count, where callers use √(2/cols) as before).
func fanScales(core nn.Core) []float32 {
	w := core.Weight()
	segs := nn.Segments(core)
	if len(segs) == 1 && segs[0].FanIn == w.Cols {
		return nil
	}
	s := make([]float32, len(w.Data))
	for _, g := range segs {
		v := float32(math.Sqrt(2 / float64(g.FanIn)))
		for k := g.Off; k < g.Off+g.Rows*g.Cols; k++ {
			s[k] = v
		}
	}
	return s
}

// InnerFeedback implements nn.InnerFeedback: the feedback of the block
// above site block−1 stands in for its weights inside it too.
func (l *LayerWise) InnerFeedback(_ *nn.Net, block int) *tensor.Mat {
	if block < 1 || block > len(l.F) {
		return nil
	}
	return l.F[block-1]
}

// InnerFeedback implements nn.InnerFeedback through the rule's delivery
// (nil, the block's own weights, for deliveries without).
func (r *Rule) InnerFeedback(n *nn.Net, block int) *tensor.Mat {
	if f, ok := r.delivery.(nn.InnerFeedback); ok {
		return f.InnerFeedback(n, block)
	}
	return nil
}

// kindOf names a core for a one-line refusal.
func kindOf(c nn.Core) string {
	switch c.(type) {
	case *nn.Residual:
		return "a residual block"
	case *nn.Normed:
		return "a batch-normalised layer"
	case *nn.Conv2D:
		return "a convolution"
	case *nn.Dense:
		return "a dense layer"
	}
	return fmt.Sprintf("a %T", c)
}
