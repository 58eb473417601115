package nn

import "github.com/creditlab/credit/tensor"

// MaxPool takes the maximum over Size×Size windows moved by Stride, per
// channel, with TensorFlow's "SAME" padding: OutH = ⌈H/Stride⌉, and windows
// that reach past the image ignore the missing pixels (the padding goes
// after the image when it is odd). Rows are images in CHW order. Of equal
// values in a window the one in the leftmost column, and in it the
// topmost, is the maximum (the one that receives the error). Images are
// pooled in parallel (tensor.Parallel).
type MaxPool struct {
	C, H, W      int
	Size, Stride int
	OutH, OutW   int
	padY, padX   int
	xlo, xhi     []int   // window columns [xlo, xhi) of each output column
	arg          []int32 // index in the input row of each output's maximum
	out, dx      tensor.Mat

	cols   [][]float32 // per thread: column maxima over a window's rows (W)
	colArg [][]int32   // per thread: their indices in the input row
	x, dy  *tensor.Mat // operands of the current pass
	fwdFn  func(i, slot int)
	backFn func(i, slot int)
}

// NewMaxPool returns a pool over c channels of h×w images.
func NewMaxPool(c, h, w, size, stride int) *MaxPool {
	m := &MaxPool{C: c, H: h, W: w, Size: size, Stride: stride,
		OutH: (h + stride - 1) / stride, OutW: (w + stride - 1) / stride}
	m.padY = max((m.OutH-1)*stride+size-h, 0) / 2
	m.padX = max((m.OutW-1)*stride+size-w, 0) / 2
	for ox := 0; ox < m.OutW; ox++ {
		x0 := ox*stride - m.padX
		m.xlo = append(m.xlo, max(x0, 0))
		m.xhi = append(m.xhi, min(x0+size, w))
	}
	m.fwdFn, m.backFn = m.forwardImage, m.backwardImage
	return m
}

// Out returns the output width C·OutH·OutW.
func (m *MaxPool) Out() int { return m.C * m.OutH * m.OutW }

// Output returns the result of the last Forward.
func (m *MaxPool) Output() *tensor.Mat { return &m.out }

// Forward returns the pooled batch.
func (m *MaxPool) Forward(x *tensor.Mat) *tensor.Mat {
	n, out := x.Rows, m.Out()
	m.out.Resize(n, out)
	if cap(m.arg) < n*out {
		m.arg = make([]int32, n*out)
	}
	m.arg = m.arg[:n*out]
	slots := tensor.Threads()
	for len(m.cols) < slots {
		m.cols = append(m.cols, make([]float32, m.W))
		m.colArg = append(m.colArg, make([]int32, m.W))
	}
	m.x = x
	tensor.Parallel(n, slots, m.fwdFn)
	m.x = nil
	return &m.out
}

// forwardImage pools image i: for each output row, the running maximum
// down the window's rows of every input column (tensor.MaxArg), then the
// maximum of those across each window's columns. The first of equal
// values wins in both, so of equal values in a window the one in the
// leftmost column, and in it the topmost, is the maximum.
func (m *MaxPool) forwardImage(i, slot int) {
	in, out, plane := m.C*m.H*m.W, m.Out(), m.H*m.W
	img := m.x.Data[i*in : (i+1)*in]
	o, arg := m.out.Data[i*out:(i+1)*out], m.arg[i*out:(i+1)*out]
	v, va := m.cols[slot], m.colArg[slot]
	k := 0
	for ch := 0; ch < m.C; ch++ {
		base := ch * plane
		for oy := 0; oy < m.OutH; oy++ {
			y0 := oy*m.Stride - m.padY
			ylo, yhi := max(y0, 0), min(y0+m.Size, m.H)
			first := base + ylo*m.W
			copy(v, img[first:first+m.W])
			for j := range va {
				va[j] = int32(first + j)
			}
			for y := ylo + 1; y < yhi; y++ {
				tensor.MaxArg(v, va, img[base+y*m.W:base+(y+1)*m.W], int32(base+y*m.W))
			}
			windowMax(o[k:k+m.OutW], arg[k:k+m.OutW], v, va, m.xlo, m.xhi)
			k += m.OutW
		}
	}
}

// windowMax sets o[ox] to the first maximum of v over columns [xlo[ox],
// xhi[ox]) and a[ox] to its entry of va.
func windowMax(o []float32, a []int32, v []float32, va []int32, xlo, xhi []int) {
	for ox := range o {
		lo, hi := xlo[ox], xhi[ox]
		best, at := v[lo], lo
		for x := lo + 1; x < hi; x++ {
			if v[x] > best {
				best, at = v[x], x
			}
		}
		o[ox], a[ox] = best, va[at]
	}
}

// Backward routes each output's error to the input that was its maximum.
func (m *MaxPool) Backward(dy *tensor.Mat) *tensor.Mat {
	m.dx.Resize(dy.Rows, m.C*m.H*m.W)
	m.dy = dy
	tensor.Parallel(dy.Rows, tensor.Threads(), m.backFn)
	m.dy = nil
	return &m.dx
}

func (m *MaxPool) backwardImage(i, _ int) {
	in, out := m.C*m.H*m.W, m.Out()
	dst := m.dx.Data[i*in : (i+1)*in]
	clear(dst)
	arg := m.arg[i*out : (i+1)*out]
	for k, g := range m.dy.Data[i*out : (i+1)*out] {
		dst[arg[k]] += g
	}
}
