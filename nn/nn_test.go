package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// exact delivers backprop's error, for testing Net.Backward on its own.
type exact struct{}

func (exact) Deliver(n *Net, site int, eAbove, _, dst *tensor.Mat) {
	c := n.Blocks[site+1].Core
	c.InputGrad(eAbove, c.Weight(), dst)
}

func randMat(rng *rand.Rand, r, c int, scale float64) *tensor.Mat {
	m := tensor.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64() * scale)
	}
	return m
}

// batchLoss returns Σ_n L_n for the clean network, in float64.
func batchLoss(n *Net, loss Loss, x, y *tensor.Mat) float64 {
	l := make([]float64, x.Rows)
	loss.PerSample(n.Forward(x, nil), y, l)
	var s float64
	for _, v := range l {
		s += v
	}
	return s
}

// TestNetGradients checks Net.Backward with exact delivery against central
// finite differences of the summed loss, for every activation and loss.
// This covers Dense (weights, bias and input error), the activations and
// the losses together.
func TestNetGradients(t *testing.T) {
	for _, act := range Activations {
		for _, lossName := range Losses {
			outAct := "sigmoid"
			if lossName == "ce" {
				outAct = "linear"
			}
			t.Run(act+"/"+lossName, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				net, err := NewMLP([]int{5, 4, 3, 3}, act, outAct, rng)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range net.Blocks { // non-zero biases exercise their gradient
					for i := range b.Core.Bias() {
						b.Core.Bias()[i] = float32(rng.NormFloat64() * 0.3)
					}
				}
				loss, _ := NewLoss(lossName)
				x := randMat(rng, 6, 5, 1)
				y := tensor.New(6, 3)
				for n := 0; n < 6; n++ {
					y.Data[n*3+rng.IntN(3)] = 1
				}
				checkGrads(t, net, loss, x, y, 1e-2, nil)
			})
		}
	}
}

// checkGrads compares Net.Backward with exact delivery against central
// finite differences of the summed loss for every parameter. reset, if
// non-nil, runs before every forward pass (to replay dropout masks).
func checkGrads(t *testing.T, net *Net, loss Loss, x, y *tensor.Mat, h float64, reset func()) {
	t.Helper()
	fwd := func() float64 {
		if reset != nil {
			reset()
		}
		return batchLoss(net, loss, x, y)
	}
	g := NewGrads(net)
	if reset != nil {
		reset()
	}
	yhat := net.Forward(x, nil)
	var dOut tensor.Mat
	loss.Grad(yhat, y, 1, &dOut)
	net.Backward(&dOut, exact{}, g)
	params, grads := net.Params(), g.Slices()
	for pi, p := range params {
		for k := range p {
			old := p[k]
			p[k] = old + float32(h)
			lp := fwd()
			p[k] = old - float32(h)
			lm := fwd()
			p[k] = old
			num := (lp - lm) / (2 * h)
			got := float64(grads[pi][k])
			// float32 forward passes and O(h²) truncation: 2e-3 absolute plus 2 % relative.
			if math.Abs(num-got) > 2e-3+0.02*math.Abs(num) {
				t.Errorf("param %d[%d]: backward %.6g, finite difference %.6g", pi, k, got, num)
			}
		}
	}
}

// TestLossGrad checks each loss's gradient against finite differences of
// PerSample, including the scale factor.
func TestLossGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range Losses {
		loss, _ := NewLoss(name)
		yhat := randMat(rng, 4, 5, 2)
		y := tensor.New(4, 5)
		for n := 0; n < 4; n++ {
			y.Data[n*5+rng.IntN(5)] = 1
		}
		var g tensor.Mat
		loss.Grad(yhat, y, 0.5, &g)
		l := make([]float64, 4)
		for k := range yhat.Data {
			old := yhat.Data[k]
			const h = 1e-2
			yhat.Data[k] = old + h
			loss.PerSample(yhat, y, l)
			lp := l[k/5]
			yhat.Data[k] = old - h
			loss.PerSample(yhat, y, l)
			lm := l[k/5]
			yhat.Data[k] = old
			num := 0.5 * (lp - lm) / (2 * h)
			if math.Abs(num-float64(g.Data[k])) > 1e-3+0.01*math.Abs(num) {
				t.Errorf("%s: grad[%d] %.6g, finite difference %.6g", name, k, g.Data[k], num)
			}
		}
	}
}

