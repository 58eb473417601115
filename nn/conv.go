package nn

import (
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/tensor"
)

// Conv2D is a 2-D convolution (cross-correlation, as in every deep-learning
// library) computed image by image: im2col of one image, then one GEMM.
// An image's im2col matrix (InC·K·K × OutH·OutW) stays in cache, where a
// whole batch's would not, and the images are spread over the threads of
// tensor.Parallel. A stride-1 forward pass writes no im2col matrix: the
// product packs its panels straight from the padded image (convTaps).
//
// Layout: a batch row holds one image in CHW order, so the input is
// batch × (InC·InH·InW) and the output batch × (OutC·OutH·OutW). W is
// OutC × (InC·K·K), row f holding filter f in (channel, ky, kx) order; b
// has one bias per output channel. Out-of-image taps read zeros (padding
// Pad on every side); OutH = (InH + 2·Pad − K)/Stride + 1.
//
// Results do not depend on the thread count: the weight gradient is summed
// over fixed groups of images and then over the groups in order.
type Conv2D struct {
	InC, InH, InW int
	OutC, K       int
	Stride, Pad   int
	OutH, OutW    int
	W             *tensor.Mat
	B             []float32

	x   *tensor.Mat // input of the last Forward (owned by the caller)
	out tensor.Mat

	scratch []convScratch // one per thread of tensor.Parallel
	// taps holds each tap's offset (channel, ky, kx) in convTaps's padded
	// image, in im2col's row order; tapOffsets is the same table checked
	// once for tensor.Offsets.Panel16. Set for stride 1.
	taps       []int32
	tapOffsets *tensor.Offsets
	gwPart     []tensor.Mat // weight gradient of each group of images
	dySum      []float32    // dy summed over the batch, for the bias gradient

	// The calls handed to tensor.Parallel (made once: building a closure
	// per call would allocate), and the operands of the current pass.
	fwdFn, gradFn, inFn, tanFn func(i, slot int)
	dy, w, dx                  *tensor.Mat
	tw                         *tensor.Mat // the kernels applied to the current Tangent's dx
	tdW                        *tensor.Mat // the weight tangent of the current Tangent
	tdB                        []float32   // and its bias tangent
}

// convScratch is one thread's im2col matrix and its error, and the
// forward pass's source of the im2col matrix's panels.
type convScratch struct {
	col, dcol tensor.Mat
	taps      convTaps
}

// convTaps is one image's im2col matrix as a tensor.PanelSource, for a
// stride-1 convolution: the image is copied once into a zero-padded
// buffer (InC × (InH+2·Pad) × (InW+2·Pad)), where every tap of every
// output pixel is one offset away, and the product's panels are filled
// straight from it (tensor.Offsets.Panel16 for whole panels of sixteen
// pixels) instead of writing the matrix out and packing it again. The
// values, and so the product's bits, are im2col's.
type convTaps struct {
	c   *Conv2D
	pad []float32
}

// PackPanels implements tensor.PanelSource.
func (t *convTaps) PackPanels(dst []float32, p0, kb, j0, nb, nr int) {
	c := t.c
	pw := c.InW + 2*c.Pad
	for q := 0; q*nr < nb; q++ {
		d := dst[q*nr*kb : (q+1)*nr*kb]
		pix, cols := j0+q*nr, min(nr, nb-q*nr)
		oy, ox := pix/c.OutW, pix%c.OutW
		if nr == 16 && cols == 16 {
			if ox+16 <= c.OutW { // sixteen pixels of one row
				c.tapOffsets.Panel16(d, t.pad, p0, kb, oy*pw+ox, 8)
				continue
			}
			if c.OutW == 8 { // eight of one row and eight of the next
				c.tapOffsets.Panel16(d, t.pad, p0, kb, oy*pw, pw)
				continue
			}
		}
		for jj := 0; jj < nr; jj++ {
			if jj >= cols {
				for p := 0; p < kb; p++ {
					d[p*nr+jj] = 0
				}
				continue
			}
			px := pix + jj
			at := px/c.OutW*pw + px%c.OutW
			for p, off := range c.taps[p0 : p0+kb] {
				d[p*nr+jj] = t.pad[at+int(off)]
			}
		}
	}
}

