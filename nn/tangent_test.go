package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// The tangent (forward-mode) passes are checked against central
// differences (f(x + εv) − f(x − εv))/2ε computed with the layers' own
// float32 forward passes. The difference's error is the truncation
// ε²/6·f⁽³⁾ (zero for the layers that are linear in what is perturbed:
// dense, conv, dropout, max pooling away from ties) plus the rounding of
// the two float32 outputs, about 2⁻²⁴·|f|/ε: at ε = 1e-3 and |f| = O(1),
// 6e-5 of a derivative of O(1). The tolerance on the relative error of the
// whole tangent, ‖T − D‖/‖T‖, is 2e-3: twenty times the worst seen (1.1e-4, mse's, whose derivative is smallest against |f|) and
// far below what a wrong term would give (a missing dW or dB term, or a
// transposed product, gives errors of order 1).
const (
	tanEps = 1e-3
	tanTol = 2e-3
)

// relErr returns ‖a − b‖/‖b‖ in float64.
func relErr(a, b []float64) float64 {
	var d, n float64
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
		n += b[i] * b[i]
	}
	return math.Sqrt(d / n)
}

func f64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// axpy returns x + a·v as a new matrix.
func axpy(x *tensor.Mat, a float32, v *tensor.Mat) *tensor.Mat {
	y := tensor.New(x.Rows, x.Cols)
	for i := range y.Data {
		y.Data[i] = x.Data[i] + a*v.Data[i]
	}
	return y
}

// centralDiff returns (f(+ε) − f(−ε))/2ε element-wise, f(s) being the
// output with the perturbation s·v applied.
func centralDiff(f func(s float32) *tensor.Mat) []float64 {
	p := f64(f(tanEps).Data)
	m := f64(f(-tanEps).Data)
	for i := range p {
		p[i] = (p[i] - m[i]) / (2 * tanEps)
	}
	return p
}

// awayFromKinks returns a batch whose entries are at least 0.1 from 0 (so
// relu's kink is not crossed) and pairwise distinct on a grid of 0.01 (so a
// max-pool window's maximum does not change under a perturbation of 1e-3
// times a tangent of |v| < 5: two entries move apart by at most 0.01).
func awayFromKinks(rng *rand.Rand, r, c int) *tensor.Mat {
	m := tensor.New(r, c)
	for i, k := range rng.Perm(len(m.Data)) {
		v := 0.1 + 0.01*float32(k)
		if rng.IntN(2) == 0 {
			v = -v
		}
		m.Data[i] = v
	}
	return m
}

func TestLayerTangents(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type layerCase struct {
		name  string
		layer Layer
		in    int
	}
	var cases []layerCase
	for _, a := range Activations {
		l, _ := NewActivation(a)
		cases = append(cases, layerCase{a, l, 12})
	}
	drop := NewDropout(0.4, rand.New(rand.NewPCG(1, 1)))
	drop.training, drop.redraw = true, true
	cases = append(cases, layerCase{"dropout", drop, 12},
		layerCase{"dropout-eval", NewDropout(0.4, nil), 12},
		layerCase{"pool3s2", NewMaxPool(2, 7, 7, 3, 2), 2 * 49},
		layerCase{"pool2s2", NewMaxPool(3, 6, 6, 2, 2), 3 * 36},
		layerCase{"pool3s1", NewMaxPool(1, 5, 4, 3, 1), 20})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := awayFromKinks(rng, 3, c.in)
			if c.name == "sigmoid" || c.name == "tanh" || c.name == "linear" {
				x = randMat(rng, 3, c.in, 1.5)
			}
			v := randMat(rng, 3, c.in, 1)
			c.layer.Forward(x)
			out := append([]float32(nil), c.layer.Output().Data...)
			got := f64(c.layer.Tangent(v).Data)
			if d, ok := c.layer.(*Dropout); ok {
				d.redraw = false // the perturbed passes keep the mask
			}
			want := centralDiff(func(s float32) *tensor.Mat {
				return c.layer.Forward(axpy(x, s, v))
			})
			e := relErr(got, want)
			t.Logf("relative error %.2g", e)
			if !(e < tanTol) {
				t.Errorf("tangent vs central difference: relative error %.2g, want < %g", e, tanTol)
			}
			// Tangent left the forward state alone: Backward after a
			// Tangent of the same Forward equals Backward without it.
			c.layer.Forward(x)
			dy := randMat(rng, 3, len(out)/3, 1)
			want1 := append([]float32(nil), c.layer.Backward(dy).Data...)
			c.layer.Tangent(v)
			if !eq(c.layer.Backward(dy).Data, want1) || !eq(c.layer.Output().Data, out) {
				t.Error("Tangent changed what Backward uses")
			}
		})
	}
}

