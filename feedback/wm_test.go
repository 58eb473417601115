package feedback

import (
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// mirrorTarget is what the weight mirror's F settles at when η_B = λ: W
// for a dense layer; for a convolution, each tap of W scaled by the
// fraction of output positions at which it reads the image rather than the
// padding (a border tap sees less of the noise).
func mirrorTarget(core nn.Core) []float32 {
	w := core.Weight().Data
	c, ok := core.(*nn.Conv2D)
	if !ok {
		return w
	}
	inside := func(o, k, n int) bool { i := o*c.Stride - c.Pad + k; return i >= 0 && i < n }
	out := make([]float32, len(w))
	for k := range w {
		tap := k % (c.K * c.K)
		ky, kx := tap/c.K, tap%c.K
		n := 0
		for oy := 0; oy < c.OutH; oy++ {
			for ox := 0; ox < c.OutW; ox++ {
				if inside(oy, ky, c.InH) && inside(ox, kx, c.InW) {
					n++
				}
			}
		}
		out[k] = w[k] * float32(n) / float32(c.OutH*c.OutW)
	}
	return out
}

// With W fixed, the weight mirror drives F from its random start to Wᵀ (to
// W with conv border taps scaled, see mirrorTarget) on dense and conv
// layers. With η_B = λ = 0.01 the start has decayed to 0.99¹⁰⁰⁰ ≈ 4·10⁻⁵ of
// itself after 1000 steps, and the mirror's noise leaves a relative error
// of about √(λ·fan_in/(2·samples per step)): 0.04 or less here (fan_in ≤ 20
// at batch 64 for the dense layers, ≤ 36 at 64·4 kernel positions for the
// conv one), about 2.5° or less (measured: 0.7° to 2.4°), so 5° and 0.1 are
// bounds the mirror meets and a wrong mirror (wrong shape, bias left in,
// wrong scale, border taps not as predicted) does not.
func TestWeightMirrorAligns(t *testing.T) {
	for kind, net := range nets(t) {
		rng := rand.New(rand.NewPCG(4, 4))
		r, err := New("wm", net, Options{FeedbackLR: 0.01, FeedbackDecay: 0.01}, rng)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range r.Feedback() {
			if a := metrics.Angle(f.Data, mirrorTarget(net.Blocks[i+1].Core)); a < 60 {
				t.Fatalf("%s: F[%d] starts %.1f° from its target, want a random start", kind, i, a)
			}
		}
		x, y := tensor.New(64, net.Blocks[0].Core.In()), tensor.New(64, net.Out())
		g := nn.NewGrads(net)
		for step := 0; step < 700; step++ {
			r.Step(net, nn.SquaredError{}, 1, x, y, g, rng, true)
		}
		for i, f := range r.Feedback() {
			want := mirrorTarget(net.Blocks[i+1].Core)
			a, e := metrics.Angle(f.Data, want), metrics.RelativeError(f.Data, want)
			t.Logf("%s F[%d]: %.2f° from its target, relative error %.3f", kind, i, a, e)
			if a > 5 || e > 0.1 {
				t.Errorf("%s: F[%d] is %.1f° from its target, relative error %.3f", kind, i, a, e)
			}
		}
	}
}

// The mirror learns only in training steps (learn true) and settles at
// (η_B/λ)·W: with η_B = 2λ, at twice W.
func TestWeightMirrorScale(t *testing.T) {
	net, x, y := fixture(t, 13)
	rng := rand.New(rand.NewPCG(5, 5))
	r, _ := New("wm", net, Options{FeedbackLR: 0.02, FeedbackDecay: 0.01}, rng)
	g := nn.NewGrads(net)
	before := append([]float32(nil), r.Feedback()[0].Data...)
	r.Step(net, nn.SquaredError{}, 1, x, y, g, rng, false)
	if !equal(before, r.Feedback()[0].Data) {
		t.Fatal("wm learned in a step with learn false")
	}
	big, by := tensor.New(64, x.Cols), tensor.New(64, y.Cols)
	for step := 0; step < 1000; step++ {
		r.Step(net, nn.SquaredError{}, 1, big, by, g, rng, true)
	}
	w := net.Blocks[1].Core.Weight().Clone()
	tensor.Scale(2, w.Data)
	if e := metrics.RelativeError(r.Feedback()[0].Data, w.Data); e > 0.1 {
		t.Errorf("F is %.3f from 2W in relative error", e)
	}
	if _, err := New("wm", net, Options{FeedbackLR: 0.01, FeedbackDecay: 1}, rng); err == nil {
		t.Error("a feedback decay of 1 accepted")
	}
}
