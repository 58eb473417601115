package nn

import "github.com/creditlab/credit/tensor"

// MaxPool takes the maximum over Size×Size windows moved by Stride, per
// channel, with TensorFlow's "SAME" padding: OutH = ⌈H/Stride⌉, and windows
// that reach past the image ignore the missing pixels (the padding goes
// after the image when it is odd). Rows are images in CHW order.
type MaxPool struct {
	C, H, W      int
	Size, Stride int
	OutH, OutW   int
	padY, padX   int
	arg          []int32 // index in the input row of each output's maximum
	out, dx      tensor.Mat
}

// NewMaxPool returns a pool over c channels of h×w images.
func NewMaxPool(c, h, w, size, stride int) *MaxPool {
	m := &MaxPool{C: c, H: h, W: w, Size: size, Stride: stride,
		OutH: (h + stride - 1) / stride, OutW: (w + stride - 1) / stride}
	m.padY = max((m.OutH-1)*stride+size-h, 0) / 2
	m.padX = max((m.OutW-1)*stride+size-w, 0) / 2
	return m
}

// Out returns the output width C·OutH·OutW.
func (m *MaxPool) Out() int { return m.C * m.OutH * m.OutW }

// Output returns the result of the last Forward.
func (m *MaxPool) Output() *tensor.Mat { return &m.out }

// Forward returns the pooled batch.
func (m *MaxPool) Forward(x *tensor.Mat) *tensor.Mat {
	n, in, out := x.Rows, m.C*m.H*m.W, m.Out()
	m.out.Resize(n, out)
	if cap(m.arg) < n*out {
		m.arg = make([]int32, n*out)
	}
	m.arg = m.arg[:n*out]
	k := 0
	for i := 0; i < n; i++ {
		img := x.Data[i*in : (i+1)*in]
		for ch := 0; ch < m.C; ch++ {
			base := ch * m.H * m.W
			for oy := 0; oy < m.OutH; oy++ {
				y0 := oy*m.Stride - m.padY
				ylo, yhi := max(y0, 0), min(y0+m.Size, m.H)
				for ox := 0; ox < m.OutW; ox++ {
					x0 := ox*m.Stride - m.padX
					xlo, xhi := max(x0, 0), min(x0+m.Size, m.W)
					arg := base + ylo*m.W + xlo
					best := img[arg]
					for y := ylo; y < yhi; y++ {
						row := img[base+y*m.W : base+y*m.W+xhi]
						for xx := xlo; xx < xhi; xx++ {
							if v := row[xx]; v > best {
								best, arg = v, base+y*m.W+xx
							}
						}
					}
					m.out.Data[k], m.arg[k] = best, int32(arg)
					k++
				}
			}
		}
	}
	return &m.out
}

// Backward routes each output's error to the input that was its maximum.
func (m *MaxPool) Backward(dy *tensor.Mat) *tensor.Mat {
	n, in, out := dy.Rows, m.C*m.H*m.W, m.Out()
	m.dx.Resize(n, in)
	m.dx.Zero()
	for i := 0; i < n; i++ {
		dst := m.dx.Data[i*in : (i+1)*in]
		for k, g := range dy.Data[i*out : (i+1)*out] {
			dst[m.arg[i*out+k]] += g
		}
	}
	return &m.dx
}
