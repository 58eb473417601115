package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// Conv2D, MaxPool and Dropout inside whole networks, against finite
// differences: odd image sizes, stride > 1, padding, no padding, pooling
// windows that overhang the image, dropout masks replayed.
func TestConvNetGradients(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		shape [3]int
	}{
		{"conv3x3x3s2,pool3s2,fc5,drop0.3,fc3", [3]int{2, 7, 6}},
		{"conv3x3x4,conv2x2x3p0,pool2,fc3", [3]int{1, 5, 5}},
		{"conv5x5x2p0s2,fc3", [3]int{3, 9, 7}},
		{"conv1x1x2,pool3s2,drop0.5,fc4,fc3", [3]int{2, 4, 5}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			sp, err := ParseSpec(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			in := tc.shape[0] * tc.shape[1] * tc.shape[2]
			src := rand.NewPCG(3, 4)
			net, err := sp.Build(in, tc.shape, "tanh", "linear", rand.New(rand.NewPCG(1, 2)), rand.New(src))
			if err != nil {
				t.Fatal(err)
			}
			net.Training = true
			for _, b := range net.Blocks {
				for i := range b.Core.Bias() {
					b.Core.Bias()[i] = 0.1 * float32(i+1)
				}
			}
			rng := rand.New(rand.NewPCG(5, 6))
			x, y := randMat(rng, 3, in, 1), tensor.New(3, 3)
			for n := 0; n < 3; n++ {
				y.Data[n*3+rng.IntN(3)] = 1
			}
			// A small step keeps max pooling away from its kinks (a
			// window's maximum changing hands).
			checkGrads(t, net, SoftmaxCE{}, x, y, 1e-3, func() { src.Seed(3, 4) })
		})
	}
}

// Known values: a 1×1 identity kernel copies the image, the pool takes
// window maxima with SAME padding, dropout keeps the expected scale.
func TestConvPoolDropoutValues(t *testing.T) {
	c := NewConv2D(1, 3, 3, 1, 3, 1, 1, rand.New(rand.NewPCG(1, 1)))
	clear(c.W.Data)
	c.W.Data[4] = 1 // centre tap
	x := tensor.FromSlice(1, 9, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
	if got := c.Forward(x); !eq(got.Data, x.Data) {
		t.Errorf("identity conv gave %v", got.Data)
	}
	p := NewMaxPool(1, 3, 3, 2, 2) // SAME: out 2×2, windows overhang
	if got := p.Forward(x).Data; !eq(got, []float32{5, 6, 8, 9}) {
		t.Errorf("pool gave %v, want [5 6 8 9]", got)
	}
	if p := NewMaxPool(96, 32, 32, 3, 2); p.OutH != 16 || p.Out() != 96*16*16 {
		t.Errorf("pool3s2 on 32×32: %d×%d", p.OutH, p.OutW)
	}
	d := NewDropout(0.5, rand.New(rand.NewPCG(2, 2)))
	d.training, d.redraw = true, true
	ones := tensor.New(1, 100000)
	for i := range ones.Data {
		ones.Data[i] = 1
	}
	var s float64
	zeros := 0
	for _, v := range d.Forward(ones).Data {
		s += float64(v)
		if v == 0 {
			zeros++
		}
	}
	// Mean 1 with sd 1/√100000 ≈ 0.003; 0.02 is over six sd.
	if m := s / 1e5; math.Abs(m-1) > 0.02 || math.Abs(float64(zeros)/1e5-0.5) > 0.01 {
		t.Errorf("dropout mean %.4f, dropped fraction %.4f", m, float64(zeros)/1e5)
	}
	d.training = false
	if got := d.Forward(x).Data; !eq(got, x.Data) {
		t.Error("dropout in evaluation is not the identity")
	}
}

// The paper's E4 network parses and has the sizes of SPEC §5.
func TestSpecE4(t *testing.T) {
	sp, err := ParseSpec("conv5x5x96,pool3s2,conv5x5x128,pool3s2,conv5x5x256,pool3s2,fc2048,drop0.5,fc2048,drop0.5,fc10")
	if err != nil {
		t.Fatal(err)
	}
	net, err := sp.Build(3072, [3]int{3, 32, 32}, "tanh", "linear", rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var widths []int
	for i := 0; i < net.Sites(); i++ {
		widths = append(widths, net.SiteWidth(i))
	}
	want := []int{96 * 16 * 16, 128 * 8 * 8, 256 * 4 * 4, 2048, 2048}
	for i := range want {
		if widths[i] != want[i] {
			t.Fatalf("site widths %v, want %v", widths, want)
		}
	}
	if net.Out() != 10 || net.Blocks[3].Core.In() != 4096 {
		t.Errorf("out %d, fc1 in %d", net.Out(), net.Blocks[3].Core.In())
	}
	for _, bad := range []string{"pool2,fc10", "conv5x5x8", "fc10,conv3x3x4,fc2", "conv5x4x8,fc10", "conv5x5x8q,fc10", "drop1.5,fc10", "fc10,drop0.5", "fcx"} {
		if sp, err := ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q) = %+v, want an error", bad, sp)
		}
	}
	ae := mustSpec(t, "fc20,fc2:linear,fc20,fc784")
	aenet, err := ae.Build(784, [3]int{1, 28, 28}, "tanh", "relu", rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"tanh", "linear", "tanh", "relu"} {
		if got := aenet.Blocks[i].Post[0].(*Activation).Kind; got != want {
			t.Errorf("autoencoder block %d activation %s, want %s", i, got, want)
		}
	}
	for _, bad := range []string{"fc2:swish,fc10", "pool2:linear,fc10", "fc2:,fc10"} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q) accepted", bad)
		}
	}
	if _, err := mustSpec(t, "conv9x9x2p0,fc3").Build(16, [3]int{1, 4, 4}, "tanh", "linear", rand.New(rand.NewPCG(1, 1)), nil); err == nil {
		t.Error("kernel larger than the image accepted")
	}
	if _, err := mustSpec(t, "conv3x3x2,fc3").Build(16, [3]int{}, "tanh", "linear", rand.New(rand.NewPCG(1, 1)), nil); err == nil {
		t.Error("conv on non-image data accepted")
	}
}

