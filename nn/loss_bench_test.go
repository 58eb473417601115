package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// BenchmarkCELoss times softmax cross-entropy's loss and gradient on a
// batch of 256 × 10 logits, as two passes (PerSample, Grad) and as one
// (PerSampleGrad).
func BenchmarkCELoss(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	yhat := randMat(rng, 256, 10, 2)
	y := tensor.New(256, 10)
	for i := 0; i < 256; i++ {
		y.Data[i*10+rng.IntN(10)] = 1
	}
	l := make([]float64, 256)
	var g tensor.Mat
	b.Run("two-passes", func(b *testing.B) {
		for b.Loop() {
			SoftmaxCE{}.PerSample(yhat, y, l)
			SoftmaxCE{}.Grad(yhat, y, 1, &g)
		}
	})
	b.Run("one-pass", func(b *testing.B) {
		for b.Loop() {
			SoftmaxCE{}.PerSampleGrad(yhat, y, 1, l, &g)
		}
	})
}
