package tensor

import "math"

// Scale sets x ← a·x.
func Scale(a float32, x []float32) {
	if a == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] *= a
	}
}

// Axpy sets y ← a·x + y; x and y have equal length.
func Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
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
		for j, v := range m.Row(i) {
			dst[j] += v
		}
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