func mustSpec(t *testing.T, s string) *Spec {
	sp, err := ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func eq(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Rerun repeats a pass with the last dropout masks: after a noisy Forward
// it gives the clean output of a Forward that drew the same masks.
func TestRerunKeepsMasks(t *testing.T) {
	sp := mustSpec(t, "fc6,drop0.5,fc5,drop0.5,fc3")
	src := rand.NewPCG(8, 8)
	net, err := sp.Build(4, [3]int{}, "tanh", "linear", rand.New(rand.NewPCG(1, 1)), rand.New(src))
	if err != nil {
		t.Fatal(err)
	}
	net.Training = true
	x := randMat(rand.New(rand.NewPCG(2, 2)), 3, 4, 1)
	noise := []*tensor.Mat{randMat(rand.New(rand.NewPCG(3, 3)), 3, 6, 1), randMat(rand.New(rand.NewPCG(4, 4)), 3, 5, 1)}
	src.Seed(8, 8)
	clean := net.Forward(x, nil).Clone()
	src.Seed(8, 8)
	noisy := net.Forward(x, noise).Clone()
	if eq(noisy.Data, clean.Data) {
		t.Fatal("noise had no effect")
	}
	if got := net.Rerun(x); !eq(got.Data, clean.Data) {
		t.Errorf("Rerun after a noisy pass: %v, want %v", got.Data, clean.Data)
	}
	if net.ReplayPays() {
		t.Error("first block of 4→6 is not most of the cost")
	}
}

// directConv is the convolution written out: out[i][f][oy][ox] = b[f] +
// Σ_{ch,ky,kx} W[f][ch][ky][kx]·x[i][ch][oy·s−p+ky][ox·s−p+kx], zero
// outside the image; it also returns the adjoints for an output error dy:
// ∂/∂W, ∂/∂b and ∂/∂x, in float64.
func directConv(c *Conv2D, x, dy *tensor.Mat) (out, gW, gB, dx []float64) {
	n := x.Rows
	out = make([]float64, n*c.Out())
	gW, gB, dx = make([]float64, len(c.W.Data)), make([]float64, c.OutC), make([]float64, n*c.In())
	for i := 0; i < n; i++ {
		for f := 0; f < c.OutC; f++ {
			for oy := 0; oy < c.OutH; oy++ {
				for ox := 0; ox < c.OutW; ox++ {
					o := i*c.Out() + (f*c.OutH+oy)*c.OutW + ox
					s := float64(c.B[f])
					g := float64(dy.Data[o])
					gB[f] += g
					for ch := 0; ch < c.InC; ch++ {
						for ky := 0; ky < c.K; ky++ {
							for kx := 0; kx < c.K; kx++ {
								yy, xx := oy*c.Stride-c.Pad+ky, ox*c.Stride-c.Pad+kx
								if yy < 0 || yy >= c.InH || xx < 0 || xx >= c.InW {
									continue
								}
								w := ((f*c.InC+ch)*c.K+ky)*c.K + kx
								xi := i*c.In() + (ch*c.InH+yy)*c.InW + xx
								s += float64(c.W.Data[w]) * float64(x.Data[xi])
								gW[w] += g * float64(x.Data[xi])
								dx[xi] += g * float64(c.W.Data[w])
							}
						}
					}
					out[o] = s
				}
			}
		}
	}
	return out, gW, gB, dx
}

// Conv2D's forward pass and both gradients agree with the direct
// convolution (within float32 rounding of sums of at most a few hundred
// terms) on odd shapes, strides and paddings and on batches smaller and
// larger than its group count, and give the same bits on one thread and
// on two.
func TestConvMatchesDirect(t *testing.T) {
	type shape struct{ inC, h, w, outC, k, stride, pad int }
	for _, sh := range []shape{{3, 7, 6, 4, 3, 1, 1}, {2, 9, 7, 3, 5, 2, 0}, {1, 5, 5, 2, 2, 1, 0}, {3, 8, 8, 5, 5, 1, 2}, {2, 6, 5, 3, 1, 1, 0}, {2, 11, 10, 3, 3, 3, 1}} {
		for _, n := range []int{1, 3, 11} {
			t.Run(fmt.Sprintf("%+v/n=%d", sh, n), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), 9))
				c := NewConv2D(sh.inC, sh.h, sh.w, sh.outC, sh.k, sh.stride, sh.pad, rng)
				for f := range c.B {
					c.B[f] = float32(rng.NormFloat64())
				}
				x, dy := randMat(rng, n, c.In(), 1), randMat(rng, n, c.Out(), 1)
				out, gW, gB, dx := directConv(c, x, dy)
				var first [4][]float32
				for _, threads := range []int{1, 2} {
					prev := tensor.SetThreads(threads)
					got := c.Forward(x).Clone()
					gotW, gotB, gotX := tensor.New(c.W.Rows, c.W.Cols), make([]float32, c.OutC), &tensor.Mat{}
					c.ParamGrad(dy, gotW, gotB)
					c.InputGrad(dy, c.W, gotX)
					tensor.SetThreads(prev)
					for _, cmp := range []struct {
						name string
						got  []float32
						want []float64
					}{{"out", got.Data, out}, {"gW", gotW.Data, gW}, {"gB", gotB, gB}, {"dx", gotX.Data, dx}} {
						if len(cmp.got) != len(cmp.want) {
							t.Fatalf("%s has %d values, want %d", cmp.name, len(cmp.got), len(cmp.want))
						}
						for i, v := range cmp.got {
							if d := math.Abs(float64(v) - cmp.want[i]); d > 1e-4*(1+math.Abs(cmp.want[i])) {
								t.Fatalf("threads=%d: %s[%d] = %v, want %v", threads, cmp.name, i, v, cmp.want[i])
							}
						}
					}
					res := [4][]float32{got.Data, gotW.Data, gotB, gotX.Data}
					if threads == 1 {
						first = res
						continue
					}
					for k := range res {
						if !eq(res[k], first[k]) {
							t.Errorf("result %d differs between one thread and two", k)
						}
					}
				}
			})
		}
	}
}

