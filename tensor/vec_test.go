package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// vecLengths covers empty, every tail length around one and two groups of
// eight, and long odd lengths.
var vecLengths = []int{0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 33, 100, 1003}

// specials are inputs every element-wise kernel must handle.
var specials = []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	88.37, 88.38, 88.7, -87.3, -87.31, -103, 100, -100, 1e-30, -1e-30, 1e-40, 0.25, -0.25, 0.2499999, 9, 9.0001, -9, 3e38, -3e38}

// vecInput returns n values: normals of a few scales with the specials
// sprinkled in.
func vecInput(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(4) {
		case 0:
			x[i] = specials[rng.IntN(len(specials))]
		case 1:
			x[i] = float32(rng.NormFloat64() * 30)
		default:
			x[i] = float32(rng.NormFloat64() * 2)
		}
	}
	return x
}

// onPaths runs f on the assembly path (when this machine and build have
// it) and on the portable one.
func onPaths(t *testing.T, f func(t *testing.T, generic bool)) {
	for _, p := range gemmPaths() {
		t.Run(p.name, func(t *testing.T) {
			defer UseGeneric(UseGeneric(p.generic))
			f(t, p.generic)
		})
	}
}

// portable runs f with the element-wise kernels on their Go path.
func portable(f func()) {
	defer UseGeneric(UseGeneric(true))
	f()
}

// sentinel is written past the end of every output; a kernel must not
// touch it.
const sentinel = float32(-12345.5)

// out returns a slice of n values followed (in the same array) by 9
// sentinels.
func out(n int) []float32 {
	s := make([]float32, n+9)
	for i := range s {
		s[i] = sentinel
	}
	return s[:n]
}

func checkSentinels(t *testing.T, what string, s []float32) {
	t.Helper()
	for i, v := range s[len(s):cap(s)] {
		if v != sentinel {
			t.Fatalf("%s: wrote %v past the end (+%d)", what, v, i)
		}
	}
}

// sameBits reports whether a and b are the same float32, any NaN matching
// any NaN.
func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

// ulps returns the distance between a and b in units in the last place
// (0 for two NaNs or equal values, a large number for one NaN).
func ulps(a, b float32) float64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.Inf(1)
	}
	if a == b {
		return 0
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia < 0 || ia&(1<<31) != 0 {
		ia = -(ia & (1<<31 - 1))
	}
	if ib&(1<<31) != 0 {
		ib = -(ib & (1<<31 - 1))
	}
	return math.Abs(float64(ia - ib))
}

// unaryKernels are the transcendental kernels with their portable scalar
// version, their float64 truth, and how many ulp the assembly may differ
// from the portable code: the assembly's fused multiply-adds and
// round-to-nearest reduction change the last bits of e^r (2 ulp), and a
// quotient of two such values doubles it.
var unaryKernels = []struct {
	name   string
	f      func(dst, x []float32)
	scalar func(float32) float32
	truth  func(float64) float64
	ulp    float64
}{
	{"sigmoid", Sigmoid, sigmoid32, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 4},
	{"tanh", Tanh, tanh32, math.Tanh, 4},
}

