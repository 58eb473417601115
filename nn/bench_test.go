package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// benchNet builds spec on images of shape with tanh hidden layers and
// non-zero biases, γ and β.
func benchNet(t *testing.T, spec string, shape [3]int) (*Net, int) {
	t.Helper()
	sp, err := ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	in := shape[0] * shape[1] * shape[2]
	net, err := sp.Build(in, shape, "tanh", "linear", rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for _, b := range net.Blocks {
		for i := range b.Core.Bias() {
			b.Core.Bias()[i] += float32(0.2 * rng.NormFloat64())
		}
	}
	return net, in
}

// Batch normalisation (dense and conv), residual blocks (identity,
// option-A and projection shortcuts) and global average pooling inside
// whole networks, against central finite differences of the summed loss,
// in training mode (batch statistics, which move with every input and
// parameter) and in evaluation mode (running statistics).
func TestBatchNormResidualGradients(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		shape [3]int
	}{
		{"fc5,bn,fc4,bn,fc3", [3]int{1, 1, 4}},
		{"conv3x3x3,bn,fc4,bn,fc3", [3]int{2, 4, 4}},
		{"conv3x3x3,bn,pool2s2,fc3", [3]int{2, 6, 6}},
		{"conv3x3x2,bn,res2,res3s2,gap,fc3", [3]int{2, 5, 5}},
		{"conv3x3x2,res3s2p,res3,gap,fc3", [3]int{1, 4, 4}},
	} {
		for _, training := range []bool{true, false} {
			name := tc.spec + "/eval"
			if training {
				name = tc.spec + "/train"
			}
			t.Run(name, func(t *testing.T) {
				net, in := benchNet(t, tc.spec, tc.shape)
				rng := rand.New(rand.NewPCG(5, 6))
				if !training { // running statistics away from (0, 1)
					for i, b := range net.Buffers() {
						for k := range b {
							if i%2 == 0 {
								b[k] = float32(0.3 * rng.NormFloat64())
							} else {
								b[k] = float32(0.5 + rng.Float64())
							}
						}
					}
				}
				net.Training = training
				x, y := randMat(rng, 5, in, 1), tensor.New(5, 3)
				for n := 0; n < 5; n++ {
					y.Data[n*3+rng.IntN(3)] = 1
				}
				checkGrads(t, net, SoftmaxCE{}, x, y, 2e-3, nil)
			})
		}
	}
}

// A float64 reference of batch normalisation's forward pass in both modes
// and of the running statistics' update.
func TestBatchNormReference(t *testing.T) {
	const n, c, p = 4, 3, 5
	rng := rand.New(rand.NewPCG(1, 1))
	gamma, beta := make([]float32, c), make([]float32, c)
	bn := NewBatchNorm(c, p, gamma, beta)
	for k := range gamma {
		gamma[k], beta[k] = float32(1+rng.NormFloat64()*0.3), float32(rng.NormFloat64())
	}
	x := randMat(rng, n, c*p, 2)
	y := bn.Forward(x, true)
	mus, vs := make([]float64, c), make([]float64, c)
	for ch := 0; ch < c; ch++ {
		var s, q float64
		for i := 0; i < n; i++ {
			for _, v := range x.Row(i)[ch*p : (ch+1)*p] {
				s += float64(v)
			}
		}
		mu := s / (n * p)
		for i := 0; i < n; i++ {
			for _, v := range x.Row(i)[ch*p : (ch+1)*p] {
				q += (float64(v) - mu) * (float64(v) - mu)
			}
		}
		v := q / (n * p)
		for i := 0; i < n; i++ {
			for j := ch * p; j < (ch+1)*p; j++ {
				want := float64(gamma[ch])*(float64(x.Row(i)[j])-mu)/math.Sqrt(v+1e-5) + float64(beta[ch])
				if d := math.Abs(float64(y.Row(i)[j]) - want); d > 1e-5 {
					t.Fatalf("training forward [%d,%d]: %g, want %g", i, j, y.Row(i)[j], want)
				}
			}
		}
		mus[ch], vs[ch] = mu, v
	}
	bn.EndStep()
	for ch := 0; ch < c; ch++ {
		if d := math.Abs(float64(bn.Mean[ch]) - 0.1*mus[ch]); d > 1e-6 {
			t.Errorf("running mean %g, want %g", bn.Mean[ch], 0.1*mus[ch])
		}
		if want := 0.9 + 0.1*vs[ch]*n*p/(n*p-1); math.Abs(float64(bn.Var[ch])-want) > 1e-5 {
			t.Errorf("running var %g, want %g (unbiased batch variance)", bn.Var[ch], want)
		}
	}
	// Evaluation mode uses the running statistics, not the batch's.
	bn.Mean[0], bn.Var[0] = 0.5, 4
	ye := bn.Forward(x, false)
	want := float64(gamma[0])*(float64(x.Data[0])-0.5)/math.Sqrt(4+1e-5) + float64(beta[0])
	if d := math.Abs(float64(ye.Data[0]) - want); d > 1e-5 {
		t.Errorf("evaluation forward %g, want %g from the running statistics", ye.Data[0], want)
	}
	bn.bN = 0
	bn.EndStep()
	if bn.Mean[0] != 0.5 {
		t.Error("an evaluation pass moved the running statistics")
	}
}

