package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// hiddenUpdates runs one step of r and returns copies of the hidden
// layers' weight updates and the output layer's.
func hiddenUpdates(r *Rule, net *nn.Net, loss nn.Loss, x, y *tensor.Mat) (hidden [][]float32, out []float32) {
	g := nn.NewGrads(net)
	r.Step(net, loss, 1, x, y, g, rand.New(rand.NewPCG(8, 8)), false)
	last := len(net.Blocks) - 1
	for b := 0; b < last; b++ {
		hidden = append(hidden, append([]float32(nil), g.W[b].Data...))
	}
	return hidden, append([]float32(nil), g.W[last].Data...)
}

func sameAll(a, b [][]float32) bool {
	for i := range a {
		if !equal(a[i], b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// perturbOutput adds d·(±1, drawn per unit) to the output layer's bias and,
// if w ≠ 0, w·N(0, 1) to its weights: the network's output changes, what
// lies below it does not.
func perturbOutput(net *nn.Net, d, w float64, rng *rand.Rand) {
	core := net.Blocks[len(net.Blocks)-1].Core
	for k := range core.Bias() {
		core.Bias()[k] += float32(d * float64(1-2*rng.IntN(2)))
	}
	for k := range core.Weight().Data {
		core.Weight().Data[k] += float32(w * rng.NormFloat64())
	}
}

// drtp's hidden updates depend on the target, never on the network's
// output: a different output layer leaves them bit for bit the same (while
// the output layer's own update and dfa's hidden updates change); a
// different target changes them. On dense and conv networks.
func TestDRTPIgnoresOutput(t *testing.T) {
	for kind, net := range nets(t) {
		rng := rand.New(rand.NewPCG(9, 9))
		x, y := batch(net, 6, rng)
		drtp, _ := New("drtp", net, Options{}, rand.New(rand.NewPCG(1, 1)))
		dfa, _ := New("dfa", net, Options{}, rand.New(rand.NewPCG(1, 1)))
		h0, o0 := hiddenUpdates(drtp, net, nn.SoftmaxCE{}, x, y)
		d0, _ := hiddenUpdates(dfa, net, nn.SoftmaxCE{}, x, y)
		perturbOutput(net, 1, 0.5, rng)
		h1, o1 := hiddenUpdates(drtp, net, nn.SoftmaxCE{}, x, y)
		d1, _ := hiddenUpdates(dfa, net, nn.SoftmaxCE{}, x, y)
		if !sameAll(h0, h1) {
			t.Errorf("%s: drtp's hidden updates changed with the output layer", kind)
		}
		if equal(o0, o1) || sameAll(d0, d1) {
			t.Errorf("%s: the output layer's change did not reach the output update or dfa's (the control)", kind)
		}
		y2 := y.Clone()
		for n := 0; n < y2.Rows; n++ { // move every target to the next class
			row := y2.Row(n)
			last := row[len(row)-1]
			copy(row[1:], row[:len(row)-1])
			row[0] = last
		}
		if h2, _ := hiddenUpdates(drtp, net, nn.SoftmaxCE{}, x, y2); sameAll(h0, h2) {
			t.Errorf("%s: drtp's hidden updates do not depend on the target", kind)
		}
	}
}

// sdfa's hidden updates depend on the output error only through its sign:
// an output change that keeps every sign leaves them bit for bit the same
// (dfa's change: the control), one that flips signs changes them. Squared
// error, so that the signs vary with the output. The delivered error is
// the reduction's scale times sign(e), through D.
func TestSDFAUsesOnlySign(t *testing.T) {
	for kind, net := range nets(t) {
		rng := rand.New(rand.NewPCG(10, 10))
		x, y := batch(net, 6, rng)
		sdfa, _ := New("sdfa", net, Options{}, rand.New(rand.NewPCG(1, 1)))
		dfa, _ := New("dfa", net, Options{}, rand.New(rand.NewPCG(1, 1)))
		g := nn.NewGrads(net)
		sdfa.Step(net, nn.SquaredError{}, 0.25, x, y, g, nil, false)
		e, top := g.Delta[len(g.Delta)-1], net.Sites()-1
		want := tensor.New(e.Rows, e.Cols)
		small := math.Inf(1)
		for k, v := range e.Data {
			want.Data[k] = float32(0.25 * math.Copysign(1, float64(v)))
			small = math.Min(small, math.Abs(float64(v)))
		}
		if got := sdfa.Regressor(g, top); !equal(got.Data, want.Data) {
			t.Errorf("%s: sdfa's signal is not 0.25·sign(e)", kind)
		}
		h0, _ := hiddenUpdates(sdfa, net, nn.SquaredError{}, x, y)
		d0, _ := hiddenUpdates(dfa, net, nn.SquaredError{}, x, y)
		perturbOutput(net, small/4, 0, rng) // |Δe| < |e| everywhere: no sign flips
		h1, _ := hiddenUpdates(sdfa, net, nn.SquaredError{}, x, y)
		d1, _ := hiddenUpdates(dfa, net, nn.SquaredError{}, x, y)
		if !sameAll(h0, h1) {
			t.Errorf("%s: sdfa's hidden updates changed though no error changed sign", kind)
		}
		if sameAll(d0, d1) {
			t.Errorf("%s: dfa's hidden updates did not change (the control)", kind)
		}
		perturbOutput(net, 3, 0, rng)
		if h2, _ := hiddenUpdates(sdfa, net, nn.SquaredError{}, x, y); sameAll(h0, h2) {
			t.Errorf("%s: sdfa's hidden updates did not change when errors changed sign", kind)
		}
	}
}
