package tensor

import "math"

// Element-wise kernels. On amd64 with AVX2 and FMA they run as assembly
// (vec_amd64.s), eight values per instruction, unless the build has the
// purego tag or UseGeneric(true) is in effect; elsewhere they run as the
// portable Go below, which the tests hold the assembly to. dst may be the
// same slice as an input (element i is read before it is written) but
// must not otherwise overlap one. Slices after the first have at least
// len(dst) elements.
//
// Exactness: Axpy, Axpy64, Scale, ScaleTo, Add, SumRows, ReLU,
// ReLUBackward, SigmoidBackward, TanhBackward, MomentumStep and AdamStep do the same
// float32 operations in the same order on both paths, with no fused
// multiply-add (the Go code converts each product explicitly, which the
// language spec says prevents fusion even under GOAMD64=v3), so they
// agree bit for bit.
// Sigmoid and Tanh follow one algorithm on both paths, but the
// assembly evaluates its polynomials with fused multiply-adds and rounds
// to nearest where the Go code rounds half up: the two agree within a few
// ulp (see the tests), and each is within 4e-7 relative of the exact
// function. FillNormal's paths differ by float32 rounding (see there).

// vecAsm reports whether the element-wise kernels use their assembly.
func vecAsm() bool { return hasAsmKernel && !forceGeneric.Load() }

// The operations of vec: dst[i] = f(a[i], b[i]) with the scalar s.
const (
	opSigmoid     = iota // σ(a)
	opTanh               // tanh(a)
	opSigmoidGrad        // a·b(1 − b): the error a through a sigmoid of output b
	opTanhGrad           // a·(1 − b²)
	opAdd                // a + b
	opAxpy               // a + s·b
	opScale              // s·a
	opReLU               // max(a, 0)
	opReLUGrad           // a·[b > 0]: the error a through a ReLU of output b
)

// vec runs op on dst from a and b (at least len(dst) values each; unary
// operations ignore b): the assembly where available, else the Go loops.
func vec(op int, dst, a, b []float32, s float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	if vecAsm() {
		vecAVX2(op, dst, a, b, s)
		return
	}
	vecGo(op, dst, a, b, s)
}

// vecGo is the portable code of every operation. The exact ones (from
// opSigmoidGrad on) round each operation as the assembly does, products
// converted explicitly so that no multiply-add is fused.
func vecGo(op int, dst, a, b []float32, s float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	switch op {
	case opSigmoid:
		for i, v := range a {
			dst[i] = sigmoid32(v)
		}
	case opTanh:
		for i, v := range a {
			dst[i] = tanh32(v)
		}
	case opSigmoidGrad:
		for i, g := range a {
			dst[i] = g * (b[i] * (1 - b[i]))
		}
	case opTanhGrad:
		for i, g := range a {
			dst[i] = g * (1 - float32(b[i]*b[i]))
		}
	case opAdd:
		for i, v := range a {
			dst[i] = v + b[i]
		}
	case opAxpy:
		for i, v := range a {
			dst[i] = v + float32(s*b[i])
		}
	case opScale:
		for i, v := range a {
			dst[i] = s * v
		}
	case opReLU:
		for i, v := range a {
			dst[i] = max(v, 0)
		}
	case opReLUGrad:
		for i, g := range a {
			var d float32
			if b[i] > 0 {
				d = 1
			}
			dst[i] = g * d
		}
	}
}

// vecAVX2 runs the assembly kernel op on dst and the inputs a and b (a
// and b have at least len(dst) values; unary kernels ignore b, and s is
// the scalar of opAxpy and opScale). Long calls are cut into chunks of
// vecChunk values spread over the kernel threads; each value is computed
// the same way whatever the cut.
func vecAVX2(op int, dst, a, b []float32, s float32) {
	if t := Threads(); t > 1 && len(dst) >= vecParallelMin {
		ws := getWorkspace()
		v := &ws.vec
		if v.run == nil {
			v.run = v.chunk
		}
		v.op, v.dst, v.a, v.b, v.s = op, dst, a[:len(dst)], b[:len(dst)], s
		ws.parallel((len(dst)+vecChunk-1)/vecChunk, t, v.run)
		v.dst, v.a, v.b = nil, nil, nil
		putWorkspace(ws)
		return
	}
	vecSerial(op, dst, a, b, s)
}

// vecChunk and vecParallelMin: element-wise calls of at least
// vecParallelMin values are split over threads in chunks of vecChunk
// (64 KiB of float32, a few µs of work: more than a hand-off to a running
// worker costs). Chunks are multiples of 8 values, so only the last one
// has a padded tail.
const (
	vecChunk       = 1 << 14
	vecParallelMin = 4 * vecChunk
)

// vecTask is an element-wise call cut into chunks for Parallel.
type vecTask struct {
	op        int
	dst, a, b []float32
	s         float32
	run       func(i, slot int) // chunk, as a func made once
}

