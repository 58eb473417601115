package nn

import (
	"math/rand/v2"
	"testing"
)

// FuzzParseSpec parses arbitrary network descriptions; for those that parse
// and are small, Footprint and Build must agree on whether the net fits
// MNIST- or CIFAR-shaped data and on its size, and a forward pass must run.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"784-50-20-10", "3-2", "784-1048576-1048576-10", "0-1", "1--1",
		"conv5x5x8,pool3s2,fc16,drop0.5,fc10", "conv3x3x4s2p0,conv3x3x4p1,fc10:linear",
		"conv3x3x1048576,fc10", "pool2,fc10", "fc10,conv3x3x2", "flatten,fc2:tanh,fc10", "conv33x33x1,fc1",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, color bool) {
		sp, err := ParseSpec(s)
		if err != nil {
			return
		}
		in, shape := 784, [3]int{1, 28, 28}
		if color {
			in, shape = 3072, [3]int{3, 32, 32}
		}
		if sp.Input != 0 {
			in, shape = sp.Input, [3]int{}
		}
		fp, ferr := sp.Footprint(in, shape)
		if ferr != nil || fp.Params()+fp.Activations+fp.Scratch+fp.Shared > 1<<20 {
			return
		}
		rng := rand.New(rand.NewPCG(1, 2))
		n, err := sp.Build(in, shape, "tanh", "linear", rng, rng)
		if err != nil {
			t.Fatalf("Footprint accepts %q but Build says %v", s, err)
		}
		var params int
		for i, b := range n.Blocks {
			w := len(b.Core.Weight().Data)
			params += w + len(b.Core.Bias())
			if float64(w) != fp.Weights[i] || float64(b.Core.Out()) != fp.Outs[i] || float64(b.Width) != fp.Widths[i] {
				t.Fatalf("%q block %d: Build has %d weights, out %d, width %d; Footprint %v, %v, %v",
					s, i, w, b.Core.Out(), b.Width, fp.Weights[i], fp.Outs[i], fp.Widths[i])
			}
		}
		if float64(params) != fp.Params() {
			t.Fatalf("%q: %d parameters, Footprint %v", s, params, fp.Params())
		}
		x := randMat(rng, 2, in, 1)
		if y := n.Forward(x, nil); y.Rows != 2 || y.Cols != n.Out() {
			t.Fatalf("%q: output %d×%d", s, y.Rows, y.Cols)
		}
	})
}