// The assembly agrees with the portable code within the stated ulp on
// every length and on the special values, leaves memory past the output
// alone, and works in place.
func TestUnaryKernelsMatchPortable(t *testing.T) {
	if !HasAsmKernel() {
		t.Skip("no assembly on this machine or build")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, k := range unaryKernels {
		for _, n := range vecLengths {
			x := vecInput(rng, n)
			got := out(n)
			k.f(got, x)
			checkSentinels(t, k.name, got)
			inPlace := append([]float32(nil), x...)
			k.f(inPlace, inPlace)
			for i, v := range x {
				want := k.scalar(v)
				if d := ulps(got[i], want); d > k.ulp {
					t.Errorf("%s(%v) = %v, portable %v (%v ulp)", k.name, v, got[i], want, d)
				}
				if !sameBits(inPlace[i], got[i]) {
					t.Errorf("%s(%v) in place = %v, %v otherwise", k.name, v, inPlace[i], got[i])
				}
			}
		}
	}
}

// Both paths are accurate: within 4e-7 relative of float64 math over
// [−20, 20] (a few ulp), with the documented limits at the ends and NaN
// for NaN.
func TestUnaryKernelsAccuracy(t *testing.T) {
	onPaths(t, func(t *testing.T, _ bool) {
		var x []float32
		for v := -20.0; v <= 20; v += 0.000731 {
			x = append(x, float32(v))
		}
		y := make([]float32, len(x))
		for _, k := range unaryKernels {
			k.f(y, x)
			worst := 0.0
			for i, v := range x {
				want := k.truth(float64(v))
				worst = max(worst, math.Abs(float64(y[i])-want)/math.Abs(want))
			}
			if worst > 4e-7 {
				t.Errorf("%s: worst relative error %.3g over [-20, 20]", k.name, worst)
			}
		}
		limits := []struct {
			f       func(dst, x []float32)
			x, want float32
		}{
			{Sigmoid, 200, 1}, {Sigmoid, -200, 0}, {Sigmoid, float32(math.Inf(1)), 1}, {Sigmoid, float32(math.Inf(-1)), 0}, {Sigmoid, 0, 0.5},
			{Tanh, 50, 1}, {Tanh, -50, -1}, {Tanh, float32(math.Inf(1)), 1}, {Tanh, float32(math.Inf(-1)), -1}, {Tanh, 0, 0}, {Tanh, 9.5, 1},
		}
		for _, l := range limits {
			var y [1]float32
			l.f(y[:], []float32{l.x})
			if y[0] != l.want {
				t.Errorf("f(%v) = %v, want %v", l.x, y[0], l.want)
			}
		}
		nan := []float32{float32(math.NaN())}
		for _, k := range unaryKernels {
			var y [1]float32
			k.f(y[:], nan)
			if y[0] == y[0] {
				t.Errorf("%s(NaN) = %v", k.name, y[0])
			}
		}
	})
}

// exp32, the exponential under the portable sigmoid and tanh (the
// assembly's, EXPY0, is checked through them), is within 4e-7 relative of
// float64 math over [−20, 20], with its documented limits and NaN for NaN.
func TestExp32(t *testing.T) {
	worst := 0.0
	for v := -20.0; v <= 20; v += 0.000731 {
		x := float32(v)
		want := math.Exp(float64(x))
		worst = max(worst, math.Abs(float64(exp32(x))-want)/want)
	}
	if worst > 4e-7 {
		t.Errorf("worst relative error %.3g over [-20, 20]", worst)
	}
	inf := float32(math.Inf(1))
	for _, l := range []struct{ x, want float32 }{{100, inf}, {inf, inf}, {88.38, inf}, {-100, 0}, {-inf, 0}, {0, 1}} {
		if got := exp32(l.x); got != l.want {
			t.Errorf("exp32(%v) = %v, want %v", l.x, got, l.want)
		}
	}
	if got := exp32(float32(math.NaN())); got == got {
		t.Errorf("exp32(NaN) = %v", got)
	}
}

// The linear kernels and the optimiser updates give the same bits on both
// paths, at every length, and leave memory past their outputs alone.
func TestLinearKernelsExact(t *testing.T) {
	if !HasAsmKernel() {
		t.Skip("no assembly on this machine or build")
	}
	rng := rand.New(rand.NewPCG(2, 2))
	type result [][]float32
	kernels := []struct {
		name string
		// run applies the kernel to copies of the inputs and returns
		// every slice it writes.
		run func(in [4][]float32) result
	}{
		{"Axpy", func(in [4][]float32) result { y := clone(in[1]); Axpy(-0.37, in[0], y); return result{y} }},
		{"ScaleTo", func(in [4][]float32) result { d := out(len(in[0])); ScaleTo(d, 1.7, in[0]); return result{d} }},
		{"Scale", func(in [4][]float32) result { d := clone(in[0]); Scale(-3, d); return result{d} }},
		{"Add", func(in [4][]float32) result { d := out(len(in[0])); Add(d, in[0], in[1]); return result{d} }},
		{"SigmoidBackward", func(in [4][]float32) result {
			d := out(len(in[0]))
			SigmoidBackward(d, in[0], in[1])
			return result{d}
		}},
		{"TanhBackward", func(in [4][]float32) result { d := out(len(in[0])); TanhBackward(d, in[0], in[1]); return result{d} }},
		{"ReLU", func(in [4][]float32) result { d := out(len(in[0])); ReLU(d, in[0]); return result{d} }},
		{"ReLUBackward", func(in [4][]float32) result { d := out(len(in[0])); ReLUBackward(d, in[0], in[1]); return result{d} }},
		{"MomentumStep", func(in [4][]float32) result {
			p, v := clone(in[0]), clone(in[2])
			MomentumStep(p, in[1], v, 0.01, 0.9)
			return result{p, v}
		}},
		{"AdamStep", func(in [4][]float32) result {
			p, m, v := clone(in[0]), clone(in[2]), clone(in[3])
			for i := range v {
				v[i] = float32(math.Abs(float64(v[i]))) // a second moment
			}
			AdamStep(p, in[1], m, v, 1e-3, 0.9, 0.999, 1e-8)
			return result{p, m, v}
		}},
	}
	for _, k := range kernels {
		for _, n := range vecLengths {
			var in [4][]float32
			for i := range in {
				in[i] = vecInput(rng, n)
			}
			asm := k.run(in)
			var ref result
			portable(func() { ref = k.run(in) })
			for s := range asm {
				checkSentinels(t, k.name, asm[s])
				for i := range asm[s] {
					if !sameBits(asm[s][i], ref[s][i]) {
						t.Fatalf("%s n=%d: output %d[%d] = %v, portable %v (inputs %v %v %v %v)", k.name, n, s, i, asm[s][i], ref[s][i], in[0][i], in[1][i], in[2][i], in[3][i])
					}
				}
			}
		}
	}
}

// clone copies s into a slice followed by sentinels.
func clone(s []float32) []float32 {
	c := out(len(s))
	copy(c, s)
	return c
}

// The kernels check their operands' lengths as the Go loops would.
func TestVecKernelsCheckLengths(t *testing.T) {
	onPaths(t, func(t *testing.T, _ bool) {
		for name, f := range map[string]func(){
			"Sigmoid": func() { Sigmoid(make([]float32, 9), make([]float32, 8)) },
			"Add":     func() { Add(make([]float32, 9), make([]float32, 9), make([]float32, 8)) },
			"Axpy":    func() { Axpy(1, make([]float32, 9), make([]float32, 8)) },
			"Adam": func() {
				AdamStep(make([]float32, 9), make([]float32, 9), make([]float32, 9), make([]float32, 8), 1, 1, 1, 1)
			},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s with a short operand did not panic", name)
					}
				}()
				f()
			}()
		}
	})
}

