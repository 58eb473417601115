package nn

import (
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/tensor"
)

// Conv2D is a 2-D convolution (cross-correlation, as in every deep-learning
// library) computed by im2col and one GEMM per batch.
//
// Layout: a batch row holds one image in CHW order, so the input is
// batch × (InC·InH·InW) and the output batch × (OutC·OutH·OutW). W is
// OutC × (InC·K·K), row f holding filter f in (channel, ky, kx) order; b
// has one bias per output channel. Out-of-image taps read zeros (padding
// Pad on every side); OutH = (InH + 2·Pad − K)/Stride + 1.
type Conv2D struct {
	InC, InH, InW    int
	OutC, K          int
	Stride, Pad      int
	OutH, OutW       int
	W                *tensor.Mat
	B                []float32
	col, z, dz, dcol tensor.Mat // im2col (InC·K·K × batch·P), pre-output (OutC × batch·P) and their errors
	out              tensor.Mat
}

// NewConv2D returns a convolution with filters K×K over inC channels of
// inH×inW images, weights N(0, 2/(inC·K·K)) from rng and zero bias.
func NewConv2D(inC, inH, inW, outC, k, stride, pad int, rng *rand.Rand) *Conv2D {
	c := &Conv2D{InC: inC, InH: inH, InW: inW, OutC: outC, K: k, Stride: stride, Pad: pad,
		OutH: (inH+2*pad-k)/stride + 1, OutW: (inW+2*pad-k)/stride + 1}
	c.W, c.B = tensor.New(outC, inC*k*k), make([]float32, outC)
	std := math.Sqrt(2 / float64(inC*k*k))
	for i := range c.W.Data {
		c.W.Data[i] = float32(rng.NormFloat64() * std)
	}
	return c
}

// In returns the input width InC·InH·InW.
func (c *Conv2D) In() int { return c.InC * c.InH * c.InW }

// Out returns the output width OutC·OutH·OutW.
func (c *Conv2D) Out() int { return c.OutC * c.OutH * c.OutW }

// Weight returns W (OutC × InC·K·K).
func (c *Conv2D) Weight() *tensor.Mat { return c.W }

// Bias returns b (one per output channel).
func (c *Conv2D) Bias() []float32 { return c.B }

// Output returns the result of the last Forward.
func (c *Conv2D) Output() *tensor.Mat { return &c.out }

// Forward returns the convolution of batch x.
func (c *Conv2D) Forward(x *tensor.Mat) *tensor.Mat {
	n, p := x.Rows, c.OutH*c.OutW
	c.im2col(x)
	c.z.Resize(c.OutC, n*p)
	tensor.MatMul(false, false, 1, c.W, &c.col, 0, &c.z)
	// z is OutC × (image, position); the output wants image-major rows.
	c.out.Resize(n, c.Out())
	for f := 0; f < c.OutC; f++ {
		zf, b := c.z.Row(f), c.B[f]
		for i := 0; i < n; i++ {
			dst := c.out.Data[i*c.Out()+f*p : i*c.Out()+(f+1)*p]
			for j, v := range zf[i*p : (i+1)*p] {
				dst[j] = v + b
			}
		}
	}
	return &c.out
}

// toChannelMajor copies dy (batch × OutC·P) into c.dz (OutC × batch·P).
func (c *Conv2D) toChannelMajor(dy *tensor.Mat) {
	n, p := dy.Rows, c.OutH*c.OutW
	c.dz.Resize(c.OutC, n*p)
	for f := 0; f < c.OutC; f++ {
		dzf := c.dz.Row(f)
		for i := 0; i < n; i++ {
			copy(dzf[i*p:(i+1)*p], dy.Data[i*c.Out()+f*p:i*c.Out()+(f+1)*p])
		}
	}
}

// ParamGrad writes ∂L/∂W and ∂L/∂b for the last Forward given dy at the
// output (batch × Out).
func (c *Conv2D) ParamGrad(dy, gW *tensor.Mat, gB []float32) {
	c.toChannelMajor(dy)
	tensor.MatMul(false, true, 1, &c.dz, &c.col, 0, gW)
	for f := range gB {
		var s float32
		for _, v := range c.dz.Row(f) {
			s += v
		}
		gB[f] = s
	}
}