// A conv network's step allocates nothing once its buffers are sized, on
// one thread and on two.
func TestConvStepAllocatesNothing(t *testing.T) {
	sp := mustSpec(t, "conv3x3x4,pool3s2,conv3x3x5,pool2,fc6,drop0.5,fc3")
	net, err := sp.Build(2*9*9, [3]int{2, 9, 9}, "tanh", "linear", rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	net.Training = true
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := randMat(rng, 10, 2*9*9, 1), tensor.New(10, 3)
	g, dOut := NewGrads(net), &tensor.Mat{}
	step := func() {
		SoftmaxCE{}.Grad(net.Forward(x, nil), y, 1, dOut)
		net.Backward(dOut, exact{}, g)
	}
	for _, threads := range []int{1, 2} {
		prev := tensor.SetThreads(threads)
		step()
		if a := testing.AllocsPerRun(10, step); a != 0 {
			t.Errorf("threads=%d: %v allocations per step", threads, a)
		}
		tensor.SetThreads(prev)
	}
}

// MaxPool agrees with a direct scan of every window (columns left to
// right, each top to bottom, the first strictly larger value winning) on
// odd shapes, strides, overhanging windows and inputs with many ties, on
// one thread and on two; Backward sends each output's error to that
// maximum.
func TestMaxPoolMatchesDirect(t *testing.T) {
	for _, tc := range [][5]int{{3, 7, 9, 3, 2}, {2, 32, 32, 3, 2}, {1, 5, 4, 2, 2}, {2, 6, 6, 3, 3}, {1, 4, 9, 2, 1}, {3, 9, 17, 3, 2}, {1, 6, 7, 5, 1}, {1, 3, 2, 3, 2}, {2, 16, 16, 3, 2}} {
		c, h, w, size, stride := tc[0], tc[1], tc[2], tc[3], tc[4]
		p := NewMaxPool(c, h, w, size, stride)
		rng := rand.New(rand.NewPCG(uint64(h), uint64(w)))
		n := 5
		x := randMat(rng, n, c*h*w, 1)
		for i := range x.Data {
			if i%3 == 0 {
				x.Data[i] = float32(math.Round(float64(x.Data[i]))) // ties
			}
		}
		dy := randMat(rng, n, p.Out(), 1)
		want, wantDx := make([]float32, n*p.Out()), make([]float32, n*c*h*w)
		k := 0
		for i := 0; i < n; i++ {
			for ch := 0; ch < c; ch++ {
				for oy := 0; oy < p.OutH; oy++ {
					for ox := 0; ox < p.OutW; ox++ {
						y0, x0 := oy*stride-p.padY, ox*stride-p.padX
						best, at := float32(math.Inf(-1)), -1
						for xx := max(x0, 0); xx < min(x0+size, w); xx++ {
							for yy := max(y0, 0); yy < min(y0+size, h); yy++ {
								idx := i*c*h*w + (ch*h+yy)*w + xx
								if at < 0 || x.Data[idx] > best {
									best, at = x.Data[idx], idx
								}
							}
						}
						want[k] = best
						wantDx[at] += dy.Data[k]
						k++
					}
				}
			}
		}
		for _, threads := range []int{1, 2} {
			prev := tensor.SetThreads(threads)
			got := p.Forward(x)
			if !eq(got.Data, want) {
				t.Errorf("%v threads=%d: pooled values differ from the direct scan", tc, threads)
			}
			if dx := p.Backward(dy); !eq(dx.Data, wantDx) {
				t.Errorf("%v threads=%d: Backward differs from the direct scan's routing", tc, threads)
			}
			tensor.SetThreads(prev)
		}
	}
}

// KernelGrad is the adjoint of InputGrad in the kernels, ⟨r, InputGrad(dy,
// w)⟩ = ⟨KernelGrad(r, dy), w⟩, for any input r; on the last Forward's
// input it is ParamGrad's weight gradient, bit for bit, and it leaves that
// input in place for a following ParamGrad.
func TestKernelGradIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	c := NewConv2D(2, 7, 6, 3, 3, 2, 1, rng)
	x, dy, r := randMat(rng, 4, c.In(), 1), randMat(rng, 4, c.Out(), 1), randMat(rng, 4, c.In(), 1)
	w := randMat(rng, c.W.Rows, c.W.Cols, 1)
	c.Forward(x)
	var dx, gr tensor.Mat
	c.InputGrad(dy, w, &dx)
	c.KernelGrad(r, dy, &gr)
	var lhs, rhs float64
	for i, v := range r.Data {
		lhs += float64(v) * float64(dx.Data[i])
	}
	for i, v := range w.Data {
		rhs += float64(v) * float64(gr.Data[i])
	}
	if math.Abs(lhs-rhs) > 1e-4*(1+math.Abs(lhs)) {
		t.Errorf("⟨r, convᵀ(w, dy)⟩ = %v, ⟨KernelGrad(r, dy), w⟩ = %v", lhs, rhs)
	}
	var gx tensor.Mat
	c.KernelGrad(x, dy, &gx)
	gW, gB := tensor.New(c.W.Rows, c.W.Cols), make([]float32, c.OutC)
	c.ParamGrad(dy, gW, gB)
	if !eq(gx.Data, gW.Data) {
		t.Error("KernelGrad on the forward input differs from ParamGrad's weight gradient")
	}
}