func TestVecKernelsAllocateNothing(t *testing.T) {
	onPaths(t, func(t *testing.T, _ bool) {
		x, y := make([]float32, 1003), make([]float32, 1003)
		rng := rand.New(rand.NewPCG(1, 1))
		if n := testing.AllocsPerRun(10, func() {
			Sigmoid(y, x)
			Tanh(y, x)
			SigmoidBackward(y, x, y)
			Axpy(2, x, y)
			FillNormal(y, rng)
			FillNormal(y[:5], rng)
		}); n != 0 {
			t.Errorf("%v allocations", n)
		}
	})
}

// The assembly's Box–Muller agrees with the portable float64 version on
// the same bits within 1e-6·(1 + |z|): float32 polynomials for ln, sin and
// cos are good to a few 1e-7.
func TestNormalsMatchPortable(t *testing.T) {
	if !HasAsmKernel() {
		t.Skip("no assembly on this machine or build")
	}
	rng := rand.New(rand.NewPCG(3, 3))
	const blocks = 1 << 12
	bits := make([]uint64, 8*blocks)
	for i := range bits {
		bits[i] = rng.Uint64()
	}
	// Words that reach the ends of u's and φ's ranges and every quadrant.
	for j, w := range []uint32{0, 1, 2, 3, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1<<32 - 2} {
		for q := range uint64(4) {
			b := bits[8*(j*4+int(q)):]
			b[0] = b[0]&^(1<<32-1) | uint64(w)
			b[4] = b[4]&^(1<<32-1) | q<<30 | uint64(w)&(1<<30-1)
		}
	}
	got, want := make([]float32, 16*blocks), make([]float32, 16*blocks)
	normalsAVX2(&got[0], &bits[0], blocks)
	normalsGeneric(want, bits)
	worst := 0.0
	for i := range got {
		d := math.Abs(float64(got[i]-want[i])) / (1 + math.Abs(float64(want[i])))
		worst = max(worst, d)
		if !(d <= 1e-6) {
			t.Fatalf("value %d: %v, portable %v", i, got[i], want[i])
		}
	}
	t.Logf("worst difference %.3g·(1+|z|)", worst)
}

