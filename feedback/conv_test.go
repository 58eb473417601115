package feedback

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func convFixture(t *testing.T) (*nn.Net, *tensor.Mat, *tensor.Mat) {
	t.Helper()
	sp, err := nn.ParseSpec("conv3x3x4,pool2s2,conv3x3x5s2,fc6,drop0.25,fc3")
	if err != nil {
		t.Fatal(err)
	}
	net, err := sp.Build(2*7*7, [3]int{2, 7, 7}, "tanh", "linear", rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	x, y := batch(net, 5, rand.New(rand.NewPCG(3, 3)))
	return net, x, y
}

// On a conv network, fa with feedback kernels equal to the forward kernels
// is backprop, bit for bit; every rule that is defined there gives every
// hidden layer a non-zero update and the output layer the exact one.
func TestConvRules(t *testing.T) {
	net, x, y := convFixture(t)
	bp := step(t, "bp", net, x, y, nil)
	fa := step(t, "fa", net, x, y, tieToW(net))
	for _, b := range differing(fa, bp) {
		t.Errorf("block %d: conv fa with F = W differs from bp", b)
	}
	last := len(net.Blocks) - 1
	for _, name := range Names() {
		g := step(t, name, net, x, y, nil)
		for b := 0; b < last; b++ {
			if tensor.Norm(g.W[b].Data) == 0 {
				t.Errorf("%s: hidden layer %d gets a zero update", name, b+1)
			}
		}
		if name != "fgw" && !equal(g.W[last].Data, bp.W[last].Data) { // fgw estimates every layer's
			t.Errorf("%s: output update differs from bp's", name)
		}
	}
	// Ridge regression learns dense layer-wise feedback only; conv
	// kernels learn by sgd.
	if _, err := New("np", net, Options{Noise: 1e-3, Solver: "ridge"}, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "--feedback-solver sgd") {
		t.Errorf("np by ridge on a conv net: %v", err)
	}
	// Direct feedback is classes × site size.
	r, _ := New("npdfa", net, Options{Noise: 1e-3}, rand.New(rand.NewPCG(1, 1)))
	for i, f := range r.Feedback() {
		if f.Rows != 3 || f.Cols != net.SiteWidth(i) {
			t.Errorf("D[%d] is %d×%d, want 3×%d", i, f.Rows, f.Cols, net.SiteWidth(i))
		}
	}
}

// Training-mode dropout: the clean and noisy passes of one step share the
// mask, so λ̂ stays an estimate of the gradient of the clean pass's loss.
// With a tiny c the loss difference of a site's noise must match the
// first-order prediction ξ·λ from backprop through the same mask.
func TestDropoutMaskShared(t *testing.T) {
	net, x, y := convFixture(t)
	net.Training = true
	r, _ := New("nodepert", net, Options{Noise: 1e-3}, rand.New(rand.NewPCG(1, 1)))
	bp, _ := New("bp", net, Options{}, nil)
	g, gb := nn.NewGrads(net), nn.NewGrads(net)
	// Draw the mask once, and make the bp pass reuse it.
	r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rand.New(rand.NewPCG(4, 4)), false)
	yhat := net.Replay(nil)
	var dOut tensor.Mat
	nn.SoftmaxCE{}.Grad(yhat, y, 1, &dOut)
	net.Backward(&dOut, bp, gb)
	// Mean of λ̂ at the top site (after dropout) over draws ≈ exact λ there.
	top := net.Sites() - 1
	core := net.Blocks[top+1].Core
	var lam tensor.Mat
	core.InputGrad(gb.Delta[top+1], core.Weight(), &lam)
	mean := tensor.New(lam.Rows, lam.Cols)
	noise := rand.New(rand.NewPCG(5, 5))
	const draws = 4000
	pt := r.Parts()[1].(*Perturbation)
	for d := 0; d < draws; d++ {
		drawNoise(&Step{Net: net, X: x, Rand: noise}, pt.xi, pt.noise, r.Opt.Noise)
		pt.noisyLoss(nn.SoftmaxCE{}, net.Replay(pt.noise), y)
		pt.estimate(1)
		tensor.Axpy(1.0/draws, r.Lambda(top).Data, mean.Data)
	}
	net.Replay(nil)
	if a := metrics.Angle(mean.Data, lam.Data); a > 25 {
		t.Errorf("mean λ̂ at the top site is %.1f° from the exact gradient under the shared mask", a)
	}
}
