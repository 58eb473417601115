package nn

import "github.com/creditlab/credit/tensor"

// GlobalAvgPool averages each of C channels over its P = H·W positions:
// input batch × C·P (CHW), output batch × C (the `gap` token).
type GlobalAvgPool struct {
	C, P         int
	out, dx, tan tensor.Mat
}

// NewGlobalAvgPool returns the pool of c channels of p positions.
func NewGlobalAvgPool(c, p int) *GlobalAvgPool { return &GlobalAvgPool{C: c, P: p} }

func (g *GlobalAvgPool) avg(x, dst *tensor.Mat) *tensor.Mat {
	dst.Resize(x.Rows, g.C)
	inv := 1 / float32(g.P)
	for i := 0; i < x.Rows; i++ {
		r, o := x.Row(i), dst.Row(i)
		for c := range o {
			var s float32
			for _, v := range r[c*g.P : (c+1)*g.P] {
				s += v
			}
			o[c] = s * inv
		}
	}
	return dst
}

// Forward returns the channel means (batch × C).
func (g *GlobalAvgPool) Forward(x *tensor.Mat) *tensor.Mat { return g.avg(x, &g.out) }

// Output returns the result of the last Forward.
func (g *GlobalAvgPool) Output() *tensor.Mat { return &g.out }

// Backward spreads dy (batch × C) evenly over each channel's positions.
func (g *GlobalAvgPool) Backward(dy *tensor.Mat) *tensor.Mat {
	g.dx.Resize(dy.Rows, g.C*g.P)
	inv := 1 / float32(g.P)
	for i := 0; i < dy.Rows; i++ {
		r, o := dy.Row(i), g.dx.Row(i)
		for c, v := range r {
			v *= inv
			for j := c * g.P; j < (c+1)*g.P; j++ {
				o[j] = v
			}
		}
	}
	return &g.dx
}

// Tangent implements Layer: the pool is linear, so its tangent is the
// pool of dx.
func (g *GlobalAvgPool) Tangent(dx *tensor.Mat) *tensor.Mat { return g.avg(dx, &g.tan) }
