package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// batch returns a random batch for net: x ~ N(0, I) and one-hot targets.
func batch(net *nn.Net, n int, rng *rand.Rand) (*tensor.Mat, *tensor.Mat) {
	x, y := tensor.New(n, net.Blocks[0].Core.In()), tensor.New(n, net.Out())
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for k := 0; k < n; k++ {
		y.Data[k*y.Cols+rng.IntN(y.Cols)] = 1
	}
	return x, y
}

// outerProducts returns Σ_n e_nᵀ h^i_n per site in float64, from the output
// error of g and the site activities of the last pass.
func outerProducts(net *nn.Net, g *nn.Grads) [][]float64 {
	e := g.Delta[len(g.Delta)-1]
	var out [][]float64
	for i := 0; i < net.Sites(); i++ {
		h := net.SiteOutput(i)
		p := make([]float64, e.Cols*h.Cols)
		for n := 0; n < e.Rows; n++ {
			for j, ev := range e.Row(n) {
				for k, hv := range h.Row(n) {
					p[j*h.Cols+k] += float64(ev) * float64(hv)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// dkp's step, on dense and conv networks: with the output error and the
// activities of a step fixed, D moves by exactly −η_B·Σ_n e_nᵀh_n after
// decaying by (1 − λ), in the optimiser's move and not before it.
func TestDirectKolenPollackStep(t *testing.T) {
	const lr, lambda = 0.01, 0.1
	for kind, net := range nets(t) {
		rng := rand.New(rand.NewPCG(6, 6))
		x, y := batch(net, 5, rng)
		r, err := New("dkp", net, Options{FeedbackLR: lr, WeightDecay: lambda}, rng)
		if err != nil {
			t.Fatal(err)
		}
		before := make([][]float32, net.Sites())
		for i, f := range r.Feedback() {
			before[i] = append([]float32(nil), f.Data...)
		}
		g := nn.NewGrads(net)
		r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rng, true)
		for i, f := range r.Feedback() {
			if !equal(before[i], f.Data) {
				t.Fatalf("%s: D[%d] moved in Step, before the forward weights", kind, i)
			}
		}
		want := outerProducts(net, g)
		r.Move(net, func() {
			for b, blk := range net.Blocks { // any move of W: D does not depend on it
				tensor.Axpy(-0.1, g.W[b].Data, blk.Core.Weight().Data)
			}
		})
		for i, f := range r.Feedback() {
			for k, v := range f.Data {
				w := (1-lambda)*float64(before[i][k]) - lr*want[i][k]
				if math.Abs(float64(v)-w) > 1e-5*(1+math.Abs(w)) {
					t.Fatalf("%s: D[%d][%d] = %v after the step, want %v", kind, i, k, v, w)
				}
			}
		}
	}
}

// With the error and activities fixed (W still), D's target is the fixed
// point −(η_B/λ)·Σ_n e_nᵀh_n, and D's distance from it shrinks by (1 − λ)
// per step, as Kolen–Pollack's W − B does; without a move D stays.
func TestDirectKolenPollackDecay(t *testing.T) {
	const lr, lambda = 0.02, 0.05
	for kind, net := range nets(t) {
		rng := rand.New(rand.NewPCG(7, 7))
		x, y := batch(net, 5, rng)
		r, _ := New("dkp", net, Options{FeedbackLR: lr, WeightDecay: lambda}, rng)
		g := nn.NewGrads(net)
		r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rng, false)
		target := outerProducts(net, g)
		for _, p := range target {
			for k := range p {
				p[k] *= -lr / lambda
			}
		}
		dist := func() []float64 {
			var d []float64
			for i, f := range r.Feedback() {
				var s float64
				for k, v := range f.Data {
					s += (float64(v) - target[i][k]) * (float64(v) - target[i][k])
				}
				d = append(d, math.Sqrt(s))
			}
			return d
		}
		prev := dist()
		for step := 1; step <= 20; step++ {
			r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rng, true)
			if step == 10 { // a step that does not move W does not move D
				d := dist()
				for i := range d {
					if d[i] != prev[i] {
						t.Fatalf("%s: D[%d] moved without a move of W", kind, i)
					}
				}
				continue
			}
			r.Move(net, func() {})
			d := dist()
			for i := range d {
				if ratio := d[i] / prev[i]; math.Abs(ratio-(1-lambda)) > 1e-4 {
					t.Fatalf("%s: step %d: D[%d]'s distance from its target shrank by %.6f, want %.6f", kind, step, i, ratio, 1-lambda)
				}
			}
			prev = d
		}
	}
}
