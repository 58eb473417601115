//go:build openblas

package cblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

// Sgemm calls cblas_sgemm with CblasRowMajor: C ← alpha·op(A)·op(B) +
// beta·C. The caller has checked that a, b and c hold the operands.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a *float32, lda int, b *float32, ldb int, beta float32, c *float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = uint32(C.CblasTrans)
	}
	if transB {
		tb = uint32(C.CblasTrans)
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(a), C.blasint(lda), (*C.float)(b), C.blasint(ldb),
		C.float(beta), (*C.float)(c), C.blasint(ldc))
}
