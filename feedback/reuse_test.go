package feedback

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// The SGD solver's step from the delivered product e·F gives the bits of
// its step from scratch wherever tensor.OneSum holds, on both kernel
// paths, for edge and full tiles and the parallel product.
func TestSGDUpdateFromProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	randMat := func(r, c int) *tensor.Mat {
		m := tensor.New(r, c)
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
		return m
	}
	for _, generic := range []bool{false, true} {
		for _, sh := range [][3]int{{32, 256, 256}, {256, 256, 256}, {7, 10, 1000}, {256, 10, 500}, {33, 250, 19}} {
			batch, s, w := sh[0], sh[1], sh[2]
			t.Run(fmt.Sprintf("generic=%v/%dx%dx%d", generic, batch, s, w), func(t *testing.T) {
				defer tensor.UseGeneric(tensor.UseGeneric(generic))
				if !tensor.OneSum(s) {
					t.Fatalf("OneSum(%d) = false", s)
				}
				e, F, lam := randMat(batch, s), randMat(s, w), randMat(batch, w)
				F2 := tensor.New(s, w)
				F2.CopyFrom(F)
				eF := tensor.New(batch, w)
				tensor.MatMul(false, false, 1, e, F, 0, eF) // as the delivery does
				a, b := &SGD{LR: 1e-3}, &SGD{LR: 1e-3}
				a.Update(0, F, e, lam, 1)
				b.updateFrom(F2, e, eF, lam)
				for i := range F.Data {
					if math.Float32bits(F.Data[i]) != math.Float32bits(F2.Data[i]) {
						t.Fatalf("F[%d] = %v from the product, %v from scratch", i, F2.Data[i], F.Data[i])
					}
				}
			})
		}
	}
	if tensor.OneSum(257) {
		t.Error("OneSum(257) = true: FastGEMM sums k = 257 in two depth blocks")
	}
}
