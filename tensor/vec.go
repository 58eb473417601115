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
// Exactness: Axpy, Scale, ScaleTo, Add, SigmoidBackward, TanhBackward,
// MomentumStep and AdamStep do the same float32 operations in the same
// order on both paths (no fused multiply-add), so they agree bit for bit.
// Exp, Sigmoid and Tanh follow one algorithm on both paths, but the
// assembly evaluates its polynomials with fused multiply-adds and rounds
// to nearest where the Go code rounds half up: the two agree within a few
// ulp (see the tests), and each is within 4e-7 relative of the exact
// function. FillNormal's paths differ by float32 rounding (see there).

// vecAsm reports whether the element-wise kernels use their assembly.
func vecAsm() bool { return hasAsmKernel && !forceGeneric.Load() }

// Exp sets dst[i] = e^{x[i]}: +Inf above 88.37 (within a factor 1.5 of
// float32 overflow), 0 below −87.3 (no subnormal results), NaN for NaN.
func Exp(dst, x []float32) {
	x = x[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			expAVX2(&dst[0], &x[0], len(dst))
		}
		return
	}
	for i, v := range x {
		dst[i] = exp32(v)
	}
}

// Sigmoid sets dst[i] = 1/(1 + e^{−x[i]}).
func Sigmoid(dst, x []float32) {
	x = x[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			sigmoidAVX2(&dst[0], &x[0], len(dst))
		}
		return
	}
	for i, v := range x {
		dst[i] = sigmoid32(v)
	}
}

// Tanh sets dst[i] = tanh(x[i]).
func Tanh(dst, x []float32) {
	x = x[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			tanhAVX2(&dst[0], &x[0], len(dst))
		}
		return
	}
	for i, v := range x {
		dst[i] = tanh32(v)
	}
}

// SigmoidBackward sets dst[i] = dy[i]·y[i]·(1 − y[i]), the error before a
// sigmoid given the error dy after it and its output y.
func SigmoidBackward(dst, dy, y []float32) {
	dy, y = dy[:len(dst)], y[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			sigmoidGradAVX2(&dst[0], &dy[0], &y[0], len(dst))
		}
		return
	}
	for i, g := range dy {
		dst[i] = g * (y[i] * (1 - y[i]))
	}
}

// TanhBackward sets dst[i] = dy[i]·(1 − y[i]²), the error before a tanh
// given the error dy after it and its output y.
func TanhBackward(dst, dy, y []float32) {
	dy, y = dy[:len(dst)], y[:len(dst)]
	if vecAsm() {
		if len(dst) > 0 {
			tanhGradAVX2(&dst[0], &dy[0], &y[0], len(dst))
		}
		return
	}
	for i, g := range dy {
		dst[i] = g * (1 - y[i]*y[i])
	}
}

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
