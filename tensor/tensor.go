// Package tensor holds credit's float32 dense matrices and the kernels that
// operate on them.
//
// A Mat is row-major: element (i, j) of an r×c matrix is Data[i*Cols+j]. A
// batch of examples is a Mat with one example per row. Matrix products go
// through the GEMM interface, whose default implementation is pure Go.
package tensor

import "fmt"

// Mat is a dense row-major float32 matrix with Rows×Cols elements in
// Data[:Rows*Cols]. The zero value is an empty matrix; Resize gives it a
// shape, reusing its storage when it is large enough.
type Mat struct {
	Rows, Cols int
	Data       []float32
}

// New returns a zeroed r×c matrix.
func New(r, c int) *Mat {
	return &Mat{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// FromSlice returns an r×c matrix viewing data, which must hold r*c values.
func FromSlice(r, c int, data []float32) *Mat {
	if len(data) != r*c {
		panic(fmt.Sprintf("tensor: FromSlice %d×%d with %d values", r, c, len(data)))
	}
	return &Mat{Rows: r, Cols: c, Data: data}
}

// Resize gives m the shape r×c. It reuses m's storage when its capacity
// suffices (so a buffer sized once for the largest batch never allocates
// again) and otherwise allocates. The contents after Resize are unspecified.
func (m *Mat) Resize(r, c int) *Mat {
	n := r * c
	if cap(m.Data) < n {
		m.Data = make([]float32, n)
	}
	m.Rows, m.Cols, m.Data = r, c, m.Data[:n]
	return m
}

// Row returns row i as a sub-slice of m's storage.
func (m *Mat) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// Clone returns a deep copy of m.
func (m *Mat) Clone() *Mat {
	c := New(m.Rows, m.Cols)
	copy(c.Data, m.Data)
	return c
}

// CopyFrom resizes m to src's shape and copies src into it.
func (m *Mat) CopyFrom(src *Mat) {
	m.Resize(src.Rows, src.Cols)
	copy(m.Data, src.Data)
}

// Zero sets every element of m to 0.
func (m *Mat) Zero() { clear(m.Data) }

// SameShape reports whether a and b have the same shape.
func SameShape(a, b *Mat) bool { return a.Rows == b.Rows && a.Cols == b.Cols }

// T returns the transpose of m as a new matrix.
func (m *Mat) T() *Mat {
	t := New(m.Cols, m.Rows)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			t.Data[j*m.Rows+i] = v
		}
	}
	return t
}