// The tangents of the new cores, in both modes, against central
// differences.
func TestBenchCoreTangents(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	mk := map[string]func() Core{
		"bn-dense":     func() Core { return NewNormed(NewDense(6, 4, rng)) },
		"bn-conv":      func() Core { return NewNormed(NewConv2D(2, 5, 4, 3, 3, 1, 1, rng)) },
		"res-identity": func() Core { r, _ := NewResidual(3, 5, 5, 3, 1, false, "tanh", rng); return r },
		"res-optionA":  func() Core { r, _ := NewResidual(2, 5, 5, 4, 2, false, "tanh", rng); return r },
		"res-proj":     func() Core { r, _ := NewResidual(2, 4, 4, 3, 2, true, "tanh", rng); return r },
	}
	for _, name := range []string{"bn-dense", "bn-conv", "res-identity", "res-optionA", "res-proj"} {
		for _, training := range []bool{true, false} {
			t.Run(name+map[bool]string{true: "/train", false: "/eval"}[training], func(t *testing.T) {
				c := mk[name]()
				c.(moded).setTraining(training)
				checkCoreTangent(t, c, 4, rng)
			})
		}
	}
}

// The named architectures and the grammar's errors.
func TestArchitectures(t *testing.T) {
	count := func(n *Net) (p int) {
		for _, a := range n.Params() {
			p += len(a)
		}
		return p
	}
	for _, tc := range []struct {
		net    string
		shape  [3]int
		blocks int
	}{
		{"resnet20", [3]int{3, 32, 32}, 11}, // stem, 9 blocks, fc
		{"resnet32", [3]int{3, 32, 32}, 17},
		{"resnet56", [3]int{3, 32, 32}, 29},
		{"lenet", [3]int{3, 32, 32}, 5},
		{"lenet", [3]int{1, 28, 28}, 5},
		{"lenet-mnist", [3]int{1, 28, 28}, 5},
		{"lenet-mnist", [3]int{3, 32, 32}, 5},
	} {
		sp, err := ParseSpec(tc.net)
		if err != nil {
			t.Fatal(err)
		}
		in := tc.shape[0] * tc.shape[1] * tc.shape[2]
		n, err := sp.Build(in, tc.shape, "sigmoid", "linear", rand.New(rand.NewPCG(1, 1)), nil)
		if err != nil {
			t.Fatalf("%s on %v: %v", tc.net, tc.shape, err)
		}
		if len(n.Blocks) != tc.blocks || n.Out() != 10 {
			t.Errorf("%s: %d blocks, %d outputs", tc.net, len(n.Blocks), n.Out())
		}
		t.Logf("%s on %v: %d parameters, sites %d", tc.net, tc.shape, count(n), n.Sites())
	}
	// ResNet-20: 0.27M parameters (He et al.), plus credit's conv biases.
	sp, _ := ParseSpec("resnet20")
	n, _ := sp.Build(3072, [3]int{3, 32, 32}, "relu", "linear", rand.New(rand.NewPCG(1, 1)), nil)
	if p := count(n); p < 269000 || p > 275000 {
		t.Errorf("resnet20 has %d parameters, want about 0.27M", p)
	}
	if n.SiteWidth(n.Sites()-1) != 64 {
		t.Errorf("resnet20's last site is %d wide, want the 64 pooled channels", n.SiteWidth(n.Sites()-1))
	}
	for _, tc := range []struct{ net, want string }{
		{"res16,fc10", "cannot be the first"},
		{"pool2,bn,fc10", "must start with"},
		{"conv3x3x4,pool2,bn,fc10", "bn must follow a conv or fc"},
		{"conv3x3x4,fc5,res4,fc10", "before the fc layers"},
		{"resnet21", "unknown architecture \"resnet21\" (want one of lenet, lenet-mnist, resnet20"},
		{"conv3x3x4,res4x,fc10", "unexpected"},
	} {
		if _, err := ParseSpec(tc.net); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.net, err, tc.want)
		}
	}
	sp = mustSpec(t, "conv3x3x8,res4,fc10")
	if _, err := sp.Build(3*8*8, [3]int{3, 8, 8}, "relu", "linear", rand.New(rand.NewPCG(1, 1)), nil); err == nil || !strings.Contains(err.Error(), "cannot reduce 8 channels to 4") {
		t.Errorf("a residual block that cannot match its input: %v", err)
	}
}