// A stride-1 convolution's forward pass packs its im2col matrix's panels
// straight from the padded image (convTaps); it gives the bits of im2col
// followed by MatMul, for rows of sixteen pixels, of eight, and of other
// widths, on both FastGEMM paths, at 1, 2 and 7 threads, and with another
// GEMM kernel.
func TestConvPanelsAreIm2col(t *testing.T) {
	type shape struct{ inC, h, w, outC, k, pad int }
	for _, sh := range []shape{{3, 32, 32, 16, 5, 2}, {16, 16, 16, 32, 5, 2}, {32, 8, 8, 32, 5, 2}, {2, 9, 7, 3, 3, 1}, {1, 12, 5, 2, 1, 0}, {3, 10, 20, 4, 3, 0}} {
		rng := rand.New(rand.NewPCG(uint64(sh.w), 5))
		c := NewConv2D(sh.inC, sh.h, sh.w, sh.outC, sh.k, 1, sh.pad, rng)
		for f := range c.B {
			c.B[f] = float32(rng.NormFloat64())
		}
		x := randMat(rng, 3, c.In(), 1)
		want := func() *tensor.Mat {
			out, col := tensor.New(x.Rows, c.Out()), &tensor.Mat{}
			for i := 0; i < x.Rows; i++ {
				c.im2col(x.Row(i), col)
				z := c.image(out, i)
				for f, b := range c.B {
					tensor.Fill(z.Data[f*z.Cols:(f+1)*z.Cols], b)
				}
				tensor.MatMul(false, false, 1, c.W, col, 1, &z)
			}
			return out
		}
		for _, generic := range []bool{false, true} {
			prevG := tensor.UseGeneric(generic)
			ref := want()
			for _, threads := range []int{1, 2, 7} {
				prev := tensor.SetThreads(threads)
				if got := c.Forward(x); !eq(got.Data, ref.Data) {
					t.Errorf("%+v generic=%v threads=%d: the forward pass differs from im2col's", sh, generic, threads)
				}
				tensor.SetThreads(prev)
			}
			tensor.UseGeneric(prevG)
		}
		prevK := tensor.Kernel
		tensor.Kernel = tensor.GonumGEMM{}
		ref := want()
		if got := c.Forward(x); !eq(got.Data, ref.Data) {
			t.Errorf("%+v gonum: the forward pass differs from im2col's", sh)
		}
		tensor.Kernel = prevK
	}
}
