package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// gemmPaths are the FastGEMM micro-kernels this machine can run: the
// assembly one where available and always the portable one.
func gemmPaths() []struct {
	name    string
	generic bool
} {
	paths := []struct {
		name    string
		generic bool
	}{{"generic", true}}
	if HasAsmKernel() {
		paths = append(paths, struct {
			name    string
			generic bool
		}{"asm", false})
	}
	return paths
}

// withPath runs f with FastGEMM forced onto the generic path or not, and
// with Threads set to threads.
func withPath(generic bool, threads int, f func()) {
	prevG := UseGeneric(generic)
	prevT := SetThreads(threads)
	defer func() {
		UseGeneric(prevG)
		SetThreads(prevT)
	}()
	f()
}

// gemmCase is one product with strided operands.
type gemmCase struct {
	ta, tb      bool
	m, n, k     int
	alpha, beta float32
	pad         int // extra row stride beyond each operand's column count
	nanC        bool
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%v,beta=%v,pad=%d", tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// strided returns a rows×cols matrix with row stride cols+pad as a slice of
// exactly the length the view needs (so any over-read panics), filled with
// normal values, and its stride.
func strided(rng *rand.Rand, rows, cols, pad int) ([]float32, int) {
	ld := max(cols+pad, 1)
	n := 0
	if rows > 0 && cols > 0 {
		n = (rows-1)*ld + cols
	}
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s, ld
}

// operands returns tc's A, B and C, strided (tc.pad, +1 and +3 values
// beyond each row) and filled by strided.
func (tc gemmCase) operands(rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac, br, bc := storedShapes(tc.ta, tc.tb, tc.m, tc.n, tc.k)
	a, lda = strided(rng, ar, ac, tc.pad)
	b, ldb = strided(rng, br, bc, tc.pad+1)
	c, ldc = strided(rng, tc.m, tc.n, tc.pad+3)
	return a, lda, b, ldb, c, ldc
}

// checkGEMM runs g on tc and compares with NaiveGEMM within a float32
// error bound; values of C outside the m×n view must be left alone.
func checkGEMM(t testing.TB, g GEMM, rng *rand.Rand, tc gemmCase) {
	t.Helper()
	a, lda, b, ldb, c, ldc := tc.operands(rng)
	// Sentinels in C's padding must survive.
	for i := range c {
		if i%ldc >= tc.n {
			c[i] = 12345
		} else if tc.nanC {
			c[i] = float32(math.NaN())
		}
	}
	want := append([]float32(nil), c...)
	NaiveGEMM{}.Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	// Error bound: |err| ≤ γ·(|alpha|·|op(A)|·|op(B)| + |beta|·|C|).
	abs := func(s []float32) []float32 {
		r := make([]float32, len(s))
		for i, v := range s {
			r[i] = float32(math.Abs(float64(v)))
		}
		return r
	}
	bound := abs(c)
	absBeta := float32(math.Abs(float64(tc.beta)))
	if tc.nanC {
		absBeta = 0
	}
	NaiveGEMM{}.Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, float32(math.Abs(float64(tc.alpha))), abs(a), lda, abs(b), ldb, absBeta, bound, ldc)
	g.Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	gamma := 2 * float64(tc.k+4) * 0x1p-24
	for i := range c {
		if i%ldc >= tc.n {
			if c[i] != 12345 {
				t.Fatalf("%v: C storage %d outside the view changed to %v", tc, i, c[i])
			}
			continue
		}
		d := math.Abs(float64(c[i] - want[i]))
		if !(d <= gamma*float64(bound[i])+1e-30) {
			t.Fatalf("%v: C[%d,%d] = %v, want %v (bound %v)", tc, i/ldc, i%ldc, c[i], want[i], gamma*float64(bound[i]))
		}
	}
}

var oddSizes = []int{1, 2, 3, 5, 7, 16, 17, 33, 65, 100, 129, 257}

var alphaBetas = [][2]float32{{1, 0}, {1, 1}, {0.5, -1}, {-2, 0.25}, {0, 0.5}, {1.5, 0}}

// gemmCases draws products over odd sizes, every transpose combination,
// several alpha/beta (beta = 0 over a NaN-filled C among them) and strided
// views, keeping each small enough for the naive reference.
func gemmCases(rng *rand.Rand, count, maxWork int) []gemmCase {
	var cases []gemmCase
	fixed := [][3]int{{1, 1, 1}, {6, 16, 1}, {7, 17, 3}, {12, 32, 256}, {13, 33, 257}, {32, 50, 784}, {100, 129, 65}, {257, 17, 33}, {3, 257, 100}, {4, 0, 3}, {0, 5, 3}, {5, 6, 0}}
	for i := 0; len(cases) < count; i++ {
		var m, n, k int
		if i < len(fixed) {
			m, n, k = fixed[i][0], fixed[i][1], fixed[i][2]
		} else {
			m, n, k = oddSizes[rng.IntN(len(oddSizes))], oddSizes[rng.IntN(len(oddSizes))], oddSizes[rng.IntN(len(oddSizes))]
			if m*n*k > maxWork {
				continue
			}
		}
		ab := alphaBetas[i%len(alphaBetas)]
		cases = append(cases, gemmCase{ta: i&1 != 0, tb: i&2 != 0, m: m, n: n, k: k, alpha: ab[0], beta: ab[1], pad: (i / 4) % 3 * 5, nanC: ab[1] == 0 && i%3 == 0})
		// Every size also gets the other three transposes.
		for tt := 1; tt < 4; tt++ {
			tc := cases[len(cases)-1]
			tc.ta, tc.tb = (i+tt)&1 != 0, (i+tt)&2 != 0
			tc.alpha, tc.beta = alphaBetas[(i+tt)%len(alphaBetas)][0], alphaBetas[(i+tt)%len(alphaBetas)][1]
			tc.nanC = tc.beta == 0
			cases = append(cases, tc)
		}
	}
	return cases
}