// padImage copies img (CHW) into t.pad with Pad zeros around each channel.
// The buffer's shape is the conv's, so its border, zeroed when it is made,
// is never written: each image overwrites the interior only.
func (t *convTaps) padImage(img []float32) {
	c := t.c
	ph, pw := c.InH+2*c.Pad, c.InW+2*c.Pad
	if t.pad == nil {
		t.pad = make([]float32, c.InC*ph*pw)
	}
	for ch := 0; ch < c.InC; ch++ {
		for y := 0; y < c.InH; y++ {
			at := (ch*ph+y+c.Pad)*pw + c.Pad
			copy(t.pad[at:at+c.InW], img[(ch*c.InH+y)*c.InW:(ch*c.InH+y+1)*c.InW])
		}
	}
}

// convGroups is how many groups of images ParamGrad sums the weight
// gradient over before adding the groups up. It is fixed, not the thread
// count, so that the sums do not depend on how many threads ran.
const convGroups = 8

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
	c.fwdFn, c.gradFn, c.inFn, c.tanFn = c.forwardImage, c.gradGroup, c.inputImage, c.tangentImage
	if stride == 1 {
		ph, pw := inH+2*pad, inW+2*pad
		for ch := 0; ch < inC; ch++ {
			for ky := 0; ky < k; ky++ {
				for kx := 0; kx < k; kx++ {
					c.taps = append(c.taps, int32((ch*ph+ky)*pw+kx))
				}
			}
		}
		c.tapOffsets = tensor.NewOffsets(c.taps)
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

// slots returns how many threads may run c's passes, with scratch for each.
func (c *Conv2D) slots() int {
	t := tensor.Threads()
	for len(c.scratch) < t {
		c.scratch = append(c.scratch, convScratch{taps: convTaps{c: c}})
	}
	return t
}

// image returns row i of m viewed as a channels × (OutH·OutW) matrix.
func (c *Conv2D) image(m *tensor.Mat, i int) tensor.Mat {
	return tensor.Mat{Rows: c.OutC, Cols: c.OutH * c.OutW, Data: m.Row(i)}
}

// Forward returns the convolution of batch x and remembers x for the
// gradients.
func (c *Conv2D) Forward(x *tensor.Mat) *tensor.Mat {
	c.x = x
	c.out.Resize(x.Rows, c.Out())
	tensor.Parallel(x.Rows, c.slots(), c.fwdFn)
	return &c.out
}

// forwardImage computes output row i: the bias, plus W times image i's
// im2col matrix.
func (c *Conv2D) forwardImage(i, slot int) {
	s := &c.scratch[slot]
	z := c.image(&c.out, i)
	p := z.Cols
	for f, b := range c.B {
		tensor.Fill(z.Data[f*p:(f+1)*p], b)
	}
	if c.taps != nil {
		s.taps.padImage(c.x.Row(i))
		tensor.MatMulPanels(1, c.W, &s.taps, c.InC*c.K*c.K, p, 1, &z, &s.col)
		return
	}
	c.im2col(c.x.Row(i), &s.col)
	tensor.MatMul(false, false, 1, c.W, &s.col, 1, &z)
}

// ParamGrad writes ∂L/∂W and ∂L/∂b for the last Forward given dy at the
// output (batch × Out). It recomputes each image's im2col matrix from the
// input of the last Forward, which must not have changed since.
func (c *Conv2D) ParamGrad(dy, gW *tensor.Mat, gB []float32) {
	n := dy.Rows
	if n == 0 {
		gW.Zero()
		clear(gB)
		return
	}
	c.weightGrad(dy, gW)
	// ∂L/∂b_f sums dy over the batch and over channel f's positions.
	if cap(c.dySum) < dy.Cols {
		c.dySum = make([]float32, dy.Cols)
	}
	c.dySum = c.dySum[:dy.Cols]
	tensor.SumRows(dy, 0, c.dySum)
	p := c.OutH * c.OutW
	for f := range gB {
		var s float32
		for _, v := range c.dySum[f*p : (f+1)*p] {
			s += v
		}
		gB[f] = s
	}
	c.dy = nil
}

// KernelGrad writes into gW (W's shape, OutC × InC·K·K) the weight
// gradient Σ_i dy_i·im2col(x_i)ᵀ for the input x (batch × In) and the
// output error dy (batch × Out), as ParamGrad does for the input of the
// last Forward, which it leaves in place (so a following ParamGrad is
// unchanged). It is the adjoint of InputGrad in the kernels: for every w,
// ⟨x, InputGrad(dy, w)⟩ = ⟨KernelGrad(x, dy), w⟩, so with x a residual
// r = InputGrad(dy, w) − t it is the gradient of ½‖InputGrad(dy, w) − t‖²
// with respect to w.
func (c *Conv2D) KernelGrad(x, dy, gW *tensor.Mat) {
	if dy.Rows == 0 {
		gW.Resize(c.W.Rows, c.W.Cols).Zero()
		return
	}
	saved := c.x
	c.x = x
	c.weightGrad(dy, gW.Resize(c.W.Rows, c.W.Cols))
	c.x, c.dy = saved, nil
}

// weightGrad writes Σ_i dy_i·im2col(c.x_i)ᵀ into gW (dy.Rows > 0), summed
// over fixed groups of images, then over the groups in order.
func (c *Conv2D) weightGrad(dy, gW *tensor.Mat) {
	groups := min(convGroups, dy.Rows)
	for len(c.gwPart) < groups {
		c.gwPart = append(c.gwPart, tensor.Mat{})
	}
	c.dy = dy
	tensor.Parallel(groups, c.slots(), c.gradFn)
	copy(gW.Data, c.gwPart[0].Data)
	for g := 1; g < groups; g++ {
		tensor.Axpy(1, c.gwPart[g].Data, gW.Data)
	}
}

// gradGroup sums dy_i·col_iᵀ over group g's images into c.gwPart[g].
func (c *Conv2D) gradGroup(g, slot int) {
	n, groups := c.dy.Rows, min(convGroups, c.dy.Rows)
	s, part := &c.scratch[slot], &c.gwPart[g]
	part.Resize(c.W.Rows, c.W.Cols)
	for i := g * n / groups; i < (g+1)*n/groups; i++ {
		c.im2col(c.x.Row(i), &s.col)
		dz := c.image(c.dy, i)
		var beta float32
		if i > g*n/groups {
			beta = 1
		}
		tensor.MatMul(false, true, 1, &dz, &s.col, beta, part)
	}
}

// InputGrad writes the error at the input (batch × In) for dy at the
// output, with the kernels w (W's shape) in place of W: w = W is exact
// backprop, other kernels are conv-shaped feedback.
func (c *Conv2D) InputGrad(dy, w, dx *tensor.Mat) {
	dx.Resize(dy.Rows, c.In())
	c.dy, c.w, c.dx = dy, w, dx
	tensor.Parallel(dy.Rows, c.slots(), c.inFn)
	c.dy, c.w, c.dx = nil, nil, nil
}

// inputImage writes row i of the input error: col2im of wᵀ·dy_i.
func (c *Conv2D) inputImage(i, slot int) {
	s := &c.scratch[slot]
	dz := c.image(c.dy, i)
	s.dcol.Resize(c.W.Cols, dz.Cols)
	tensor.MatMul(true, false, 1, c.w, &dz, 0, &s.dcol)
	c.col2im(&s.dcol, c.dx.Row(i))
}

// Tangent writes into dst (resized to batch × Out) the directional
// derivative of the last Forward's output along an input tangent dx
// (batch × In) and weight and bias tangents dW (W's shape) and dB (one per
// output channel): conv(dx; W) + conv(x; dW) + dB, x being the last
// Forward's input, which must not have changed since. A nil dx, dW or dB
// is a zero tangent. Images run in parallel as in Forward.
func (c *Conv2D) Tangent(dx, dW *tensor.Mat, dB []float32, dst *tensor.Mat) {
	n := c.x.Rows
	if dx != nil {
		n = dx.Rows
	}
	c.tangent(n, dx, c.W, dW, dB, dst)
}

// tangent writes conv(dx; w) + conv(x; dW) + dB into dst (n rows).
func (c *Conv2D) tangent(n int, dx, w, dW *tensor.Mat, dB []float32, dst *tensor.Mat) {
	dst.Resize(n, c.Out())
	c.dx, c.tw, c.tdW, c.tdB, c.dy = dx, w, dW, dB, dst
	tensor.Parallel(n, c.slots(), c.tanFn)
	c.dx, c.tw, c.tdW, c.tdB, c.dy = nil, nil, nil, nil, nil
}

// apply writes the convolution of x (batch × In) with the kernels w (W's
// shape), without bias, into dst (batch × Out): the adjoint of
// InputGrad(·, w) in its error argument.
func (c *Conv2D) apply(x, w, dst *tensor.Mat) { c.tangent(x.Rows, x, w, nil, nil, dst) }

// FeedbackGrad implements Core: KernelGrad(r, dy).
func (c *Conv2D) FeedbackGrad(dy, _, r, dst *tensor.Mat) { c.KernelGrad(r, dy, dst) }

// tangentImage writes row i of Tangent's result (held in c.dy): dB, plus
// W times the im2col matrix of dx's image i, plus dW times x's.
func (c *Conv2D) tangentImage(i, slot int) {
	s := &c.scratch[slot]
	z := c.image(c.dy, i)
	var beta float32
	if c.tdB != nil {
		p := z.Cols
		for f, b := range c.tdB {
			tensor.Fill(z.Data[f*p:(f+1)*p], b)
		}
		beta = 1
	}
	if c.dx != nil {
		c.im2col(c.dx.Row(i), &s.col)
		tensor.MatMul(false, false, 1, c.tw, &s.col, beta, &z)
		beta = 1
	}
	if c.tdW != nil {
		c.im2col(c.x.Row(i), &s.col)
		tensor.MatMul(false, false, 1, c.tdW, &s.col, beta, &z)
		beta = 1
	}
	if beta == 0 {
		clear(z.Data)
	}
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

// im2col fills col (resized to InC·K·K × OutH·OutW) from one image img
// (CHW): row (ch, ky, kx), column (oy, ox) holds the input pixel that tap
// meets, or 0 in the padding.
func (c *Conv2D) im2col(img []float32, col *tensor.Mat) {
	plane := c.InH * c.InW
	col.Resize(c.InC*c.K*c.K, c.OutH*c.OutW)
	for ch := 0; ch < c.InC; ch++ {
		src := img[ch*plane : (ch+1)*plane]
		for ky := 0; ky < c.K; ky++ {
			ylo, yhi := span(c.OutH, c.InH, c.Stride, c.Pad, ky)
			for kx := 0; kx < c.K; kx++ {
				xlo, xhi := span(c.OutW, c.InW, c.Stride, c.Pad, kx)
				dst := col.Row((ch*c.K+ky)*c.K + kx)
				clear(dst[:ylo*c.OutW])
				clear(dst[yhi*c.OutW:])
				if c.sameShape() {
					// Output rows ylo…yhi−1 are input rows shifted by
					// (ky−Pad, kx−Pad): one copy of the whole run, then
					// zeros where a row's shift wraps into its neighbour.
					d, sr := c.shifted(dst, src, ylo, yhi, ky, kx)
					copy(d, sr)
					c.clearWrapped(dst, ylo, yhi, xlo, xhi)
					continue
				}
				for oy := ylo; oy < yhi; oy++ {
					d := dst[oy*c.OutW : (oy+1)*c.OutW]
					row := src[(oy*c.Stride-c.Pad+ky)*c.InW:]
					clear(d[:xlo])
					clear(d[xhi:])
					if xlo >= xhi {
						continue
					}
					off := xlo*c.Stride - c.Pad + kx
					if c.Stride == 1 {
						copy(d[xlo:xhi], row[off:off+xhi-xlo])
						continue
					}
					for ox := xlo; ox < xhi; ox++ {
						d[ox] = row[off]
						off += c.Stride
					}
				}
			}
		}
	}
}

// col2im sums the columns of col (InC·K·K × OutH·OutW) back into the
// image positions they were read from (the adjoint of im2col), into img,
// which it overwrites.
func (c *Conv2D) col2im(col *tensor.Mat, img []float32) {
	plane := c.InH * c.InW
	clear(img[:c.In()])
	for ch := 0; ch < c.InC; ch++ {
		dst := img[ch*plane : (ch+1)*plane]
		for ky := 0; ky < c.K; ky++ {
			ylo, yhi := span(c.OutH, c.InH, c.Stride, c.Pad, ky)
			for kx := 0; kx < c.K; kx++ {
				xlo, xhi := span(c.OutW, c.InW, c.Stride, c.Pad, kx)
				if xlo >= xhi {
					continue
				}
				src := col.Row((ch*c.K+ky)*c.K + kx)
				if c.sameShape() {
					// As in im2col: zero the entries whose shifted run
					// wraps into a neighbouring row (src is scratch), then
					// add the whole run at once.
					c.clearWrapped(src, ylo, yhi, xlo, xhi)
					s, d := c.shifted(src, dst, ylo, yhi, ky, kx)
					tensor.Axpy(1, s, d)
					continue
				}
				for oy := ylo; oy < yhi; oy++ {
					sv := src[oy*c.OutW+xlo : oy*c.OutW+xhi]
					off := xlo*c.Stride - c.Pad + kx
					row := dst[(oy*c.Stride-c.Pad+ky)*c.InW:]
					if c.Stride == 1 {
						tensor.Axpy(1, sv, row[off:off+len(sv)])
						continue
					}
					for _, v := range sv {
						row[off] += v
						off += c.Stride
					}
				}
			}
		}
	}
}

// sameShape reports whether the output has the input's height and width
// at stride 1 (padding (K−1)/2), where a row of taps is the input shifted.
func (c *Conv2D) sameShape() bool {
	return c.Stride == 1 && c.OutH == c.InH && c.OutW == c.InW
}

// shifted returns the matching runs of a col row (OutH·OutW) and an image
// plane (InH·InW) for output rows [ylo, yhi) and tap (ky, kx) of a
// sameShape convolution: col[oy·W + ox] ↔ plane[(oy + ky − Pad)·W + ox +
// kx − Pad], clipped to the plane. Entries of the run whose column wraps
// into a neighbouring row are to be cleared by clearWrapped.
func (c *Conv2D) shifted(col, plane []float32, ylo, yhi, ky, kx int) (cs, ps []float32) {
	w := c.OutW
	if ylo >= yhi {
		return nil, nil
	}
	// Column 0 of output row ylo meets plane index start.
	start := (ylo+ky-c.Pad)*w + kx - c.Pad
	lo, hi := ylo*w, yhi*w
	if start < 0 {
		lo -= start
		start = 0
	}
	if end := start + hi - lo; end > len(plane) {
		hi -= end - len(plane)
	}
	return col[lo:hi], plane[start : start+hi-lo]
}

// clearWrapped zeroes, in output rows [ylo, yhi) of a col row, the columns
// outside [xlo, xhi): taps that fall off the left or right of the image.
func (c *Conv2D) clearWrapped(col []float32, ylo, yhi, xlo, xhi int) {
	w := c.OutW
	col = col[:yhi*w]
	// Column by column: loops of a fixed, predictable length.
	for j := 0; j < w; j++ {
		if j == xlo {
			j = xhi
			if j >= w {
				break
			}
		}
		for p := ylo*w + j; p < len(col); p += w {
			col[p] = 0
		}
	}
}