// TestPerSampleGrad: PerSampleGrad writes PerSample's and Grad's bits for
// every loss (a LossGrader's one pass among them), on batches below and
// above the size spread over the threads (at 1, 2 and 7 threads, and from
// four goroutines at once, which share the split), without allocating.
func TestPerSampleGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 0
	for _, name := range Losses {
		loss, _ := NewLoss(name)
		if _, ok := loss.(LossGrader); ok {
			n++
		}
		for _, rows := range []int{7, 32, 300} {
			yhat := randMat(rng, rows, 10, 3)
			yhat.Data[3] = 40 // a logit far above the others
			y := tensor.New(rows, 10)
			for i := 0; i < rows; i++ {
				y.Data[i*10+rng.IntN(10)] = 1
			}
			wantL := make([]float64, rows)
			var wantG tensor.Mat
			loss.PerSample(yhat, y, wantL)
			loss.Grad(yhat, y, 0.25, &wantG)
			check := func(what string) error {
				gotL := make([]float64, rows)
				var gotG tensor.Mat
				PerSampleGrad(loss, yhat, y, 0.25, gotL, &gotG)
				for i := range wantL {
					if math.Float64bits(gotL[i]) != math.Float64bits(wantL[i]) {
						return fmt.Errorf("%s %s rows=%d: loss %d = %v, PerSample %v", name, what, rows, i, gotL[i], wantL[i])
					}
				}
				for i := range wantG.Data {
					if math.Float32bits(gotG.Data[i]) != math.Float32bits(wantG.Data[i]) {
						return fmt.Errorf("%s %s rows=%d: grad %d = %v, Grad %v", name, what, rows, i, gotG.Data[i], wantG.Data[i])
					}
				}
				return nil
			}
			for _, threads := range []int{1, 2, 7} {
				prev := tensor.SetThreads(threads)
				if err := check(fmt.Sprintf("threads=%d", threads)); err != nil {
					t.Fatal(err)
				}
				l := make([]float64, rows)
				var g tensor.Mat
				PerSampleGrad(loss, yhat, y, 0.25, l, &g)
				if a := testing.AllocsPerRun(5, func() { PerSampleGrad(loss, yhat, y, 0.25, l, &g) }); a != 0 {
					t.Errorf("%s threads=%d rows=%d: %v allocations per call", name, threads, rows, a)
				}
				tensor.SetThreads(prev)
			}
			errs := make(chan error, 4)
			for g := 0; g < 4; g++ {
				go func() { errs <- check("concurrent") }()
			}
			for g := 0; g < 4; g++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no loss implements LossGrader")
	}
}

func TestKnownValues(t *testing.T) {
	y := tensor.FromSlice(1, 3, []float32{0, 1, 0})
	yhat := tensor.FromSlice(1, 3, []float32{1, 1, 1})
	l := make([]float64, 1)
	SquaredError{}.PerSample(yhat, y, l)
	if l[0] != 1 {
		t.Errorf("mse of (1,1,1) vs (0,1,0) = %v, want ½·2 = 1", l[0])
	}
	SoftmaxCE{}.PerSample(yhat, y, l)
	if math.Abs(l[0]-math.Log(3)) > 1e-12 {
		t.Errorf("ce of equal logits = %v, want log 3", l[0])
	}
	for _, c := range []struct {
		kind    string
		in, out float32
	}{{"sigmoid", 0, 0.5}, {"tanh", 0, 0}, {"relu", -2, 0}, {"relu", 2, 2}, {"linear", -3, -3}} {
		a, _ := NewActivation(c.kind)
		if got := a.Forward(tensor.FromSlice(1, 1, []float32{c.in})).Data[0]; got != c.out {
			t.Errorf("%s(%v) = %v, want %v", c.kind, c.in, got, c.out)
		}
	}
}

func TestParseSizes(t *testing.T) {
	good, err := ParseSizes("784-50-20-10")
	if err != nil || fmt.Sprint(good) != "[784 50 20 10]" {
		t.Errorf("ParseSizes(784-50-20-10) = %v, %v", good, err)
	}
	for _, bad := range []string{"", "784", "784-", "784-x-10", "784-0-10", "784--10", "-784-10", "784-99999999-10"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("ParseSizes(%q) gave no error", bad)
		}
	}
	if _, err := NewActivation("softplus"); err == nil {
		t.Error("unknown activation accepted")
	}
	if _, err := NewLoss("hinge"); err == nil {
		t.Error("unknown loss accepted")
	}
}