func TestFastGEMMMatchesNaive(t *testing.T) {
	for _, p := range gemmPaths() {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads=%d", p.name, threads), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, uint64(threads)))
				withPath(p.generic, threads, func() {
					for _, tc := range gemmCases(rng, 160, 600_000) {
						checkGEMM(t, FastGEMM{}, rng, tc)
					}
				})
			})
		}
	}
}

// Products big enough to be split, along n and along m, over 2 and 3
// threads (3 exceeds the cores here but must still be right).
func TestFastGEMMParallel(t *testing.T) {
	shapes := [][3]int{{96, 200, 240}, {300, 40, 400}, {130, 129, 257}}
	for _, p := range gemmPaths() {
		for _, threads := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/threads=%d", p.name, threads), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, uint64(threads)))
				withPath(p.generic, threads, func() {
					for i, s := range shapes {
						for tt := 0; tt < 4; tt++ {
							ab := alphaBetas[(i+tt)%len(alphaBetas)]
							tc := gemmCase{ta: tt&1 != 0, tb: tt&2 != 0, m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1], pad: tt, nanC: ab[1] == 0}
							if 2*tc.m*tc.n*tc.k < parallelMinFlops {
								t.Fatalf("%v is below the parallel threshold", tc)
							}
							checkGEMM(t, FastGEMM{}, rng, tc)
						}
					}
				})
			})
		}
	}
}

// Every kernel in Kernels agrees with the reference.
func TestKernels(t *testing.T) {
	for _, name := range []string{"fast", "gonum", "naive"} {
		if Kernels[name] == nil {
			t.Fatalf("Kernels[%q] missing", name)
		}
	}
	for name, g := range Kernels {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 5))
			for _, tc := range gemmCases(rng, 24, 100_000) {
				if tc.m*tc.n*tc.k == 0 && name == "gonum" {
					continue // gonum panics on some empty shapes
				}
				checkGEMM(t, g, rng, tc)
			}
		})
	}
}

func TestSetThreads(t *testing.T) {
	prev := SetThreads(3)
	defer SetThreads(prev)
	if Threads() != 3 {
		t.Errorf("Threads() = %d after SetThreads(3)", Threads())
	}
	SetThreads(0)
	if Threads() != runtime.GOMAXPROCS(0) {
		t.Errorf("default Threads() = %d", Threads())
	}
}

func TestSgemmChecksArgs(t *testing.T) {
	c := make([]float32, 4)
	for _, f := range []func(){
		func() {
			FastGEMM{}.Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, c, 2)
		},
		func() {
			FastGEMM{}.Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, c[:3], 2)
		},
		func() {
			FastGEMM{}.Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 1, make([]float32, 4), 2, 0, c, 2)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("short operand did not panic")
				}
			}()
			f()
		}()
	}
}

// trainingShapes are the products of a dense training step (forward,
// weight gradient, input gradient) at the sizes the networks use.
var trainingShapes = []struct {
	ta, tb  bool
	m, n, k int
}{
	{false, true, 32, 256, 784}, {true, false, 256, 784, 32}, {false, false, 32, 784, 256},
	{false, true, 256, 256, 784}, {true, false, 256, 784, 256}, {false, false, 256, 784, 256},
	{false, true, 32, 50, 784}, {false, true, 256, 10, 256}, {true, false, 10, 256, 256},
	{false, true, 256, 1000, 784}, {false, false, 256, 1000, 10}, {true, true, 64, 48, 40},
}

// A call in steady state allocates nothing, serial or parallel.
func TestFastGEMMZeroAllocs(t *testing.T) {
	for _, p := range gemmPaths() {
		for _, threads := range []int{1, 2} {
			withPath(p.generic, threads, func() {
				for _, s := range trainingShapes {
					if p.generic && s.m*s.n*s.k > 1e7 {
						continue // slow on the portable path; the asm path covers it
					}
					ar, ac, br, bc := storedShapes(s.ta, s.tb, s.m, s.n, s.k)
					a, b, c := New(ar, ac), New(br, bc), New(s.m, s.n)
					run := func() { MatMul(s.ta, s.tb, 1, a, b, 0.5, c) }
					run() // first call sizes the buffers and starts the pool
					if n := testing.AllocsPerRun(5, run); n != 0 {
						t.Errorf("%s threads=%d %+v: %v allocations per call", p.name, threads, s, n)
					}
				}
			})
		}
	}
}