// checkCoreTangent checks a core's tangent along its input, its weights
// and bias, and all together, and that a zero tangent gives zero.
func checkCoreTangent(t *testing.T, core Core, batch int, rng *rand.Rand) {
	t.Helper()
	x := randMat(rng, batch, core.In(), 1)
	w := core.Weight()
	b := core.Bias()
	for i := range b {
		b[i] = float32(rng.NormFloat64() * 0.3)
	}
	dx := randMat(rng, batch, core.In(), 1)
	dW := randMat(rng, w.Rows, w.Cols, 1)
	dB := randMat(rng, 1, len(b), 1).Data
	w0, b0 := append([]float32(nil), w.Data...), append([]float32(nil), b...)
	core.Forward(x)
	out := append([]float32(nil), core.Output().Data...)
	for _, tc := range []struct {
		name       string
		dx, dW     *tensor.Mat
		dB         []float32
		useX, useW bool
	}{
		{"all", dx, dW, dB, true, true},
		{"input", dx, nil, nil, true, false},
		{"weights", nil, dW, dB, false, true},
		{"weights-no-bias", nil, dW, nil, false, true},
	} {
		var got tensor.Mat
		core.Forward(x)
		core.Tangent(tc.dx, tc.dW, tc.dB, &got)
		if !eq(core.Output().Data, out) {
			t.Fatalf("%s: Tangent changed the output", tc.name)
		}
		want := centralDiff(func(s float32) *tensor.Mat {
			xs := x
			if tc.useX {
				xs = axpy(x, s, dx)
			}
			for i := range w.Data {
				w.Data[i] = w0[i]
				if tc.dW != nil {
					w.Data[i] += s * dW.Data[i]
				}
			}
			for i := range b {
				b[i] = b0[i]
				if tc.dB != nil {
					b[i] += s * dB[i]
				}
			}
			return core.Forward(xs)
		})
		copy(w.Data, w0)
		copy(b, b0)
		e := relErr(f64(got.Data), want)
		t.Logf("%s: relative error %.2g", tc.name, e)
		if !(e < tanTol) {
			t.Errorf("%s: tangent vs central difference: relative error %.2g, want < %g", tc.name, e, tanTol)
		}
	}
	var z tensor.Mat
	core.Forward(x)
	z.Resize(batch, core.Out())
	for i := range z.Data {
		z.Data[i] = 1
	}
	core.Tangent(nil, nil, nil, &z)
	for _, v := range z.Data {
		if v != 0 {
			t.Fatal("a zero tangent gave a non-zero result")
		}
	}
}

func TestCoreTangents(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	t.Run("dense", func(t *testing.T) { checkCoreTangent(t, NewDense(7, 5, rng), 4, rng) })
	for _, c := range []struct {
		name                     string
		inC, h, w, outC, k, s, p int
	}{
		{"same", 2, 6, 5, 3, 3, 1, 1},
		{"stride2", 3, 7, 7, 2, 3, 2, 1},
		{"valid", 2, 6, 6, 2, 5, 1, 0},
	} {
		t.Run("conv-"+c.name, func(t *testing.T) {
			checkCoreTangent(t, NewConv2D(c.inC, c.h, c.w, c.outC, c.k, c.s, c.p, rng), 3, rng)
		})
	}
}

// Each loss's tangent is the directional derivative of its per-example
// loss. PerSample works in float64 from float32 inputs, so the only
// rounding is that of ŷ ± ε·dŷ to float32 (2⁻²⁴ relative, 6e-5 of the
// derivative after dividing by 2ε), the truncation ε²/6·L⁽³⁾ ≈ 1e-7.
func TestLossTangents(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	yhat := randMat(rng, 5, 4, 2)
	dy := randMat(rng, 5, 4, 1)
	onehot := tensor.New(5, 4)
	soft := tensor.New(5, 4) // targets that do not sum to 1
	for n := 0; n < 5; n++ {
		onehot.Row(n)[n%4] = 1
		for j := range soft.Row(n) {
			soft.Row(n)[j] = float32(rng.Float64() * 0.4)
		}
	}
	for _, name := range Losses {
		for ti, y := range []*tensor.Mat{onehot, soft} {
			loss, _ := NewLoss(name)
			got := make([]float64, 5)
			loss.Tangent(yhat, y, dy, got)
			lp, lm := make([]float64, 5), make([]float64, 5)
			loss.PerSample(axpy(yhat, tanEps, dy), y, lp)
			loss.PerSample(axpy(yhat, -tanEps, dy), y, lm)
			want := make([]float64, 5)
			for n := range want {
				want[n] = (lp[n] - lm[n]) / (2 * tanEps)
			}
			e := relErr(got, want)
			t.Logf("%s targets %d: relative error %.2g", name, ti, e)
			if !(e < tanTol) {
				t.Errorf("%s targets %d: tangent %v vs central difference %v: relative error %.2g", name, ti, got, want, e)
			}
		}
	}
}