// FillNormal's values are standard normal: with a fixed seed and 2^20
// values, the sample moments and the Kolmogorov–Smirnov distance are
// within 5 standard errors of a true normal's (a bug in the transform
// moves them by far more; a correct one fails with probability below
// 1e-6 per statistic), the pairs that share a uniform are uncorrelated,
// and the largest value respects the 6.66 bound.
func TestFillNormalMoments(t *testing.T) {
	onPaths(t, func(t *testing.T, _ bool) {
		const n = 1 << 20
		z := make([]float32, n)
		FillNormal(z, rand.New(rand.NewPCG(11, 12)))
		var m [5]float64
		var pair, top float64
		for i, v := range z {
			x := float64(v)
			p := 1.0
			for k := range m {
				m[k] += p
				p *= x
			}
			if i%16 < 8 {
				pair += x * float64(z[i+8])
			}
			top = max(top, math.Abs(x))
		}
		for k := 1; k < 5; k++ {
			m[k] /= n
		}
		se := func(v float64) float64 { return 5 * math.Sqrt(v/n) }
		stats := []struct {
			name      string
			got, want float64
			tol       float64
		}{
			{"mean", m[1], 0, se(1)},
			{"E[z²]", m[2], 1, se(2)},
			{"E[z³]", m[3], 0, se(15)},
			{"E[z⁴]", m[4], 3, se(96)},
			{"E[z_j·z_{8+j}]", pair / (n / 2), 0, 5 * math.Sqrt(2.0/n)},
		}
		for _, s := range stats {
			if math.Abs(s.got-s.want) > s.tol {
				t.Errorf("%s = %.5f, want %v ± %.5f", s.name, s.got, s.want, s.tol)
			}
		}
		if top > 6.67 {
			t.Errorf("largest |z| = %v beyond the 6.66 bound", top)
		}
		// Kolmogorov–Smirnov on a subsample of 2^16 sorted values: the
		// distance exceeds 1.95/√n with probability 0.1 %.
		const ks = 1 << 16
		s := make([]float64, ks)
		for i := range s {
			s[i] = float64(z[i*(n/ks)])
		}
		slices.Sort(s)
		d := 0.0
		for i, x := range s {
			cdf := 0.5 * math.Erfc(-x/math.Sqrt2)
			d = max(d, math.Abs(cdf-float64(i)/ks), math.Abs(cdf-float64(i+1)/ks))
		}
		if d > 1.95/math.Sqrt(ks) {
			t.Errorf("Kolmogorov–Smirnov distance %.4g > %.4g", d, 1.95/math.Sqrt(ks))
		}
		t.Logf("moments %.4f %.4f %.4f %.4f, pair correlation %.4f, KS %.4g, max |z| %.3f", m[1], m[2], m[3], m[4], pair/(n/2), d, top)
	})
}

// A fill is determined by the seed, and a short fill is the start of a
// longer one from the same state (the surplus of the last block is
// discarded, never carried over).
func TestFillNormalDeterministic(t *testing.T) {
	onPaths(t, func(t *testing.T, _ bool) {
		full := make([]float32, 600)
		FillNormal(full, rand.New(rand.NewPCG(5, 6)))
		for _, n := range []int{1, 7, 15, 16, 17, 255, 256, 257, 600} {
			got := out(n)
			FillNormal(got, rand.New(rand.NewPCG(5, 6)))
			checkSentinels(t, fmt.Sprint("FillNormal ", n), got)
			for i := range got {
				if got[i] != full[i] {
					t.Fatalf("n=%d: value %d = %v, %v in a fill of 600", n, i, got[i], full[i])
				}
			}
		}
	})
}

// FillNormalPCG draws what FillNormal draws from rand.New of the same
// PCG, value for value, and leaves the PCG where FillNormal leaves it: at
// every length (partial blocks, chunked parallel fills, several calls in
// a row), for seeds with high bits set, on both paths and at 1, 2 and 7
// threads, allocating nothing.
func TestFillNormalPCG(t *testing.T) {
	for _, threads := range []int{1, 2, 7} {
		old := SetThreads(threads)
		onPaths(t, func(t *testing.T, _ bool) {
			for _, seed := range [][2]uint64{{5, 6}, {1<<63 | 12345, ^uint64(0)}, {0, 0}} {
				a, b := rand.NewPCG(seed[0], seed[1]), rand.NewPCG(seed[0], seed[1])
				rb := rand.New(b)
				for _, n := range []int{0, 1, 7, 15, 16, 17, 255, 256, 257, 600, 2*normalChunk - 1, 2 * normalChunk, 5*normalChunk + 33, 131072} {
					got, want := out(n), out(n)
					FillNormalPCG(got, a)
					FillNormal(want, rb)
					checkSentinels(t, fmt.Sprint("FillNormalPCG ", n), got)
					for i := range got {
						if !sameBits(got[i], want[i]) {
							t.Fatalf("%d threads, seed %v, n=%d: value %d = %v, FillNormal %v", threads, seed, n, i, got[i], want[i])
						}
					}
					if x, y := a.Uint64(), b.Uint64(); x != y {
						t.Fatalf("%d threads, seed %v, n=%d: the PCG's next draw is %x, FillNormal's %x", threads, seed, n, x, y)
					}
				}
			}
		})
		src, dst := rand.NewPCG(1, 2), make([]float32, 5*normalChunk)
		FillNormalPCG(dst, src)
		if n := testing.AllocsPerRun(10, func() { FillNormalPCG(dst, src) }); n != 0 {
			t.Errorf("%d threads: %v allocations per fill", threads, n)
		}
		SetThreads(old)
	}
}

