package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sparseMat returns an r×c matrix whose entries are non-zero with
// probability density, drawn from rng; zeros alternate between +0 and −0.
func sparseMat(r, c int, density float64, rng *rand.Rand) *Mat {
	m := New(r, c)
	for i := range m.Data {
		switch {
		case rng.Float64() < density:
			m.Data[i] = float32(rng.NormFloat64())
		case i%2 == 1:
			m.Data[i] = float32(math.Copysign(0, -1))
		}
	}
	return m
}

func denseMat(r, c int, rng *rand.Rand) *Mat {
	m := New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

// checkSparseA checks MatMulSparseA(transB, a, ·, b, beta, C), a's
// pattern recorded here and C starting as c0, against MatMul bit for bit.
func checkSparseA(t *testing.T, what string, transB bool, a, b *Mat, beta float32, c0 *Mat) {
	t.Helper()
	var pa Pattern
	pa.Of(a)
	want, got := c0.Clone(), c0.Clone()
	MatMul(false, transB, 1, a, b, beta, want)
	MatMulSparseA(transB, a, &pa, b, beta, got)
	sameSlices(t, what, got.Data, want.Data)
}

// checkSparseB is checkSparseA for MatMulSparseB(transA, a, b, ·, beta, C).
func checkSparseB(t *testing.T, what string, transA bool, a, b *Mat, beta float32, c0 *Mat) {
	t.Helper()
	var pb Pattern
	pb.Of(b)
	want, got := c0.Clone(), c0.Clone()
	MatMul(transA, false, 1, a, b, beta, want)
	MatMulSparseB(transA, a, b, &pb, beta, got)
	sameSlices(t, what, got.Data, want.Data)
}

func sameSlices(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %v (%#x), MatMul gives %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestMatMulSparseIsMatMul checks both skipping products bit for bit
// against MatMul over shapes with edge tiles, several depth blocks (k >
// 256) and several row blocks (m > 144), densities from none to all,
// beta 0 and 1 (C holding −0 entries), at 1, 2 and 7 threads, on the
// assembly and the portable kernels. -short (the race detector's run)
// leaves out the largest shape and 7 threads.
func TestMatMulSparseIsMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {6, 16, 8}, {7, 17, 9}, {37, 50, 300}, {300, 40, 70}, {13, 33, 257}, {32, 256, 784}}
	threadCounts := []int{1, 2, 7}
	if testing.Short() {
		shapes, threadCounts = shapes[:len(shapes)-1], threadCounts[:2]
	}
	for _, generic := range []bool{false, true} {
		for _, threads := range threadCounts {
			for _, sh := range shapes {
				m, n, k := sh[0], sh[1], sh[2]
				for _, density := range []float64{0, 0.05, 0.2, 0.6, 1} {
					for _, beta := range []float32{0, 1} {
						for _, trans := range []bool{false, true} {
							name := fmt.Sprintf("generic=%v threads=%d %dx%dx%d density=%v beta=%v trans=%v", generic, threads, m, n, k, density, beta, trans)
							prevG, prevT := UseGeneric(generic), SetThreads(threads)
							c0 := sparseMat(m, n, 0.7, rng)

							// A sparse: C ← A·op(B) + beta·C.
							a := sparseMat(m, k, density, rng)
							b := denseMat(k, n, rng)
							if trans {
								b = denseMat(n, k, rng)
							}
							checkSparseA(t, "A "+name, trans, a, b, beta, c0)

							// B sparse: C ← op(A)·B + beta·C.
							a = denseMat(m, k, rng)
							if trans {
								a = denseMat(k, m, rng)
							}
							b = sparseMat(k, n, density, rng)
							checkSparseB(t, "B "+name, trans, a, b, beta, c0)
							UseGeneric(prevG)
							SetThreads(prevT)
						}
					}
				}
			}
		}
	}
}

// TestMatMulSparseNonFinite: a NaN in the patterned operand is a non-zero
// like any other, and an Inf or NaN in the other operand, which a skipped
// zero would have turned into NaN, makes the tiles it reaches take every
// step: the bits are MatMul's either way. The shapes have several depth
// blocks (k > 256) and row blocks (m > 144), so one bad value spoils one
// panel of one block; A is stored, packed and transposed, at 1 and 2
// threads, beta 0 and 1, on the assembly and the portable kernels.
func TestMatMulSparseNonFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bads := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for run := 0; run < 4; run++ {
		threads, generic := 1+run%2, run >= 2
		prev, prevG := SetThreads(threads), UseGeneric(generic)
		for _, sh := range [][3]int{{64, 64, 70}, {150, 40, 600}, {37, 200, 300}} {
			m, n, k := sh[0], sh[1], sh[2]
			for trial := 0; trial < 6; trial++ {
				bad := bads[trial%len(bads)]
				trans := trial%2 == 1
				beta := float32(trial / 3 % 2)
				name := fmt.Sprintf("generic=%v threads=%d %v trans=%v beta=%v", generic, threads, sh, trans, beta)
				c0 := denseMat(m, n, rng)

				// Pattern on A; B (k×n, or n×k transposed) holds the bad value.
				a := sparseMat(m, k, 0.2, rng)
				b := denseMat(k, n, rng)
				if trans {
					b = denseMat(n, k, rng)
				}
				b.Data[rng.IntN(len(b.Data))] = bad
				checkSparseA(t, "other operand B "+name, trans, a, b, beta, c0)

				// The bad value in the patterned operand.
				a.Data[rng.IntN(len(a.Data))] = bad
				b.Data = denseMat(b.Rows, b.Cols, rng).Data
				checkSparseA(t, "patterned operand "+name, trans, a, b, beta, c0)

				// Pattern on B; A (m×k stored, or k×m transposed and packed)
				// holds it.
				a = denseMat(m, k, rng)
				if trans {
					a = denseMat(k, m, rng)
				}
				a.Data[rng.IntN(len(a.Data))] = bad
				b = sparseMat(k, n, 0.2, rng)
				checkSparseB(t, "other operand A "+name, trans, a, b, beta, c0)
			}
		}
		SetThreads(prev)
		UseGeneric(prevG)
	}
}

func TestPatternOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, generic := range []bool{false, true} {
		prev := UseGeneric(generic)
		for _, cols := range []int{1, 63, 64, 65, 784} {
			m := sparseMat(5, cols, 0.3, rng)
			m.Data[len(m.Data)-1] = float32(math.NaN())
			var p Pattern
			p.Of(m)
			nnz := 0
			for i := 0; i < m.Rows; i++ {
				for j, v := range m.Row(i) {
					want := v != 0 || v != v
					if want {
						nnz++
					}
					if got := p.bits[i*p.words+j/64]>>(j%64)&1 == 1; got != want {
						t.Fatalf("generic=%v cols=%d: bit (%d,%d) = %v for %v", generic, cols, i, j, got, v)
					}
				}
			}
			if p.nnz != nnz {
				t.Fatalf("generic=%v cols=%d: %d non-zeros, want %d", generic, cols, p.nnz, nnz)
			}
		}
		UseGeneric(prev)
	}
	var p Pattern
	if p.Sparse(New(3, 10)) != true || p.Density() != 0 {
		t.Fatalf("an all-zero matrix: Sparse false or density %v", p.Density())
	}
	if p.Sparse(denseMat(3, 10, rng)) {
		t.Fatal("a dense matrix reported sparse")
	}
	// The sample (the first 4 rows) decides alone when it is dense, and
	// the whole matrix when it is not; a refusal records no pattern.
	denseHead := sparseMat(40, 784, 0.05, rng)
	copy(denseHead.Data, denseMat(4, 784, rng).Data)
	if p.Sparse(denseHead) || p.Rows != 0 || p.Density() != 0 {
		t.Fatalf("dense first rows: Sparse true or a pattern of %d rows kept", p.Rows)
	}
	sparseHead := denseMat(40, 784, rng)
	copy(sparseHead.Data, sparseMat(4, 784, 0.05, rng).Data)
	if p.Sparse(sparseHead) {
		t.Fatalf("sparse first rows over a dense matrix (density %v) reported sparse", p.Density())
	}
	mnistLike := sparseMat(40, 784, 0.19, rng)
	if !p.Sparse(mnistLike) || p.Rows != 40 || math.Abs(p.Density()-0.19) > 0.02 {
		t.Fatalf("19 %% non-zero: Sparse false or density %v over %d rows", p.Density(), p.Rows)
	}
	if n := testing.AllocsPerRun(10, func() { p.Sparse(mnistLike); p.Sparse(denseHead) }); n != 0 {
		t.Fatalf("Sparse allocates %v times per call", n)
	}
}

func TestAllFinite(t *testing.T) {
	for _, generic := range []bool{false, true} {
		prev := UseGeneric(generic)
		for _, n := range []int{0, 1, 7, 8, 9, 16, 24, 100} {
			x := make([]float32, n)
			for i := range x {
				x[i] = -math.MaxFloat32
			}
			if !allFinite(x) {
				t.Fatalf("generic=%v n=%d: finite values reported non-finite", generic, n)
			}
			for i := 0; i < n; i++ {
				for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
					x[i] = float32(bad)
					if allFinite(x) {
						t.Fatalf("generic=%v n=%d: %v at %d not seen", generic, n, bad, i)
					}
				}
				x[i] = 1
			}
		}
		UseGeneric(prev)
	}
}

func TestMatMulSparseAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, threads := range []int{1, 2} {
		prev := SetThreads(threads)
		a, b := sparseMat(256, 784, 0.19, rng), denseMat(256, 784, rng)
		c, g := New(256, 256), New(256, 784)
		var pa Pattern
		pa.Of(a)
		f := func() {
			pa.Of(a)
			MatMulSparseA(true, a, &pa, b, 1, c)
			MatMulSparseB(true, c, a, &pa, 0, g)
		}
		f()
		if n := testing.AllocsPerRun(10, f); n != 0 {
			t.Errorf("threads=%d: %v allocations per call", threads, n)
		}
		SetThreads(prev)
	}
}

// Several goroutines running skipping products at once, sharing one
// Pattern and the worker pool, each get MatMul's bits (CI runs this under
// the race detector).
func TestMatMulSparseConcurrent(t *testing.T) {
	defer SetThreads(SetThreads(2))
	rng := rand.New(rand.NewPCG(11, 12))
	a := sparseMat(70, 300, 0.2, rng)
	var pa Pattern
	pa.Of(a)
	done := make(chan error, 4)
	for g := range 4 {
		b := denseMat(300, 100+g, rng) // 4.2 MFLOP: split over the threads
		go func() {
			want, got := New(70, 100+g), New(70, 100+g)
			MatMul(false, false, 1, a, b, 0, want)
			for range 20 {
				MatMulSparseA(false, a, &pa, b, 0, got)
				for i := range want.Data {
					if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
						done <- fmt.Errorf("goroutine %d: element %d = %v, MatMul gives %v", g, i, got.Data[i], want.Data[i])
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