// GlobalAvgPool's values and its backward as the adjoint of its forward.
func TestGlobalAvgPool(t *testing.T) {
	g := NewGlobalAvgPool(2, 3)
	x := tensor.FromSlice(1, 6, []float32{1, 2, 3, 4, 6, 8})
	if got := g.Forward(x).Data; !eq(got, []float32{2, 6}) {
		t.Errorf("gap gave %v", got)
	}
	if got := g.Backward(tensor.FromSlice(1, 2, []float32{3, 6})).Data; !eq(got, []float32{1, 1, 1, 2, 2, 2}) {
		t.Errorf("gap backward gave %v", got)
	}
}

// Reinit draws each weighted layer (each convolution inside a residual
// block on its own) from its uniform bound, filling it; normal leaves the
// weights as built.
func TestReinit(t *testing.T) {
	net, _ := benchNet(t, "conv3x3x2,bn,res4s2,gap,fc3", [3]int{2, 6, 6})
	before := append([]float32(nil), net.Blocks[1].Core.Weight().Data...)
	if err := Reinit(net, "normal", rand.New(rand.NewPCG(1, 1))); err != nil || !eq(before, net.Blocks[1].Core.Weight().Data) {
		t.Fatal("normal changed the weights")
	}
	if err := Reinit(net, "he", nil); err == nil {
		t.Error("an unknown scheme was accepted")
	}
	for _, kind := range []string{"xavier", "kaiming"} {
		if err := Reinit(net, kind, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		for _, b := range net.Blocks {
			w := b.Core.Weight().Data
			for _, s := range Segments(b.Core) {
				bound := math.Sqrt(6 / float64(s.FanIn+s.FanOut))
				if kind == "kaiming" {
					bound = math.Sqrt(6 / float64(s.FanIn))
				}
				var m float64
				for _, v := range w[s.Off : s.Off+s.Rows*s.Cols] {
					m = math.Max(m, math.Abs(float64(v)))
				}
				if m > bound || m < 0.5*bound {
					t.Errorf("%s: a %d×%d layer's largest weight %g, bound %g", kind, s.Rows, s.Cols, m, bound)
				}
			}
		}
	}
	if s := Segments(net.Blocks[1].Core); len(s) != 2 || s[0].FanIn != 2*9 || s[1].FanIn != 4*9 || s[1].Off != 4*2*9 {
		t.Errorf("residual block segments %+v", s)
	}
}

// A training step through batch normalisation and residual blocks
// allocates nothing once warm.
func TestResidualStepAllocatesNothing(t *testing.T) {
	net, in := benchNet(t, "conv3x3x4:relu,bn,res4:relu,res6s2:relu,res8s2p:relu,gap,fc3", [3]int{3, 8, 8})
	rng := rand.New(rand.NewPCG(5, 6))
	x, y := randMat(rng, 4, in, 1), tensor.New(4, 3)
	for n := 0; n < 4; n++ {
		y.Data[n*3+rng.IntN(3)] = 1
	}
	g := NewGrads(net)
	var d tensor.Mat
	net.Training = true
	step := func() {
		SoftmaxCE{}.Grad(net.Forward(x, nil), y, 1, &d)
		net.Backward(&d, exact{}, g)
		net.EndStep()
	}
	step()
	if a := testing.AllocsPerRun(5, step); a != 0 {
		t.Errorf("%v allocations per step", a)
	}
}

// FeedbackGrad is the gradient in w of ⟨r, InputGrad(dy, w)⟩: checked on
// every core, in both modes, against the central difference of that inner
// product along a random direction d of the kernels, computed in float64
// from the float32 input errors. InputGrad is linear in w for a plain or
// normalised layer and bilinear (conv₁'s kernels times conv₂'s) in a
// residual block, so the central difference has no truncation error and
// only the rounding of two float32 passes, about 2⁻²⁴·|⟨r, dx⟩|/ε ≈ 1e-6
// relative at ε = 1e-2; the tolerance 1e-3 is far below what a missing
// segment or a wrong adjoint gives (errors of order 1).
func TestFeedbackGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	mk := map[string]func() Core{
		"dense":        func() Core { return NewDense(6, 4, rng) },
		"conv":         func() Core { return NewConv2D(2, 6, 5, 3, 3, 2, 1, rng) },
		"bn-dense":     func() Core { return NewNormed(NewDense(6, 4, rng)) },
		"bn-conv":      func() Core { return NewNormed(NewConv2D(2, 5, 4, 3, 3, 1, 1, rng)) },
		"res-identity": func() Core { r, _ := NewResidual(3, 5, 5, 3, 1, false, "tanh", rng); return r },
		"res-optionA":  func() Core { r, _ := NewResidual(2, 5, 5, 4, 2, false, "relu", rng); return r },
		"res-proj":     func() Core { r, _ := NewResidual(2, 4, 4, 3, 2, true, "tanh", rng); return r },
	}
	for _, name := range []string{"dense", "conv", "bn-dense", "bn-conv", "res-identity", "res-optionA", "res-proj"} {
		for _, training := range []bool{true, false} {
			t.Run(name+map[bool]string{true: "/train", false: "/eval"}[training], func(t *testing.T) {
				c := mk[name]()
				if m, ok := c.(moded); ok {
					m.setTraining(training)
				}
				const batch = 4
				c.Forward(randMat(rng, batch, c.In(), 1))
				W := c.Weight()
				dy, r := randMat(rng, batch, c.Out(), 1), randMat(rng, batch, c.In(), 1)
				w, d := randMat(rng, W.Rows, W.Cols, 1), randMat(rng, W.Rows, W.Cols, 1)
				inner := func(s float32) float64 {
					var dx tensor.Mat
					c.InputGrad(dy, axpy(w, s, d), &dx)
					var v float64
					for i, x := range dx.Data {
						v += float64(x) * float64(r.Data[i])
					}
					return v
				}
				const eps = 1e-2
				num := (inner(eps) - inner(-eps)) / (2 * eps)
				var g tensor.Mat
				c.FeedbackGrad(dy, w, r, &g)
				var got float64
				for i, v := range g.Data {
					got += float64(v) * float64(d.Data[i])
				}
				if e := math.Abs(got-num) / math.Abs(num); e > 1e-3 || g.Rows != W.Rows || g.Cols != W.Cols {
					t.Errorf("⟨FeedbackGrad, d⟩ = %.6g, central difference %.6g (relative error %.2g), shape %d×%d", got, num, e, g.Rows, g.Cols)
				}
			})
		}
	}
}
