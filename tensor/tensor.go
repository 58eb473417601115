// Package tensor holds credit's float32 dense matrices and the kernels that
// operate on them.
//
// A Mat is row-major: element (i, j) of an r×c matrix is Data[i*Cols+j]. A
// batch of examples is a Mat with one example per row. Matrix products go
// through the GEMM interface (MatMul calls Kernel).
//
// # Matrix-multiply kernels
//
// The default Kernel is FastGEMM: packed, cache-blocked, with an AVX2/FMA
// assembly micro-kernel chosen at run time (golang.org/x/sys/cpu) on amd64
// and a portable Go one elsewhere. It allocates nothing per call once warm
// and splits large products over a persistent pool of worker goroutines;
// SetThreads(1) keeps every product on the calling goroutine, which is
// what a program running several trainings side by side wants.
//
// MatMulSparseA and MatMulSparseB are FastGEMM's products skipping the
// terms where one operand, whose Pattern of non-zeros the caller recorded,
// is zero (an MLP's first layer on MNIST): the same bits as MatMul.
// MatMulPanels is the product with a B that is never stored whole, a
// PanelSource that packs B's panels itself (a convolution's im2col matrix
// from the padded image).
//
// # Element-wise kernels
//
// Sigmoid, Tanh and their Backward products, Axpy, Scale, Add,
// SumRows, the optimiser updates (MomentumStep, AdamStep), MaxArg,
// ColMaxArg and Deinterleave2 (max pooling's passes) and FillNormal (Gaussian draws) run as AVX2 assembly where FastGEMM's
// micro-kernel does, and as portable Go otherwise; vec.go states how
// closely the two agree (most bit for bit). Parallel spreads independent
// calls over the same threads as FastGEMM.
//
// Build tags:
//   - purego: no assembly; FastGEMM and the element-wise kernels use their
//     portable Go code (UseGeneric(true) does the same at run time).
//   - openblas: adds OpenBLAS{} (cblas_sgemm through cgo) and
//     Kernels["openblas"]; needs cgo, a C compiler and libopenblas-dev
//     (Debian/Ubuntu). The default build needs neither cgo nor OpenBLAS.
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