// SumRows and Axpy64 give the same bits on both paths (the rows are added
// in the same order), for every width and row count.
func TestSumRowsAxpy64Exact(t *testing.T) {
	if !HasAsmKernel() {
		t.Skip("no assembly on this machine or build")
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for _, cols := range append(vecLengths, 32, 40, 64, 65, 784) {
		for _, rows := range []int{0, 1, 2, 7, 33} {
			m := FromSlice(rows, cols, vecInput(rng, rows*cols))
			start := vecInput(rng, cols)
			for _, beta := range []float32{0, 1, 0.5} {
				got, want := clone(start), clone(start)
				SumRows(m, beta, got)
				portable(func() { SumRows(m, beta, want) })
				checkSentinels(t, "SumRows", got)
				for j := range got {
					if !sameBits(got[j], want[j]) {
						t.Fatalf("SumRows %d×%d beta %v: column %d = %v, portable %v", rows, cols, beta, j, got[j], want[j])
					}
				}
			}
		}
		x, y := make([]float64, cols), make([]float64, cols+3)
		for i := range x {
			x[i] = rng.NormFloat64() * 1e3
		}
		for i := range y {
			y[i] = rng.NormFloat64()
		}
		got, want := append([]float64(nil), y...), append([]float64(nil), y...)
		Axpy64(-0.123, x, got)
		portable(func() { Axpy64(-0.123, x, want) })
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Axpy64 n=%d: y[%d] = %v, portable %v", cols, i, got[i], want[i])
			}
		}
	}
}

// MaxArg and MaxArgFrom give the same values and positions on both paths,
// ties and NaN included, at every length.
func TestMaxArgExact(t *testing.T) {
	if !HasAsmKernel() {
		t.Skip("no assembly on this machine or build")
	}
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range vecLengths {
		dst, src := vecInput(rng, n), vecInput(rng, n)
		for i := range src {
			if i%4 == 0 {
				src[i] = dst[i] // ties keep dst
			}
		}
		arg := make([]int32, n)
		for i := range arg {
			arg[i] = -int32(i)
		}
		d1, a1 := clone(dst), append([]int32(nil), arg...)
		MaxArg(d1, a1, src, 1000)
		d2, a2 := clone(dst), append([]int32(nil), arg...)
		portable(func() { MaxArg(d2, a2, src, 1000) })
		checkSentinels(t, "MaxArg", d1)
		// MaxArgFrom with positions 1000+j must do the same.
		from := make([]int32, n)
		for i := range from {
			from[i] = 1000 + int32(i)
		}
		d3, a3 := clone(dst), append([]int32(nil), arg...)
		MaxArgFrom(d3, a3, src, from)
		d4, a4 := clone(dst), append([]int32(nil), arg...)
		portable(func() { MaxArgFrom(d4, a4, src, from) })
		for i := range d3 {
			if !sameBits(d3[i], d2[i]) || a3[i] != a2[i] || !sameBits(d4[i], d2[i]) || a4[i] != a2[i] {
				t.Fatalf("n=%d: MaxArgFrom [%d] = %v at %d (portable %v at %d), MaxArg %v at %d", n, i, d3[i], a3[i], d4[i], a4[i], d2[i], a2[i])
			}
		}
		for i := range d1 {
			if !sameBits(d1[i], d2[i]) || a1[i] != a2[i] {
				t.Fatalf("n=%d: [%d] = %v at %d, portable %v at %d (dst %v, src %v)", n, i, d1[i], a1[i], d2[i], a2[i], dst[i], src[i])
			}
			if src[i] > dst[i] != (a2[i] == 1000+int32(i)) {
				t.Fatalf("n=%d: [%d] position %d for dst %v, src %v", n, i, a2[i], dst[i], src[i])
			}
		}
	}
}

