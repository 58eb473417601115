package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// GEMM computes C ← alpha·op(A)·op(B) + beta·C on row-major float32 storage,
// where op(X) is X or Xᵀ as transA and transB say, op(A) is m×k, op(B) is k×n
// and C is m×n; lda, ldb and ldc are the row strides of the stored A, B and
// C. It is the one kernel interface that every matrix product in credit goes
// through, so a faster implementation replaces it in one place.
type GEMM interface {
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// Kernel is the GEMM used by MatMul. The default is FastGEMM, credit's
// own blocked kernel (AVX2/FMA assembly where available, portable Go
// otherwise). Replace it with any GEMM, e.g. Kernels["gonum"], or with
// OpenBLAS{} in a build with the openblas tag. MatMul calls it from
// several goroutines at once (nn's Conv2D runs images in parallel through
// Parallel), so a replacement must be safe for concurrent use.
var Kernel GEMM = FastGEMM{}

// Kernels names the GEMM implementations in this build: "fast" (FastGEMM),
// "gonum" (GonumGEMM), "naive" (NaiveGEMM) and, only in a build with the
// openblas tag, "openblas" (OpenBLAS).
var Kernels = map[string]GEMM{
	"fast":  FastGEMM{},
	"gonum": GonumGEMM{},
	"naive": NaiveGEMM{},
}

// GonumGEMM routes GEMM to gonum's pure-Go BLAS (gonum.org/v1/gonum/blas/gonum).
type GonumGEMM struct{}

// Sgemm implements GEMM.
func (GonumGEMM) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gonum.Implementation{}.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// MatMul computes C ← alpha·op(A)·op(B) + beta·C through Kernel. C must
// already have the result's shape; a shape mismatch is a programming error
// and panics.
func MatMul(transA, transB bool, alpha float32, a, b *Mat, beta float32, c *Mat) {
	m, n, k := productShape(transA, transB, a, b, c)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		Scale(beta, c.Data)
		return
	}
	Kernel.Sgemm(transA, transB, m, n, k, alpha, a.Data, a.Cols, b.Data, b.Cols, beta, c.Data, c.Cols)
}

// OneSum reports whether MatMul, through the current Kernel, forms each
// element of a product with inner dimension k as one sum, rounded once
// when alpha and beta are applied: FastGEMM with k at most its depth
// block (256). Then, for alpha = 1 and beta = ±1, a caller that already
// holds P = op(A)·op(B) from a call with beta = 0 gets the bits of
// C ← op(A)·op(B) + beta·C by the element-wise P + beta·C (Axpy), and may
// skip the second product. Other kernels report false.
func OneSum(k int) bool {
	if _, ok := Kernel.(FastGEMM); !ok {
		return false
	}
	return k <= min(asmBlocking.kc, genericBlocking.kc)
}

// productShape returns the m×n result and inner dimension k of
// op(A)·op(B), and panics unless C is m×n and the inner dimensions agree.
func productShape(transA, transB bool, a, b, c *Mat) (m, n, k int) {
	m, k = a.Rows, a.Cols
	if transA {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if transB {
		kb, n = n, kb
	}
	if k != kb || c.Rows != m || c.Cols != n {
		panic(fmt.Sprintf("tensor: MatMul shapes op(A) %d×%d, op(B) %d×%d, C %d×%d", m, k, kb, n, c.Rows, c.Cols))
	}
	return m, n, k
}

// NaiveGEMM is a straightforward triple loop, the reference the tests
// compare faster kernels against.
type NaiveGEMM struct{}

// Sgemm implements GEMM.
func (NaiveGEMM) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			cv := alpha * float32(s)
			if beta != 0 {
				cv += beta * c[i*ldc+j]
			}
			c[i*ldc+j] = cv
		}
	}
}
