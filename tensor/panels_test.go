package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// storedPanels packs the panels of a stored B, as a PanelSource would
// from wherever its values come from.
type storedPanels struct{ m *Mat }

func (s storedPanels) PackPanels(dst []float32, p0, kb, j0, nb, nr int) {
	for q := 0; q*nr < nb; q++ {
		for p := 0; p < kb; p++ {
			for jj := 0; jj < nr; jj++ {
				v, col := float32(0), j0+q*nr+jj
				if col < j0+nb {
					v = s.m.Data[(p0+p)*s.m.Cols+col]
				}
				dst[q*nr*kb+p*nr+jj] = v
			}
		}
	}
}

// MatMulPanels gives MatMul's bits with B stored, over edge tiles,
// several depth blocks and column chunks, beta 0 and 1, 1, 2 and 7
// threads, both FastGEMM paths and another kernel.
func TestMatMulPanelsIsMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, sh := range [][3]int{{16, 1024, 75}, {32, 256, 400}, {7, 45, 9}, {13, 40, 600}, {1, 17, 3}} {
		m, n, k := sh[0], sh[1], sh[2]
		a, b := randMat(rng, m, k), randMat(rng, k, n)
		c0 := randMat(rng, m, n)
		for _, beta := range []float32{0, 1} {
			for _, threads := range []int{1, 2, 7} {
				prev := SetThreads(threads)
				onPaths(t, func(t *testing.T, _ bool) {
					want, got := c0.Clone(), c0.Clone()
					MatMul(false, false, 0.5, a, b, beta, want)
					var scratch Mat
					MatMulPanels(0.5, a, storedPanels{b}, k, n, beta, got, &scratch)
					checkSame(t, fmt.Sprintf("%v beta %v, %d threads", sh, beta, threads), got, want)
				})
				SetThreads(prev)
			}
			prevK := Kernel
			Kernel = GonumGEMM{}
			want, got := c0.Clone(), c0.Clone()
			MatMul(false, false, 0.5, a, b, beta, want)
			var scratch Mat
			MatMulPanels(0.5, a, storedPanels{b}, k, n, beta, got, &scratch)
			Kernel = prevK
			checkSame(t, fmt.Sprintf("%v beta %v, gonum", sh, beta), got, want)
		}
	}
}

func checkSame(t *testing.T, what string, got, want *Mat) {
	t.Helper()
	for i := range want.Data {
		if !sameBits(got.Data[i], want.Data[i]) {
			t.Fatalf("%s: [%d] = %v, MatMul %v", what, i, got.Data[i], want.Data[i])
		}
	}
}

func randMat(rng *rand.Rand, r, c int) *Mat {
	m := New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

// Panel16 copies its two runs of eight per entry on both paths, and
// panics rather than read outside src.
func TestOffsetsPanel16(t *testing.T) {
	src := make([]float32, 200)
	for i := range src {
		src[i] = float32(i)
	}
	o := NewOffsets([]int32{0, 5, 40, 3, 100})
	onPaths(t, func(t *testing.T, _ bool) {
		for _, second := range []int{8, 30} {
			dst := make([]float32, 16*4)
			o.Panel16(dst, src, 1, 4, 7, second)
			for p, off := range []int{5, 40, 3, 100} {
				for i := 0; i < 16; i++ {
					want := float32(7 + off + i)
					if i >= 8 {
						want = float32(7 + off + second + i - 8)
					}
					if dst[16*p+i] != want {
						t.Fatalf("second %d: group %d value %d = %v, want %v", second, p, i, dst[16*p+i], want)
					}
				}
			}
		}
		for _, bad := range [][2]int{{-1, 8}, {85, 8}, {7, 90}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("base %d, second %d: no panic for a read past src", bad[0], bad[1])
					}
				}()
				o.Panel16(make([]float32, 16*5), src, 0, 5, bad[0], bad[1])
			}()
		}
	})
}
