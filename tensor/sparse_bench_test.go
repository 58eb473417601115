package tensor_test

import (
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/tensor"
)

// BenchmarkFirstLayer times the products of an MLP's first layer on
// MNIST batches (784 → 256): the forward x·Wᵀ and the weight gradient
// dyᵀ·x, dense and skipping x's zeros, at batches 32 and 256.
func BenchmarkFirstLayer(b *testing.B) {
	train, _, err := data.Load(data.Options{Name: "mnist", TrainSize: 4096})
	if err != nil {
		b.Skip(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	w := tensor.New(256, 784)
	for i := range w.Data {
		w.Data[i] = float32(rng.NormFloat64())
	}
	for _, batch := range []int{32, 256} {
		xs := make([]*tensor.Mat, train.N/batch)
		pats := make([]tensor.Pattern, len(xs))
		for i := range xs {
			xs[i] = &tensor.Mat{Rows: batch, Cols: 784, Data: train.X[i*batch*784 : (i+1)*batch*784]}
			pats[i].Of(xs[i])
		}
		y, dy, gw := tensor.New(batch, 256), tensor.New(batch, 256), tensor.New(256, 784)
		for i := range dy.Data {
			dy.Data[i] = float32(rng.NormFloat64())
		}
		for _, sparse := range []bool{false, true} {
			name := "dense"
			if sparse {
				name = "sparse"
			}
			b.Run(name+"/forward/b"+itoa(batch), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					x := xs[i%len(xs)]
					if sparse {
						p := &pats[i%len(xs)]
						p.Of(x)
						tensor.MatMulSparseA(true, x, p, w, 1, y)
					} else {
						tensor.MatMul(false, true, 1, x, w, 1, y)
					}
				}
			})
			b.Run(name+"/wgrad/b"+itoa(batch), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					x := xs[i%len(xs)]
					if sparse {
						tensor.MatMulSparseB(true, dy, x, &pats[i%len(xs)], 0, gw)
					} else {
						tensor.MatMul(true, false, 1, dy, x, 0, gw)
					}
				}
			})
		}
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
