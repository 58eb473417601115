//go:build openblas

package tensor

import "github.com/creditlab/credit/tensor/internal/cblas"

// OpenBLAS routes GEMM to OpenBLAS's cblas_sgemm through cgo. It exists
// only in builds with the openblas tag (which need cgo, a C compiler and
// libopenblas-dev); select it with Kernel = OpenBLAS{} or
// Kernel = Kernels["openblas"]. OpenBLAS runs its own thread pool, sized by
// OPENBLAS_NUM_THREADS, independently of SetThreads.
type OpenBLAS struct{}

func init() { Kernels["openblas"] = OpenBLAS{} }

// Sgemm implements GEMM.
func (OpenBLAS) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGEMMArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, false)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	cblas.Sgemm(transA, transB, m, n, k, alpha, &a[0], lda, &b[0], ldb, beta, &c[0], ldc)
}