// FuzzSgemm checks FastGEMM against NaiveGEMM on shapes, transposes,
// strides and alpha/beta from the fuzzer, on both micro-kernels.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), false, false, float32(1), float32(0), uint8(0), uint64(1), false)
	f.Add(uint8(7), uint8(17), uint8(33), true, false, float32(0.5), float32(1), uint8(3), uint64(2), false)
	f.Add(uint8(13), uint8(40), uint8(5), false, true, float32(-2), float32(0.25), uint8(1), uint64(3), true)
	f.Add(uint8(65), uint8(3), uint8(100), true, true, float32(1), float32(-1), uint8(0), uint64(4), false)
	f.Add(uint8(6), uint8(16), uint8(0), false, false, float32(1), float32(2), uint8(2), uint64(5), true)
	f.Fuzz(func(t *testing.T, m, n, k uint8, ta, tb bool, alpha, beta float32, pad uint8, seed uint64, generic bool) {
		if !(math.Abs(float64(alpha)) <= 1e3) || !(math.Abs(float64(beta)) <= 1e3) {
			t.Skip()
		}
		tc := gemmCase{ta: ta, tb: tb, m: int(m) % 80, n: int(n) % 80, k: int(k) % 130, alpha: alpha, beta: beta, pad: int(pad) % 7, nanC: beta == 0}
		withPath(generic, Threads(), func() {
			checkGEMM(t, FastGEMM{}, rand.New(rand.NewPCG(seed, 9)), tc)
		})
	})
}

// Several goroutines multiplying at once share the worker pool and the
// workspace free list without interfering.
func TestFastGEMMConcurrent(t *testing.T) {
	defer SetThreads(SetThreads(2))
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 77))
			m, n, k := 60+g, 200, 360
			a, _ := strided(rng, m, k, 0)
			b, _ := strided(rng, k, n, 0)
			want := make([]float32, m*n)
			NaiveGEMM{}.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
			c := make([]float32, m*n)
			for range 20 {
				FastGEMM{}.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				for i := range c {
					if d := math.Abs(float64(c[i] - want[i])); d > 1e-3 {
						done <- fmt.Errorf("goroutine %d: C[%d] = %v, want %v", g, i, c[i], want[i])
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

// TestStoredAIsPacked: the assembly kernels that read A where it is
// stored give the bits of the packed path, for the dense product and both
// skipping products, over edge tiles, several depth blocks (k > 256) and
// row blocks (m > 144), strided views, alpha and beta, at 1, 2 and 3
// threads.
func TestStoredAIsPacked(t *testing.T) {
	if !HasAsmKernel() {
		t.Skip("no assembly kernel on this machine")
	}
	defer packAllA.Store(packAllA.Load())
	run := func(packed bool, f func()) {
		packAllA.Store(packed)
		f()
	}
	for _, threads := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			defer SetThreads(SetThreads(threads))
			rng := rand.New(rand.NewPCG(11, uint64(threads)))
			cases := gemmCases(rng, 80, 1_000_000)
			for i, s := range [][3]int{{300, 40, 600}, {151, 33, 300}, {256, 256, 784}} {
				cases = append(cases, gemmCase{m: s[0], n: s[1], k: s[2], tb: i%2 == 1, alpha: 1, beta: float32(i % 2), pad: 3})
			}
			for _, tc := range cases {
				a, lda, b, ldb, c0, ldc := tc.operands(rng)
				var got [2][]float32
				for i, packed := range []bool{true, false} {
					got[i] = append([]float32(nil), c0...)
					run(packed, func() {
						FastGEMM{}.Sgemm(tc.ta, tc.tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got[i], ldc)
					})
				}
				sameSlices(t, tc.String(), got[1], got[0])
			}
			// The skipping products, A not transposed.
			for _, s := range [][3]int{{7, 17, 9}, {37, 50, 300}, {300, 40, 70}, {256, 256, 784}} {
				m, n, k := s[0], s[1], s[2]
				for _, beta := range []float32{0, 1} {
					c0 := sparseMat(m, n, 0.7, rng)
					a, b := sparseMat(m, k, 0.2, rng), denseMat(n, k, rng)
					var pa Pattern
					pa.Of(a)
					var got [2]*Mat
					for i, packed := range []bool{true, false} {
						got[i] = c0.Clone()
						run(packed, func() { MatMulSparseA(true, a, &pa, b, beta, got[i]) })
					}
					sameSlices(t, fmt.Sprintf("A sparse %v beta=%v", s, beta), got[1].Data, got[0].Data)
					a, b = denseMat(m, k, rng), sparseMat(k, n, 0.2, rng)
					var pb Pattern
					pb.Of(b)
					for i, packed := range []bool{true, false} {
						got[i] = c0.Clone()
						run(packed, func() { MatMulSparseB(false, a, b, &pb, beta, got[i]) })
					}
					sameSlices(t, fmt.Sprintf("B sparse %v beta=%v", s, beta), got[1].Data, got[0].Data)
				}
			}
		})
	}
}
