package tensor_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/tensor"
)

// BenchmarkFirstLayer times the products of an MLP's first layer on
// MNIST batches (784 → 256) at batches 32 and 256: the forward x·Wᵀ and
// the weight gradient dyᵀ·x, the plain product and the one skipping x's
// zeros alternated call by call (the skipping one includes recording x's
// pattern). It reports both times per call and their ratio.
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
		for i := range xs {
			xs[i] = &tensor.Mat{Rows: batch, Cols: 784, Data: train.X[i*batch*784 : (i+1)*batch*784]}
		}
		y, dy, gw := tensor.New(batch, 256), tensor.New(batch, 256), tensor.New(256, 784)
		for i := range dy.Data {
			dy.Data[i] = float32(rng.NormFloat64())
		}
		var p tensor.Pattern
		for _, op := range []string{"forward", "wgrad"} {
			plain := func(x *tensor.Mat) {
				if op == "forward" {
					tensor.MatMul(false, true, 1, x, w, 1, y)
				} else {
					tensor.MatMul(true, false, 1, dy, x, 0, gw)
				}
			}
			skipping := func(x *tensor.Mat) {
				p.Of(x)
				if op == "forward" {
					tensor.MatMulSparseA(true, x, &p, w, 1, y)
				} else {
					tensor.MatMulSparseB(true, dy, x, &p, 0, gw)
				}
			}
			b.Run(op+"/b"+strconv.Itoa(batch), func(b *testing.B) {
				var tp, ts time.Duration
				i := 0
				for b.Loop() {
					x := xs[i%len(xs)]
					t0 := time.Now()
					plain(x)
					t1 := time.Now()
					skipping(x)
					ts += time.Since(t1)
					tp += t1.Sub(t0)
					i++
				}
				b.ReportMetric(float64(tp.Nanoseconds())/1e3/float64(i), "plain-µs")
				b.ReportMetric(float64(ts.Nanoseconds())/1e3/float64(i), "skipping-µs")
				b.ReportMetric(float64(ts)/float64(tp), "skipping/plain")
			})
		}
	}
}
