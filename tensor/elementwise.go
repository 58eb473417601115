package tensor

import "math"

// Scale sets x ← a·x (a = 0 clears x, NaN and all).
func Scale(a float32, x []float32) {
	if a == 0 {
		clear(x)
		return
	}
	ScaleTo(x, a, x)
}

// ScaleTo sets dst ← a·x.
func ScaleTo(dst []float32, a float32, x []float32) {
	x = x[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			scaleAVX2(&dst[0], &x[0], len(dst), a)
		}
		return
	}
	for i, v := range x {
		dst[i] = a * v
	}
}

// Axpy sets y ← a·x + y; y has at least len(x) elements.
func Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	if vecAsm() {
		if len(x) > 0 {
			axpyAVX2(&y[0], &y[0], &x[0], len(x), a)
		}
		return
	}
	for i, v := range x {
		y[i] += a * v
	}
}

// Add sets dst ← x + y.
func Add(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			addAVX2(&dst[0], &x[0], &y[0], len(dst))
		}
		return
	}
	for i, v := range x {
		dst[i] = v + y[i]
	}
}

// MomentumStep is one heavy-ball update per element: v ← mu·v + g, then
// p ← p − lr·v. g and v have at least len(p) elements.
func MomentumStep(p, g, v []float32, lr, mu float32) {
	g, v = g[:len(p)], v[:len(p)]
	if vecAsm() {
		if len(p) > 0 {
			momentumAVX2(&p[0], &g[0], &v[0], len(p), lr, mu)
		}
		return
	}
	for j := range p {
		v[j] = mu*v[j] + g[j]
		p[j] -= lr * v[j]
	}
}

// AdamStep is one Adam update per element with the moment decays b1, b2:
// m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², p ← p − lr·m/(√v + eps)
// (bias correction folded into lr and eps by the caller). g, m and v have
// at least len(p) elements.
func AdamStep(p, g, m, v []float32, lr, b1, b2, eps float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	c1, c2 := 1-b1, 1-b2
	if vecAsm() {
		if len(p) > 0 {
			adamAVX2(&p[0], &g[0], &m[0], &v[0], len(p), b1, c1, b2, c2, lr, eps)
		}
		return
	}
	for j := range p {
		m[j] = b1*m[j] + c1*g[j]
		v[j] = b2*v[j] + c2*g[j]*g[j]
		p[j] -= lr * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

// AddRowVec adds the row vector v (len Cols) to every row of m.
func AddRowVec(m *Mat, v []float32) {
	v = v[:m.Cols]
	for i := 0; i < m.Rows; i++ {
		r := m.Row(i)
		for j, b := range v {
			r[j] += b
		}
	}
}

// SumRows sets dst[j] ← beta·dst[j] + Σ_i m[i][j] (the column sums of m);
// dst has length Cols.
func SumRows(m *Mat, beta float32, dst []float32) {
	dst = dst[:m.Cols]
	Scale(beta, dst)
	for i := 0; i < m.Rows; i++ {
		Axpy(1, m.Row(i), dst)
	}
}

// Dot returns Σ x[i]·y[i] accumulated in float64.
func Dot(x, y []float32) float64 {
	y = y[:len(x)]
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

// Norm returns the Euclidean norm of x, accumulated in float64.
func Norm(x []float32) float64 { return math.Sqrt(Dot(x, x)) }
