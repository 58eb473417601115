package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func gapNorm(r *Rule, net *nn.Net, i int) float64 {
	w := net.Blocks[i+1].Core.Weight().Data
	d := make([]float32, len(w))
	for k, v := range r.Feedback()[i].Data {
		d[k] = w[k] - v
	}
	return tensor.Norm(d)
}

// Kolen–Pollack with matched decay: whatever the optimiser does to W, F
// receives the same change and the same decay, so W − F shrinks by exactly
// (1 − λ) per step (up to float32 rounding) and F goes from its random
// start to Wᵀ, on dense and conv layers. The optimiser here is a
// sign-of-gradient step plus noise, nothing like SGD, to show that only
// the change matters. Without a move (warm-up, frozen weights) F stays.
func TestKolenPollack(t *testing.T) {
	const lambda = 0.05
	for kind, net := range nets(t) {
		x, y := tensor.New(5, net.Blocks[0].Core.In()), tensor.New(5, net.Out())
		rng := rand.New(rand.NewPCG(6, 6))
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		for n := 0; n < y.Rows; n++ {
			y.Data[n*y.Cols+rng.IntN(y.Cols)] = 1
		}
		r, err := New("kp", net, Options{WeightDecay: lambda}, rng)
		if err != nil {
			t.Fatal(err)
		}
		g := nn.NewGrads(net)
		update := func() {
			for b, blk := range net.Blocks {
				w := blk.Core.Weight().Data
				for k, gv := range g.W[b].Data {
					w[k] *= 1 - lambda
					w[k] -= 0.01*float32(math.Copysign(1, float64(gv))) + 0.001*float32(rng.NormFloat64())
				}
			}
		}
		if a := metrics.Angle(r.Feedback()[0].Data, net.Blocks[1].Core.Weight().Data); a < 60 {
			t.Fatalf("%s: F starts %.1f° from W, want a random start", kind, a)
		}
		before := append([]float32(nil), r.Feedback()[0].Data...)
		r.Step(net, nn.SquaredError{}, 1, x, y, g, rng, true)
		if !equal(before, r.Feedback()[0].Data) {
			t.Fatalf("%s: kp changed F in Step", kind)
		}
		for step := 0; step < 200; step++ {
			r.Step(net, nn.SquaredError{}, 1, x, y, g, rng, true)
			prev := make([]float64, len(r.Feedback()))
			for i := range r.Feedback() {
				prev[i] = gapNorm(r, net, i)
			}
			r.Move(net, update)
			for i := range r.Feedback() {
				// float32 rounding of F = W − (1−λ)·gap: a few ulps of ‖W‖.
				got, want := gapNorm(r, net, i), (1-lambda)*prev[i]
				tol := 1e-6 * tensor.Norm(net.Blocks[i+1].Core.Weight().Data)
				if math.Abs(got-want) > tol {
					t.Fatalf("%s step %d: ‖W − F[%d]‖ = %.6g, want (1−λ)·%.6g = %.6g", kind, step, i, got, prev[i], want)
				}
			}
		}
		for i, f := range r.Feedback() {
			// 0.95²⁰⁰ ≈ 3.5·10⁻⁵ of the start is left.
			if a := metrics.Angle(f.Data, net.Blocks[i+1].Core.Weight().Data); a > 0.1 {
				t.Errorf("%s: F[%d] ends %.3g° from W", kind, i, a)
			}
		}
	}
}

// With λ = 0 (no decay), W − F never changes: F keeps its random offset.
func TestKolenPollackNoDecay(t *testing.T) {
	net, x, y := fixture(t, 14)
	r, _ := New("kp", net, Options{}, rand.New(rand.NewPCG(1, 1)))
	g := nn.NewGrads(net)
	r.Step(net, nn.SquaredError{}, 1, x, y, g, nil, true)
	gap := gapNorm(r, net, 0)
	r.Move(net, func() { tensor.Axpy(-0.1, g.W[1].Data, net.Blocks[1].Core.Weight().Data) })
	if got := gapNorm(r, net, 0); math.Abs(got-gap) > 1e-6*gap {
		t.Errorf("‖W − F‖ went from %v to %v with no decay", gap, got)
	}
	if _, err := New("kp", net, Options{WeightDecay: -0.1}, nil); err == nil {
		t.Error("a negative weight decay accepted")
	}
}
