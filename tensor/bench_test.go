package tensor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// benchShape is one product op(A)·op(B), m×k by k×n, for the benchmarks.
type benchShape struct {
	name    string
	ta, tb  bool
	m, n, k int
}

// operands returns A, B and C as stored for s, filled with normal values
// from a fixed seed.
func (s benchShape) operands() (a, b, c *Mat) {
	ar, ac, br, bc := storedShapes(s.ta, s.tb, s.m, s.n, s.k)
	rng := rand.New(rand.NewPCG(1, 1))
	a, b, c = New(ar, ac), New(br, bc), New(s.m, s.n)
	for _, m := range []*Mat{a, b, c} {
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
	}
	return a, b, c
}

// benchShapes are the products BenchmarkSgemm times: dense-layer forward
// passes X·Wᵀ, a weight gradient, 1000³ and an im2col-like convolution.
var benchShapes = []benchShape{
	{"fwd_32x784x256", false, true, 32, 256, 784},
	{"fwd_256x784x256", false, true, 256, 256, 784},
	{"fwd_32x784x50", false, true, 32, 50, 784},
	{"dW_256x256x784", true, false, 256, 784, 256},
	{"nn_1000x1000x1000", false, false, 1000, 1000, 1000},
	{"im2col_96x2400x8192", false, false, 96, 8192, 2400},
}

// benchKernels lists the kernels to compare: every entry of Kernels but the
// naive one (so OpenBLAS joins under the openblas tag), plus FastGEMM on
// one thread and on its portable path.
func benchKernels() []string {
	var names []string
	for name := range Kernels {
		if name != "naive" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return append(names, "fast-1thread", "fast-generic")
}

// BenchmarkSgemm reports GFLOP/s (2·m·n·k per op) for each shape and
// kernel; the kernels of one shape run back to back so that they see the
// same machine load. Run e.g.
//
//	go test ./tensor -run '^$' -bench Sgemm -tags openblas
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		A, B, C := s.operands()
		for _, name := range benchKernels() {
			b.Run(s.name+"/"+name, func(b *testing.B) {
				g := Kernels[name]
				switch name {
				case "fast-1thread":
					g = FastGEMM{}
					defer SetThreads(SetThreads(1))
				case "fast-generic":
					g = FastGEMM{}
					defer UseGeneric(UseGeneric(true))
				}
				g.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, A.Data, A.Cols, B.Data, B.Cols, 0, C.Data, C.Cols)
				b.ResetTimer()
				for b.Loop() {
					g.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, A.Data, A.Cols, B.Data, B.Cols, 0, C.Data, C.Cols)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSgemmInterleaved runs every kernel of benchKernels in turn in
// each iteration on each shape: first untimed calls for about 100 ms (so
// that the kernel's threads are awake and the OS scheduler has given them
// their share of the cores, as in a training loop), then timed calls for
// about 50 ms. It reports each
// kernel's GFLOP/s as its own metric ("fast-GFLOP/s", "openblas-GFLOP/s",
// …). On a machine whose load changes from second to second this compares
// the kernels far more fairly than BenchmarkSgemm, whose sub-benchmarks
// run one after the other. Run e.g.
//
//	go test ./tensor -run '^$' -bench Interleaved -benchtime 5x -tags openblas
func BenchmarkSgemmInterleaved(b *testing.B) {
	for _, s := range benchShapes {
		A, B, C := s.operands()
		names := benchKernels()
		if s.m*s.n*s.k > 1e8 {
			names = slices.DeleteFunc(names, func(n string) bool { return n == "fast-generic" || n == "gonum" })
		}
		flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(s.name, func(b *testing.B) {
			spent := make([]time.Duration, len(names))
			calls := make([]int, len(names))
			turn := func(i int) {
				g := Kernels[names[i]]
				switch names[i] {
				case "fast-1thread":
					g = FastGEMM{}
					defer SetThreads(SetThreads(1))
				case "fast-generic":
					g = FastGEMM{}
					defer UseGeneric(UseGeneric(true))
				}
				run := func() {
					g.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, A.Data, A.Cols, B.Data, B.Cols, 0, C.Data, C.Cols)
				}
				for t0 := time.Now(); time.Since(t0) < 100*time.Millisecond; {
					run()
				}
				t0 := time.Now()
				for time.Since(t0) < 50*time.Millisecond {
					run()
					calls[i]++
				}
				spent[i] += time.Since(t0)
				if names[i] == "openblas" {
					// OpenBLAS's idle threads busy-wait for about 2^28
					// cycles after a call; let them go to sleep so they do
					// not take a core from the next kernel.
					time.Sleep(150 * time.Millisecond)
				}
			}
			for b.Loop() {
				for i := range names {
					turn(i)
				}
			}
			for i, name := range names {
				b.ReportMetric(flop*float64(calls[i])/spent[i].Seconds()/1e9, name+"-GFLOP/s")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkParallelThreshold times square-ish forward products around the
// parallel threshold on 1 and 2 threads (the threshold is bypassed by
// calling the split directly), to choose parallelMinFlops.
func BenchmarkParallelThreshold(b *testing.B) {
	for _, s := range [][3]int{{32, 64, 128}, {32, 128, 256}, {32, 256, 256}, {64, 256, 256}, {32, 256, 784}, {128, 256, 512}} {
		m, n, k := s[0], s[1], s[2]
		A, B, C := New(m, k), New(n, k), New(m, n)
		for _, t := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d_%.1fMflop/threads=%d", m, n, k, 2*float64(m*n*k)/1e6, t), func(b *testing.B) {
				bl := currentBlocking()
				ws := new(workspace)
				for b.Loop() {
					if t == 1 || !sgemmParallel(bl, t, false, true, m, n, k, 1, A.Data, k, B.Data, k, 0, C.Data, n, nil, nil) {
						ws.gemm(bl, false, true, m, n, k, 1, A.Data, k, B.Data, k, 0, C.Data, n, nil, nil)
					}
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkFillNormal draws the noise of one np step at 784-256-256-10,
// batch 256 (256·512 values), through rand.Rand and from the PCG directly.
func BenchmarkFillNormal(b *testing.B) {
	dst := make([]float32, 256*512)
	b.Run("rand", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			FillNormal(dst, rng)
		}
	})
	b.Run("pcg", func(b *testing.B) {
		src := rand.NewPCG(1, 2)
		for b.Loop() {
			FillNormalPCG(dst, src)
		}
	})
}
