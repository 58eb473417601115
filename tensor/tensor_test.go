package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// MatMul through Kernel agrees with the naive reference for every
// transpose combination, odd sizes and alpha/beta.
func TestMatMulMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(m *Mat) {
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
	}
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {32, 50, 784}, {65, 33, 129}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
					a, b := New(m, k), New(k, n)
					if ta {
						a = New(k, m)
					}
					if tb {
						b = New(n, k)
					}
					fill(a)
					fill(b)
					c := New(m, n)
					fill(c)
					want := c.Clone()
					NaiveGEMM{}.Sgemm(ta, tb, m, n, k, ab[0], a.Data, a.Cols, b.Data, b.Cols, ab[1], want.Data, want.Cols)
					MatMul(ta, tb, ab[0], a, b, ab[1], c)
					for i := range c.Data {
						// float32 accumulation over k terms of unit variance.
						if d := math.Abs(float64(c.Data[i] - want.Data[i])); d > 1e-5*float64(k)+1e-5 {
							t.Fatalf("%v transA=%v transB=%v alpha,beta=%v: C[%d] = %v, want %v", sz, ta, tb, ab, i, c.Data[i], want.Data[i])
						}
					}
				}
			}
		}
	}
}

func TestResizeReuses(t *testing.T) {
	var m Mat
	m.Resize(10, 10)
	p := &m.Data[0]
	if n := testing.AllocsPerRun(10, func() { m.Resize(5, 7); m.Resize(10, 10) }); n != 0 || &m.Data[0] != p {
		t.Errorf("Resize within capacity allocated %v times", n)
	}
}

func TestFill(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000, 1025} {
		for _, v := range []float32{1.5, float32(math.Copysign(0, -1)), float32(math.NaN())} {
			x := make([]float32, n+1)
			x[n] = 7
			Fill(x[:n], v)
			for i, got := range x[:n] {
				if math.Float32bits(got) != math.Float32bits(v) {
					t.Fatalf("n=%d: x[%d] = %v, want %v", n, i, got, v)
				}
			}
			if x[n] != 7 {
				t.Fatalf("n=%d: Fill wrote past the slice", n)
			}
		}
	}
}
