package nn

import "math"

// exp32 returns e^x in float32 arithmetic to within about 2 ulp, for the
// activations' inner loops (math.Exp in float64 dominated conv training).
// x = n·ln2 + r with |r| ≤ ln2/2; e^r by a degree-7 Taylor polynomial
// (truncation below 2e-9 relative); 2^n by building the exponent bits.
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
