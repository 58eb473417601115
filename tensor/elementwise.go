package tensor

import (
	"fmt"
	"math"
)

// Scale sets x ← a·x (a = 0 clears x, NaN and all).
func Scale(a float32, x []float32) {
	if a == 0 {
		clear(x)
		return
	}
	ScaleTo(x, a, x)
}

// Fill sets every element of x to v (by doubling copies, at memmove's
// speed).
func Fill(x []float32, v float32) {
	if len(x) == 0 {
		return
	}
	x[0] = v
	for n := 1; n < len(x); n *= 2 {
		copy(x[n:], x[:n])
	}
}

// ScaleTo sets dst ← a·x.
func ScaleTo(dst []float32, a float32, x []float32) { vec(opScale, dst, x, x, a) }

// Axpy sets y ← a·x + y; y has at least len(x) elements.
func Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	vec(opAxpy, y, y, x, a)
}

// Add sets dst ← x + y.
func Add(dst, x, y []float32) { vec(opAdd, dst, x, y, 0) }

// MomentumStep is one heavy-ball update per element: v ← mu·v + g, then
// p ← p − lr·v. g and v have at least len(p) elements. Long updates are
// spread over the kernel threads in chunks of whole groups of eight, so
// every element gets the same instructions as on one thread.
func MomentumStep(p, g, v []float32, lr, mu float32) {
	g, v = g[:len(p)], v[:len(p)]
	if optParallel(&optTask{kind: optMomentum, p: p, g: g, v: v, lr: lr, b1: mu}) {
		return
	}
	momentumSerial(p, g, v, lr, mu)
}

func momentumSerial(p, g, v []float32, lr, mu float32) {
	j0 := 0
	if vecAsm() && len(p) >= 8 {
		j0 = len(p) &^ 7
		momentumAVX2(&p[0], &g[0], &v[0], j0, lr, mu)
	}
	for j := j0; j < len(p); j++ { // the same roundings as the assembly
		v[j] = float32(mu*v[j]) + g[j]
		p[j] -= float32(lr * v[j])
	}
}

// AdamStep is one Adam update per element with the moment decays b1, b2:
// m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², p ← p − lr·m/(√v + eps)
// (bias correction folded into lr and eps by the caller). g, m and v have
// at least len(p) elements. Long updates are spread over the kernel
// threads as MomentumStep's are.
func AdamStep(p, g, m, v []float32, lr, b1, b2, eps float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if optParallel(&optTask{kind: optAdam, p: p, g: g, m: m, v: v, lr: lr, b1: b1, b2: b2, eps: eps}) {
		return
	}
	adamSerial(p, g, m, v, lr, b1, b2, eps)
}