// TestNoisyForward checks that noise added at a site propagates and that
// the clean pass afterwards is unaffected.
func TestNoisyForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	net, _ := NewMLP([]int{4, 3, 2}, "linear", "linear", rng)
	x := randMat(rng, 2, 4, 1)
	clean := net.Forward(x, nil).Clone()
	noise := []*tensor.Mat{randMat(rng, 2, 3, 1)}
	noisy := net.Forward(x, noise).Clone()
	// Linear network: the difference is noise·W2ᵀ.
	want := tensor.New(2, 2)
	tensor.MatMul(false, true, 1, noise[0], net.Blocks[1].Core.Weight(), 0, want)
	for i := range want.Data {
		if d := noisy.Data[i] - clean.Data[i]; math.Abs(float64(d-want.Data[i])) > 1e-5 {
			t.Errorf("noisy−clean[%d] = %v, want %v", i, d, want.Data[i])
		}
	}
	again := net.Forward(x, nil)
	for i := range again.Data {
		if again.Data[i] != clean.Data[i] {
			t.Fatal("clean pass after a noisy pass differs")
		}
	}
	// Replay from the first site gives the same passes without block 1.
	replayed := net.Replay(noise)
	for i := range replayed.Data {
		if replayed.Data[i] != noisy.Data[i] {
			t.Fatal("Replay(noise) differs from Forward(x, noise)")
		}
	}
	replayed = net.Replay(nil)
	for i := range replayed.Data {
		if replayed.Data[i] != clean.Data[i] {
			t.Fatal("Replay(nil) differs from the clean Forward")
		}
	}
}

// TestDenseSparseInput: on an input with 85 % zeros (as MNIST's pixels)
// a Dense layer's forward, weight gradient and weight tangent skip the
// zeros, and give the bits of the plain products.
func TestDenseSparseInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	d := NewDense(300, 40, rng)
	for i := range d.B {
		d.B[i] = float32(rng.NormFloat64())
	}
	x := tensor.New(50, 300)
	for i := range x.Data {
		if rng.Float64() < 0.15 {
			x.Data[i] = rng.Float32()
		}
	}
	dy, dW := randMat(rng, 50, 40, 1), randMat(rng, 40, 300, 1)

	want := tensor.New(50, 40)
	for i := 0; i < 50; i++ {
		copy(want.Row(i), d.B)
	}
	tensor.MatMul(false, true, 1, x, d.W, 1, want)
	wantG := tensor.New(40, 300)
	tensor.MatMul(true, false, 1, dy, x, 0, wantG)
	wantT := tensor.New(50, 40)
	tensor.MatMul(false, true, 1, x, dW, 0, wantT)

	out := d.Forward(x)
	if !d.sparse {
		t.Fatal("the sparse input was not recognised")
	}
	gW, gB := tensor.New(40, 300), make([]float32, 40)
	d.ParamGrad(dy, gW, gB)
	var tan tensor.Mat
	d.Tangent(nil, dW, nil, &tan)
	for _, c := range []struct {
		name      string
		got, want []float32
	}{{"forward", out.Data, want.Data}, {"weight gradient", gW.Data, wantG.Data}, {"weight tangent", tan.Data, wantT.Data}} {
		for i := range c.want {
			if math.Float32bits(c.got[i]) != math.Float32bits(c.want[i]) {
				t.Fatalf("%s: element %d = %v, the plain product gives %v", c.name, i, c.got[i], c.want[i])
			}
		}
	}
}

// PlainDense is what sizes evaluation chunks: true only for networks whose
// every core is a plain dense layer.
func TestPlainDense(t *testing.T) {
	for net, want := range map[string]bool{
		"784-256-10": true, "fc256,drop0.5,fc10": true, "fc256,bn,fc10": false,
		"conv5x5x8,pool2s2,fc10": false, "resnet20": false, "conv3x3x8,gap,fc10": false,
	} {
		sp, err := ParseSpec(net)
		if err != nil {
			t.Fatalf("%s: %v", net, err)
		}
		if got := sp.PlainDense(); got != want {
			t.Errorf("%s: PlainDense = %v, want %v", net, got, want)
		}
	}
}
