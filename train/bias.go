package train

import (
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
)

// initBiases draws every block's bias from N(0, 2/fan_in), the scale of its
// weights (fan_in: a dense layer's inputs, a conv kernel's InC·K·K), from
// the init stream after all the weights were drawn, so the weights are those
// of the same run with zero biases (--bias-init normal, the authors' code,
// whose bias is one more row of W drawn with it).
func initBiases(net *nn.Net, src *rand.PCG) {
	rng := rand.New(src)
	for _, b := range net.Blocks {
		std := math.Sqrt(2 / float64(b.Core.Weight().Cols))
		for i := range b.Core.Bias() {
			b.Core.Bias()[i] = float32(rng.NormFloat64() * std)
		}
	}
}
