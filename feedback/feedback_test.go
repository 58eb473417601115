package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// fixture is a small sigmoid network with a batch of one-hot targets.
func fixture(t *testing.T, seed uint64) (*nn.Net, *tensor.Mat, *tensor.Mat) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	net, err := nn.NewMLP([]int{6, 5, 4, 3}, "sigmoid", "linear", rng)
	if err != nil {
		t.Fatal(err)
	}
	x, y := batch(net, 8, rng)
	return net, x, y
}

func step(t *testing.T, name string, net *nn.Net, x, y *tensor.Mat, setup func(*Rule)) *nn.Grads {
	t.Helper()
	r, err := New(name, net, Options{Noise: 1e-3}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(r)
	}
	g := nn.NewGrads(net)
	r.Step(net, nn.SquaredError{}, 1, x, y, g, rand.New(rand.NewPCG(8, 8)), false)
	return g
}

// tieToW is a setup for step that sets every feedback matrix (or kernel) to
// the forward weights of the layer it stands for.
func tieToW(net *nn.Net) func(*Rule) {
	return func(r *Rule) {
		for i, f := range r.Feedback() {
			copy(f.Data, net.Blocks[i+1].Core.Weight().Data)
		}
	}
}

// differing returns the blocks whose weight or bias gradients in a and b
// are not equal bit for bit.
func differing(a, b *nn.Grads) []int {
	var d []int
	for k := range b.W {
		if !equal(a.W[k].Data, b.W[k].Data) || !equal(a.B[k], b.B[k]) {
			d = append(d, k)
		}
	}
	return d
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// With B set to Wᵀ (F = W), feedback alignment is backprop, bit for bit.
func TestFAWithTransposeIsBP(t *testing.T) {
	net, x, y := fixture(t, 1)
	bp := step(t, "bp", net, x, y, nil)
	fa := step(t, "fa", net, x, y, tieToW(net))
	for _, b := range differing(fa, bp) {
		t.Errorf("block %d: fa with F = W differs from bp", b)
	}
	// And with random B it does differ below the top.
	fa = step(t, "fa", net, x, y, nil)
	if equal(fa.W[0].Data, bp.W[0].Data) {
		t.Error("fa with random B equals bp")
	}
}

// The output layer always receives the exact error (but under fgw, whose
// forward gradient is every layer's update).
func TestOutputLayerIsExact(t *testing.T) {
	net, x, y := fixture(t, 2)
	bp := step(t, "bp", net, x, y, nil)
	last := len(net.Blocks) - 1
	for _, name := range Names() {
		if name == "fgw" {
			continue
		}
		g := step(t, name, net, x, y, nil)
		if !equal(g.W[last].Data, bp.W[last].Data) || !equal(g.B[last], bp.B[last]) {
			t.Errorf("%s: output-layer update differs from bp's", name)
		}
	}
}

// Every rule gives every hidden layer a non-zero update.
func TestEveryHiddenLayerLearns(t *testing.T) {
	net, x, y := fixture(t, 3)
	for _, name := range Names() {
		g := step(t, name, net, x, y, nil)
		for b := 0; b < len(net.Blocks)-1; b++ {
			if tensor.Norm(g.W[b].Data) == 0 {
				t.Errorf("%s: hidden layer %d gets a zero update", name, b+1)
			}
		}
	}
}

// Direct feedback with D set to the top weights equals backprop at the top
// hidden layer (there, direct and layer-wise delivery coincide).
func TestDFATopLayerWithTransposeIsBP(t *testing.T) {
	net, x, y := fixture(t, 4)
	bp := step(t, "bp", net, x, y, nil)
	top := len(net.Blocks) - 2
	dfa := step(t, "dfa", net, x, y, func(r *Rule) {
		copy(r.Feedback()[top].Data, net.Blocks[top+1].Core.Weight().Data)
	})
	if !equal(dfa.W[top].Data, bp.W[top].Data) {
		t.Error("dfa with D = W^N at the top hidden layer differs from bp")
	}
}

func TestNewErrors(t *testing.T) {
	net, _, _ := fixture(t, 5)
	if _, err := New("nope", net, Options{}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("unknown rule accepted")
	}
}

// Feedback matrices start at the scale of the forward weights they stand in for.
func TestInitScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	net, _ := nn.NewMLP([]int{100, 400, 300, 10}, "sigmoid", "linear", rng)
	for _, name := range []string{"fa", "dfa"} {
		r, _ := New(name, net, Options{}, rng)
		for i, f := range r.Feedback() {
			got := tensor.Norm(f.Data) / math.Sqrt(float64(len(f.Data)))
			w := net.Blocks[i+1].Core.Weight()
			want := tensor.Norm(w.Data) / math.Sqrt(float64(len(w.Data)))
			if name == "fa" && (got < 0.9*want || got > 1.1*want) {
				t.Errorf("fa F[%d] rms scale %.4g, W %.4g", i, got, want)
			}
			if rows := f.Rows; name == "dfa" && rows != net.Out() {
				t.Errorf("dfa F[%d] has %d rows, want %d", i, rows, net.Out())
			}
		}
	}
}

// Activity noise changes the training passes of a non-perturbing rule and
// nothing else: evaluation passes (net.Training false) stay clean.
func TestActivityNoise(t *testing.T) {
	net, x, y := fixture(t, 8)
	clean := step(t, "bp", net, x, y, nil)
	r, err := New("bp", net, Options{ActivityNoise: 0.1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := nn.NewGrads(net)
	r.Step(net, nn.SquaredError{}, 1, x, y, g, rand.New(rand.NewPCG(1, 1)), false)
	if !equal(g.W[0].Data, clean.W[0].Data) {
		t.Error("activity noise changed an evaluation pass")
	}
	net.Training = true
	r.Step(net, nn.SquaredError{}, 1, x, y, g, rand.New(rand.NewPCG(1, 1)), false)
	net.Training = false
	if equal(g.W[0].Data, clean.W[0].Data) {
		t.Error("activity noise did not reach a training pass")
	}
	if _, err := New("np", net, Options{Noise: 1e-3, ActivityNoise: 0.1}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("activity noise accepted for a perturbing rule")
	}
}