func (v *vecTask) chunk(i, _ int) {
	lo, hi := i*vecChunk, min((i+1)*vecChunk, len(v.dst))
	vecSerial(v.op, v.dst[lo:hi], v.a[lo:hi], v.b[lo:hi], v.s)
}

// vecSerial runs the assembly kernel op on the calling goroutine. The
// kernels take whole groups of eight; the last 1–7 values of an exact
// operation go through vecGo (the same bits), those of sigmoid and tanh
// through one zero-padded group on the stack, so that every value comes
// from the same instructions.
func vecSerial(op int, dst, a, b []float32, s float32) {
	n := len(dst) &^ 7
	if n > 0 {
		callAVX2(op, &dst[0], &a[0], &b[0], n, s)
	}
	if n < len(dst) && op >= opSigmoidGrad {
		vecGo(op, dst[n:], a[n:], b[n:], s)
		return
	}
	if n < len(dst) {
		var pd, pa, pb [8]float32
		copy(pa[:], a[n:len(dst)])
		copy(pb[:], b[n:len(dst)])
		callAVX2(op, &pd[0], &pa[0], &pb[0], 8, s)
		copy(dst[n:], pd[:])
	}
}

func callAVX2(op int, dst, a, b *float32, n int, s float32) {
	switch op {
	case opSigmoid:
		sigmoidAVX2(dst, a, b, n, s)
	case opTanh:
		tanhAVX2(dst, a, b, n, s)
	case opSigmoidGrad:
		sigmoidGradAVX2(dst, a, b, n, s)
	case opTanhGrad:
		tanhGradAVX2(dst, a, b, n, s)
	case opAdd:
		addAVX2(dst, a, b, n, s)
	case opAxpy:
		axpyAVX2(dst, a, b, n, s)
	case opScale:
		scaleAVX2(dst, a, b, n, s)
	case opReLU:
		reluAVX2(dst, a, b, n, s)
	case opReLUGrad:
		reluGradAVX2(dst, a, b, n, s)
	}
}

// Sigmoid sets dst[i] = 1/(1 + e^{−x[i]}).
func Sigmoid(dst, x []float32) { vec(opSigmoid, dst, x, x, 0) }

// Tanh sets dst[i] = tanh(x[i]).
func Tanh(dst, x []float32) { vec(opTanh, dst, x, x, 0) }

// SigmoidBackward sets dst[i] = dy[i]·y[i]·(1 − y[i]), the error before a
// sigmoid given the error dy after it and its output y.
func SigmoidBackward(dst, dy, y []float32) { vec(opSigmoidGrad, dst, dy, y, 0) }

// TanhBackward sets dst[i] = dy[i]·(1 − y[i]²), the error before a tanh
// given the error dy after it and its output y.
func TanhBackward(dst, dy, y []float32) { vec(opTanhGrad, dst, dy, y, 0) }

// ReLU sets dst[i] = max(x[i], 0) (as Go's max: NaN stays NaN, −0
// becomes 0).
func ReLU(dst, x []float32) { vec(opReLU, dst, x, x, 0) }

// ReLUBackward sets dst[i] = dy[i]·[y[i] > 0], the error before a ReLU
// given the error dy after it and its output y.
func ReLUBackward(dst, dy, y []float32) { vec(opReLUGrad, dst, dy, y, 0) }

// exp32 returns e^x in float32 arithmetic to within about 2 ulp (math.Exp
// in float64 dominated conv training). x = n·ln2 + r with |r| ≤ ln2/2; e^r
// by a degree-7 Taylor polynomial (truncation below 2e-9 relative); 2^n
// by building the exponent bits.
func exp32(x float32) float32 {
	switch {
	case x > 88.37: // keeps 2^n finite (n ≤ 127); past it e^x is within 1.5× of float32 overflow
		return float32(math.Inf(1))
	case x < -87.3:
		return 0
	}
	const ln2hi, ln2lo, log2e = 0.693145751953125, 1.428606765330187045e-06, 1.4426950408889634
	t := x*log2e + 0.5
	k := int32(t) // truncates toward zero: step down for negative non-integers
	if float32(k) > t {
		k--
	}
	n := float32(k)
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// tanh32 returns tanh(x): an odd Taylor polynomial near 0 (|x| < 0.25,
// truncation below 3e-9), (e^{2x} − 1)/(e^{2x} + 1) elsewhere, ±1 beyond
// |x| > 9 where float32 cannot tell.
func tanh32(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	var t float32
	switch {
	case a < 0.25:
		a2 := a * a
		t = a * (1 + a2*(-1.0/3+a2*(2.0/15+a2*(-17.0/315+a2*(62.0/2835)))))
	case a > 9:
		t = 1
	default:
		e := exp32(2 * a)
		t = (e - 1) / (e + 1)
	}
	if x < 0 {
		return -t
	}
	return t
}

// sigmoid32 returns 1/(1 + e^{−x}).
func sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + exp32(-x))
	}
	e := exp32(x)
	return e / (1 + e)
}