// Long element-wise calls and optimiser updates, cut into chunks over two
// or seven threads, give the same bits as on one thread (in place too), and
// allocate nothing.
func TestVecParallelSameBits(t *testing.T) {
	onPaths(t, func(t *testing.T, _ bool) {
		rng := rand.New(rand.NewPCG(8, 8))
		n := vecParallelMin + 3*vecChunk + 13
		x, y := vecInput(rng, n), vecInput(rng, n)
		sq := make([]float32, n) // a second moment for Adam
		for i, v := range y {
			sq[i] = v * v
		}
		runs := func() [][]float32 {
			a, b, c, d := out(n), out(n), clone(y), clone(x)
			Tanh(a, x)
			SigmoidBackward(b, x, y)
			Axpy(0.5, x, c)
			Sigmoid(d, d)
			mp, mv := clone(x), clone(y)
			MomentumStep(mp, y, mv, 0.01, 0.9)
			ap, am, av := clone(x), clone(y), clone(sq)
			AdamStep(ap, x, am, av, 1e-3, 0.9, 0.999, 1e-8)
			return [][]float32{a, b, c, d, mp, mv, ap, am, av}
		}
		prev := SetThreads(1)
		one := runs()
		for _, threads := range []int{2, 7} {
			SetThreads(threads)
			two := runs()
			for k := range one {
				checkSentinels(t, "split call", two[k])
				for i := range one[k] {
					if !sameBits(one[k][i], two[k][i]) {
						t.Fatalf("call %d: [%d] = %v on %d threads, %v on one", k, i, two[k][i], threads, one[k][i])
					}
				}
			}
		}
		SetThreads(2)
		m, v := clone(y), clone(sq)
		if a := testing.AllocsPerRun(5, func() {
			Axpy(0.5, x, y)
			Tanh(y, x)
			MomentumStep(y, x, m, 0.01, 0.9)
			AdamStep(y, x, m, v, 1e-3, 0.9, 0.999, 1e-8)
		}); a != 0 {
			t.Errorf("%v allocations with two threads", a)
		}
		SetThreads(prev)
	})
}

// ColMaxArg gives, on both paths, what copying row 0 and then MaxArg with
// each further row gives: the same values (NaN, ±0 and ties included) and
// the same positions.
func TestColMaxArgExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range vecLengths {
		for _, rows := range []int{1, 2, 3, 5} {
			ld := n + 3
			src := vecInput(rng, (rows-1)*ld+n)
			for i := ld; i < len(src); i++ {
				if i%5 == 0 {
					src[i] = src[i-ld] // ties with the row above keep it
				}
			}
			want, wantArg := out(n), make([]int32, n)
			copy(want, src[:n])
			for j := range wantArg {
				wantArg[j] = 40 + int32(j)
			}
			for r := 1; r < rows; r++ {
				portable(func() { MaxArg(want, wantArg, src[r*ld:r*ld+n], 40+int32(r*ld)) })
			}
			onPaths(t, func(t *testing.T, _ bool) {
				got, arg := out(n), make([]int32, n)
				ColMaxArg(got, arg, src, rows, ld, 40)
				checkSentinels(t, "ColMaxArg", got)
				for j := range got {
					if !sameBits(got[j], want[j]) || arg[j] != wantArg[j] {
						t.Fatalf("n=%d rows=%d: [%d] = %v at %d, want %v at %d", n, rows, j, got[j], arg[j], want[j], wantArg[j])
					}
				}
			})
		}
	}
}

// Deinterleave2 copies the even and odd positions, bits and indices, on
// both paths at every length.
func TestDeinterleave2(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range append(vecLengths, 32, 47, 64) {
		v := vecInput(rng, n)
		va := make([]int32, n)
		for i := range va {
			va[i] = int32(rng.Uint32())
		}
		onPaths(t, func(t *testing.T, _ bool) {
			e, o := out((n+1)/2), out(n/2)
			ea, oa := make([]int32, (n+1)/2), make([]int32, n/2)
			Deinterleave2(e, o, ea, oa, v, va)
			checkSentinels(t, "even", e)
			checkSentinels(t, "odd", o)
			for i := range v {
				got, ga := e, ea
				if i%2 == 1 {
					got, ga = o, oa
				}
				if !sameBits(got[i/2], v[i]) || ga[i/2] != va[i] {
					t.Fatalf("n=%d: value %d went to %v at %d, want %v at %d", n, i, got[i/2], ga[i/2], v[i], va[i])
				}
			}
		})
	}
}