// InputGrad writes the error at the input (batch × In) for dy at the
// output, with the kernels w (W's shape) in place of W: w = W is exact
// backprop, other kernels are conv-shaped feedback.
func (c *Conv2D) InputGrad(dy, w, dx *tensor.Mat) {
	c.toChannelMajor(dy)
	c.dcol.Resize(c.col.Rows, c.dz.Cols)
	tensor.MatMul(true, false, 1, w, &c.dz, 0, &c.dcol)
	dx.Resize(dy.Rows, c.In())
	c.col2im(&c.dcol, dx)
}

// span returns the output columns [lo, hi) whose tap kx (or ky) falls
// inside an input row of width w: ox·stride − pad + k ∈ [0, w).
func span(out, w, stride, pad, k int) (lo, hi int) {
	lo = 0
	if d := pad - k; d > 0 {
		lo = (d + stride - 1) / stride
	}
	hi = 0
	if d := w - 1 + pad - k; d >= 0 {
		hi = d/stride + 1
	}
	return min(lo, out), min(hi, out)
}

// im2col fills c.col: row (ch, ky, kx), column (image, oy, ox) holds the
// input pixel that tap meets, or 0 in the padding.
func (c *Conv2D) im2col(x *tensor.Mat) {
	n, p, in, plane := x.Rows, c.OutH*c.OutW, c.In(), c.InH*c.InW
	c.col.Resize(c.InC*c.K*c.K, n*p)
	for ch := 0; ch < c.InC; ch++ {
		for ky := 0; ky < c.K; ky++ {
			ylo, yhi := span(c.OutH, c.InH, c.Stride, c.Pad, ky)
			for kx := 0; kx < c.K; kx++ {
				xlo, xhi := span(c.OutW, c.InW, c.Stride, c.Pad, kx)
				row := c.col.Row((ch*c.K+ky)*c.K + kx)
				for i := 0; i < n; i++ {
					img := x.Data[i*in+ch*plane : i*in+(ch+1)*plane]
					dst := row[i*p : (i+1)*p]
					clear(dst[:ylo*c.OutW])
					clear(dst[yhi*c.OutW:])
					for oy := ylo; oy < yhi; oy++ {
						d := dst[oy*c.OutW : (oy+1)*c.OutW]
						src := img[(oy*c.Stride-c.Pad+ky)*c.InW:]
						clear(d[:xlo])
						clear(d[xhi:])
						if xlo >= xhi {
							continue
						}
						off := xlo*c.Stride - c.Pad + kx
						if c.Stride == 1 {
							copy(d[xlo:xhi], src[off:off+xhi-xlo])
							continue
						}
						for ox := xlo; ox < xhi; ox++ {
							d[ox] = src[off]
							off += c.Stride
						}
					}
				}
			}
		}
	}
}

// col2im sums the columns of col back into image positions (the adjoint of
// im2col) into dx, which it overwrites.
func (c *Conv2D) col2im(col, dx *tensor.Mat) {
	n, p, in, plane := dx.Rows, c.OutH*c.OutW, c.In(), c.InH*c.InW
	dx.Zero()
	for ch := 0; ch < c.InC; ch++ {
		for ky := 0; ky < c.K; ky++ {
			ylo, yhi := span(c.OutH, c.InH, c.Stride, c.Pad, ky)
			for kx := 0; kx < c.K; kx++ {
				xlo, xhi := span(c.OutW, c.InW, c.Stride, c.Pad, kx)
				if xlo >= xhi {
					continue
				}
				row := col.Row((ch*c.K+ky)*c.K + kx)
				for i := 0; i < n; i++ {
					img := dx.Data[i*in+ch*plane : i*in+(ch+1)*plane]
					src := row[i*p : (i+1)*p]
					for oy := ylo; oy < yhi; oy++ {
						s := src[oy*c.OutW+xlo : oy*c.OutW+xhi]
						off := xlo*c.Stride - c.Pad + kx
						dst := img[(oy*c.Stride-c.Pad+ky)*c.InW:]
						if c.Stride == 1 {
							dst = dst[off : off+len(s)]
							for j, v := range s {
								dst[j] += v
							}
							continue
						}
						for _, v := range s {
							dst[off] += v
							off += c.Stride
						}
					}
				}
			}
		}
	}
}