// Net.Tangent, through a conv net with every kind of layer (dropout in
// training with its mask, max pooling, tanh and sigmoid), gives the
// derivative of the per-example loss along weight tangents of every block
// and along site tangents (the noise of a noisy pass), and leaves what
// Backward needs as it was.
func TestNetTangent(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sp, err := ParseSpec("conv3x3x3,pool2s2,conv3x3x2s2,fc7:sigmoid,drop0.3,fc5,fc4")
	if err != nil {
		t.Fatal(err)
	}
	net, err := sp.Build(2*6*6, [3]int{2, 6, 6}, "tanh", "linear", rng, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range net.Blocks {
		for i := range b.Core.Bias() {
			b.Core.Bias()[i] = float32(rng.NormFloat64() * 0.3)
		}
	}
	net.Training = true
	const batch = 3
	x := randMat(rng, batch, 72, 1)
	y := tensor.New(batch, 4)
	for n := 0; n < batch; n++ {
		y.Row(n)[n] = 1
	}
	loss := SoftmaxCE{}
	var dW []*tensor.Mat
	var dB [][]float32
	for _, b := range net.Blocks {
		w := b.Core.Weight()
		dW = append(dW, randMat(rng, w.Rows, w.Cols, 1))
		dB = append(dB, randMat(rng, 1, len(b.Core.Bias()), 1).Data)
	}
	var dSite []*tensor.Mat
	for i := 0; i < net.Sites(); i++ {
		dSite = append(dSite, randMat(rng, batch, net.SiteWidth(i), 1))
	}
	yhat := net.Forward(x, nil)
	var dOut tensor.Mat
	loss.Grad(yhat, y, 1, &dOut)
	before := NewGrads(net)
	net.Backward(&dOut, exact{}, before)

	tangent := func(dW []*tensor.Mat, dB [][]float32, dSite []*tensor.Mat) []float64 {
		d := make([]float64, batch)
		loss.Tangent(yhat, y, net.Tangent(dW, dB, dSite), d)
		return d
	}
	perSample := func(yh *tensor.Mat) []float64 {
		l := make([]float64, batch)
		loss.PerSample(yh, y, l)
		return l
	}
	diff := func(f func(s float32) []float64) []float64 {
		p, m := f(tanEps), f(-tanEps)
		for n := range p {
			p[n] = (p[n] - m[n]) / (2 * tanEps)
		}
		return p
	}
	params := net.Params()
	p0 := make([][]float32, len(params))
	for i, p := range params {
		p0[i] = append([]float32(nil), p...)
	}
	gotW := tangent(dW, dB, nil)
	wantW := diff(func(s float32) []float64 {
		for b := range net.Blocks {
			for i := range params[2*b] {
				params[2*b][i] = p0[2*b][i] + s*dW[b].Data[i]
			}
			for i := range params[2*b+1] {
				params[2*b+1][i] = p0[2*b+1][i] + s*dB[b][i]
			}
		}
		return perSample(net.Rerun(x))
	})
	for i, p := range params {
		copy(p, p0[i])
	}
	net.Rerun(x)
	gotS := tangent(nil, nil, dSite)
	noise := make([]*tensor.Mat, len(dSite))
	wantS := diff(func(s float32) []float64 {
		for i, d := range dSite {
			noise[i] = axpy(tensor.New(d.Rows, d.Cols), s, d)
		}
		return perSample(net.Replay(noise))
	})
	net.Replay(nil)
	// A partial tangent (the top block's weights only) skips the blocks below.
	top := make([]*tensor.Mat, len(dW))
	top[len(top)-1] = dW[len(dW)-1]
	gotTop := tangent(top, nil, nil)
	wantTop := diff(func(s float32) []float64 {
		w := params[len(params)-2]
		for i := range w {
			w[i] = p0[len(params)-2][i] + s*top[len(top)-1].Data[i]
		}
		return perSample(net.Replay(nil))
	})
	copy(params[len(params)-2], p0[len(params)-2])
	net.Replay(nil)
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"weights", gotW, wantW}, {"sites", gotS, wantS}, {"top weights", gotTop, wantTop}} {
		e := relErr(c.got, c.want)
		t.Logf("%s: relative error %.2g", c.name, e)
		if !(e < tanTol) {
			t.Errorf("%s: tangent %v vs central difference %v: relative error %.2g", c.name, c.got, c.want, e)
		}
	}
	// Tangents between a clean pass and Backward change nothing Backward sees.
	yhat = net.Rerun(x)
	tangent(dW, dB, dSite)
	after := NewGrads(net)
	loss.Grad(yhat, y, 1, &dOut)
	net.Backward(&dOut, exact{}, after)
	for b := range before.W {
		if !eq(before.W[b].Data, after.W[b].Data) || !eq(before.B[b], after.B[b]) {
			t.Fatalf("block %d: gradients after Tangent differ", b)
		}
	}
}