func adamSerial(p, g, m, v []float32, lr, b1, b2, eps float32) {
	c1, c2 := 1-b1, 1-b2
	j0 := 0
	if vecAsm() && len(p) >= 8 {
		j0 = len(p) &^ 7
		adamAVX2(&p[0], &g[0], &m[0], &v[0], j0, b1, c1, b2, c2, lr, eps)
	}
	for j := j0; j < len(p); j++ { // the same roundings as the assembly
		m[j] = float32(b1*m[j]) + float32(c1*g[j])
		v[j] = float32(b2*v[j]) + float32(c2*g[j]*g[j])
		p[j] -= lr * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

// optTask is a MomentumStep or AdamStep cut into chunks of vecChunk
// values for Parallel (b1 is the momentum mu).
type optTask struct {
	kind            int
	p, g, m, v      []float32
	lr, b1, b2, eps float32
	run             func(i, slot int) // chunk, as a func made once
}

const (
	optMomentum = iota
	optAdam
)

// optParallel runs o over the kernel threads and reports true, or reports
// false, doing nothing, when o is too short to split (or one thread runs).
func optParallel(o *optTask) bool {
	t := Threads()
	if t < 2 || len(o.p) < vecParallelMin {
		return false
	}
	ws := getWorkspace()
	w := &ws.opt
	run := w.run
	if run == nil {
		run = w.chunk
	}
	*w = *o
	w.run = run
	ws.parallel((len(o.p)+vecChunk-1)/vecChunk, t, run)
	w.p, w.g, w.m, w.v = nil, nil, nil, nil
	putWorkspace(ws)
	return true
}

func (o *optTask) chunk(i, _ int) {
	lo, hi := i*vecChunk, min((i+1)*vecChunk, len(o.p))
	switch o.kind {
	case optMomentum:
		momentumSerial(o.p[lo:hi], o.g[lo:hi], o.v[lo:hi], o.lr, o.b1)
	case optAdam:
		adamSerial(o.p[lo:hi], o.g[lo:hi], o.m[lo:hi], o.v[lo:hi], o.lr, o.b1, o.b2, o.eps)
	}
}

// SumRows sets dst[j] ← beta·dst[j] + Σ_i m[i][j] (the column sums of m);
// dst has length Cols.
func SumRows(m *Mat, beta float32, dst []float32) {
	dst = dst[:m.Cols]
	Scale(beta, dst)
	if m.Rows == 0 || m.Cols == 0 {
		return
	}
	j0 := 0
	if vecAsm() && m.Cols >= 8 {
		_ = m.Data[m.Rows*m.Cols-1] // every row lies inside Data
		j0 = m.Cols &^ 7
		sumRowsAVX2(&dst[0], &m.Data[0], m.Rows, j0, m.Cols)
	}
	for i := 0; i < m.Rows; i++ { // the columns from j0 on
		for j, v := range m.Row(i)[j0:] {
			dst[j0+j] += v
		}
	}
}

// Axpy64 sets y ← a·x + y in float64; y has at least len(x) elements.
// Like Axpy it rounds the product, then the sum (no fused multiply-add).
func Axpy64(a float64, x, y []float64) {
	y = y[:len(x)]
	i0 := 0
	if vecAsm() && len(x) >= 4 {
		i0 = len(x) &^ 3
		axpy64AVX2(&y[0], &y[0], &x[0], i0, a)
	}
	for i := i0; i < len(x); i++ { // the same two roundings as the assembly
		y[i] += float64(a * x[i]) // the conversion forbids a fused multiply-add
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

// MaxArg keeps a running maximum with its position: for every j where
// src[j] > dst[j] (never for NaN), it sets dst[j] = src[j] and arg[j] =
// base + j. Ties keep the earlier value, so feeding rows in order leaves
// the first maximum. arg and src have at least len(dst) elements.
func MaxArg(dst []float32, arg []int32, src []float32, base int32) {
	arg, src = arg[:len(dst)], src[:len(dst)]
	j0 := 0
	if vecAsm() && len(dst) >= 8 {
		j0 = len(dst) &^ 7
		maxArgAVX2(&dst[0], &arg[0], &src[0], j0, base)
	}
	for j := j0; j < len(dst); j++ {
		if src[j] > dst[j] {
			dst[j], arg[j] = src[j], base+int32(j)
		}
	}
}

// ColMaxArg takes the maximum down rows ≥ 1 rows of a row-major src with
// stride ld: for every j < len(dst), dst[j] is the first of the largest
// of src[r·ld + j], r = 0, 1, …, rows−1, and arg[j] = base + r·ld + j for
// its row r. It is dst, arg = row 0, base + j followed by MaxArg with each
// further row in turn: a later value wins only when greater (never a NaN;
// a NaN in row 0 stays). arg has at least len(dst) elements and src at
// least (rows−1)·ld + len(dst).
func ColMaxArg(dst []float32, arg []int32, src []float32, rows, ld int, base int32) {
	n := len(dst)
	if n == 0 {
		return
	}
	if rows < 1 {
		panic(fmt.Sprintf("tensor: ColMaxArg over %d rows", rows))
	}
	arg, src = arg[:n], src[:(rows-1)*ld+n]
	j0 := 0
	if vecAsm() && n >= 8 {
		j0 = n &^ 7
		colMaxArgAVX2(&dst[0], &arg[0], &src[0], j0, rows, ld, base)
	}
	for j := j0; j < n; j++ {
		best, at := src[j], base+int32(j)
		for r := 1; r < rows; r++ {
			if v := src[r*ld+j]; v > best {
				best, at = v, base+int32(r*ld+j)
			}
		}
		dst[j], arg[j] = best, at
	}
}

// Deinterleave2 splits v and its positions va by the parity of the index:
// even[j], evenArg[j] = v[2j], va[2j] and odd[j], oddArg[j] = v[2j+1],
// va[2j+1]. It copies, so values keep their bits. even and evenArg hold
// at least (len(v)+1)/2 elements, odd and oddArg len(v)/2, va len(v).
func Deinterleave2(even, odd []float32, evenArg, oddArg []int32, v []float32, va []int32) {
	n := len(v)
	ne, no := (n+1)/2, n/2
	even, evenArg, odd, oddArg, va = even[:ne], evenArg[:ne], odd[:no], oddArg[:no], va[:n]
	j0 := 0
	if vecAsm() && n >= 16 {
		blocks := n / 16
		deinterleave2AVX2(&v[0], &va[0], &even[0], &evenArg[0], &odd[0], &oddArg[0], blocks)
		j0 = 8 * blocks
	}
	for j := j0; j < ne; j++ {
		even[j], evenArg[j] = v[2*j], va[2*j]
	}
	for j := j0; j < no; j++ {
		odd[j], oddArg[j] = v[2*j+1], va[2*j+1]
	}
}

// MaxArgFrom is MaxArg with the positions given: for every j where src[j]
// > dst[j] (never for NaN), it sets dst[j] = src[j] and arg[j] =
// srcArg[j]. arg, src and srcArg have at least len(dst) elements.
func MaxArgFrom(dst []float32, arg []int32, src []float32, srcArg []int32) {
	arg, src, srcArg = arg[:len(dst)], src[:len(dst)], srcArg[:len(dst)]
	j0 := 0
	if vecAsm() && len(dst) >= 8 {
		j0 = len(dst) &^ 7
		maxArgFromAVX2(&dst[0], &arg[0], &src[0], &srcArg[0], j0)
	}
	for j := j0; j < len(dst); j++ {
		if src[j] > dst[j] {
			dst[j], arg[j] = src[j], srcArg[j]
		}
	}
}
