//go:build openblas

package tensor

import (
	"math/rand/v2"
	"testing"
)

// OpenBLAS (cblas_sgemm, row-major) agrees with the reference on every
// transpose combination, odd sizes, strides and alpha/beta, and is
// selectable by name.
func TestOpenBLAS(t *testing.T) {
	if _, ok := Kernels["openblas"].(OpenBLAS); !ok {
		t.Fatal(`Kernels["openblas"] is not OpenBLAS{}`)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range gemmCases(rng, 80, 400_000) {
		checkGEMM(t, OpenBLAS{}, rng, tc)
	}
	prev := Kernel
	defer func() { Kernel = prev }()
	Kernel = OpenBLAS{}
	a, b, c := New(3, 4), New(5, 4), New(3, 5)
	a.Data[0], b.Data[0] = 2, 3
	MatMul(false, true, 1, a, b, 0, c)
	if c.Data[0] != 6 {
		t.Errorf("MatMul through OpenBLAS: C[0] = %v, want 6", c.Data[0])
	}
}
