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
	ox0, ox1     int     // the output columns whose windows lie inside the image
	margin       int     // entries of a phase before column 0: ⌈padX/Stride⌉
	phaseLen     int     // entries of a phase
	arg          []int32 // index in the input row of each output's maximum
	out, dx, tan tensor.Mat

	scratch []poolScratch // one per thread of tensor.Parallel
	x, dy   *tensor.Mat   // operands of the current pass
	fwdFn   func(i, slot int)
	backFn  func(i, slot int)
}

// poolScratch holds one channel's column maxima over each output row's
// window rows (OutH × W) and their indices, and the same split by column
// phase (column x goes to phase x mod Stride, entry x / Stride), so that a
// window's k-th column is, for every output, one contiguous run.
type poolScratch struct {
	v   []float32
	va  []int32
	ph  []float32
	pha []int32
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
	m.margin = (m.padX + stride - 1) / stride
	m.ox0, m.ox1 = m.margin, 0
	if w-size+m.padX >= 0 {
		m.ox1 = min((w-size+m.padX)/stride+1, m.OutW)
	}
	m.ox1 = max(m.ox1, m.ox0)
	m.phaseLen = m.margin + m.OutH*m.OutW + max(size-1-m.padX, 0)/stride + 1
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
	for len(m.scratch) < slots {
		m.scratch = append(m.scratch, poolScratch{
			v: make([]float32, m.OutH*m.W), va: make([]int32, m.OutH*m.W),
			ph: make([]float32, m.Stride*m.phaseLen), pha: make([]int32, m.Stride*m.phaseLen)})
	}
	m.x = x
	tensor.Parallel(n, slots, m.fwdFn)
	m.x = nil
	return &m.out
}

// forwardImage pools image i, channel by channel: the maximum down each
// output row's window rows of every input column (tensor.ColMaxArg), then
// across each window's columns, a column offset at a time over the whole
// channel (tensor.MaxArgFrom on the phases, split by tensor.Deinterleave2
// for stride 2); windows that overhang the left or right edge are redone
// one by one. The first of
// equal values wins in both, so of equal values in a window the one in the
// leftmost column, and in it the topmost, is the maximum.
func (m *MaxPool) forwardImage(i, slot int) {
	in, out, plane, n := m.C*m.H*m.W, m.Out(), m.H*m.W, m.OutH*m.OutW
	img := m.x.Data[i*in : (i+1)*in]
	s := &m.scratch[slot]
	for ch := 0; ch < m.C; ch++ {
		base := ch * plane
		for oy := 0; oy < m.OutH; oy++ {
			y0 := oy*m.Stride - m.padY
			ylo, yhi := max(y0, 0), min(y0+m.Size, m.H)
			first := base + ylo*m.W
			tensor.ColMaxArg(s.v[oy*m.W:(oy+1)*m.W], s.va[oy*m.W:(oy+1)*m.W], img[first:], yhi-ylo, m.W, int32(first))
		}
		// Split by phase: column x of row oy goes to entry oy·OutW + x/S.
		for oy := 0; oy < m.OutH; oy++ {
			v, va := s.v[oy*m.W:(oy+1)*m.W], s.va[oy*m.W:(oy+1)*m.W]
			if m.Stride == 2 {
				e, o := m.margin+oy*m.OutW, m.phaseLen+m.margin+oy*m.OutW
				tensor.Deinterleave2(s.ph[e:], s.ph[o:], s.pha[e:], s.pha[o:], v, va)
				continue
			}
			for r := 0; r < m.Stride; r++ {
				at := r*m.phaseLen + m.margin + oy*m.OutW
				ph, pha := s.ph[at:at+m.OutW], s.pha[at:at+m.OutW]
				for j, x := 0, r; x < m.W; j, x = j+1, x+m.Stride {
					ph[j], pha[j] = v[x], va[x]
				}
			}
		}
		o, a := m.out.Data[i*out+ch*n:i*out+(ch+1)*n], m.arg[i*out+ch*n:i*out+(ch+1)*n]
		for d := 0; d < m.Size; d++ {
			off := d - m.padX
			r := (off%m.Stride + m.Stride) % m.Stride
			at := r*m.phaseLen + m.margin + (off-r)/m.Stride
			src, srcArg := s.ph[at:at+n], s.pha[at:at+n]
			if d == 0 {
				copy(o, src)
				copy(a, srcArg)
				continue
			}
			tensor.MaxArgFrom(o, a, src, srcArg)
		}
		for oy := 0; oy < m.OutH; oy++ {
			v, va := s.v[oy*m.W:(oy+1)*m.W], s.va[oy*m.W:(oy+1)*m.W]
			for ox := 0; ox < m.OutW; ox++ {
				if ox == m.ox0 {
					ox = m.ox1
					if ox >= m.OutW {
						break
					}
				}
				lo, hi := m.xlo[ox], m.xhi[ox]
				best, at := v[lo], lo
				for x := lo + 1; x < hi; x++ {
					if v[x] > best {
						best, at = v[x], x
					}
				}
				o[oy*m.OutW+ox], a[oy*m.OutW+ox] = best, va[at]
			}
		}
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

// Tangent returns the tangent of the last Forward's output along dx
// (batch × C·H·W): each output takes the tangent of the input that was its
// maximum (away from ties the maximum's position does not move under a
// small perturbation, so this is the exact directional derivative).
func (m *MaxPool) Tangent(dx *tensor.Mat) *tensor.Mat {
	in, out := m.C*m.H*m.W, m.Out()
	m.tan.Resize(dx.Rows, out)
	for i := 0; i < dx.Rows; i++ {
		src, dst, arg := dx.Data[i*in:(i+1)*in], m.tan.Data[i*out:(i+1)*out], m.arg[i*out:(i+1)*out]
		for k, a := range arg {
			dst[k] = src[a]
		}
	}
	return &m.tan
}
