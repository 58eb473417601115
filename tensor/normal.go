package tensor

import (
	"math"
	"math/rand/v2"
)

// FillNormal fills dst with standard normal draws computed from rng's
// Uint64 stream by the Box–Muller transform, in float32. It draws eight
// Uint64 for every 16 values (the last block's surplus values are
// discarded), so the same rng state always gives the same values.
//
// Each block of eight Uint64, as sixteen 32-bit words w[0…15] (low half
// first), gives 16 values: value j and value 8+j (j < 8) are
// r·(cos θ, sin θ) with r = √(−2 ln u),
//
//	u = (float32(w[j] >> 1) + ½)·2⁻³¹           (31 bits; u in (0, 1])
//	θ = q·π/2 + φ, q = w[8+j] >> 30,
//	φ = (float32(w[8+j] mod 2³⁰) + ½)·(π/2)·2⁻³⁰ − π/4.
//
// For u and θ uniform this is exactly a pair of independent N(0, 1)
// values. What differs from the exact distribution: u takes 2³¹ values
// (rounded to float32's 24 bits above 2⁻⁷), so |value| ≤ √(64 ln 2) ≈
// 6.66 and the 2.7e-11 of the normal's mass beyond is missing; θ takes
// 2³² values; and r, cos φ and sin φ carry float32 rounding, below 1e-6
// relative in the assembly (float32 polynomials for ln, sin and cos),
// less in the portable path (float64 math), so the two paths agree to
// about 1e-6·(1 + |value|) but not bit for bit.
func FillNormal(dst []float32, rng *rand.Rand) {
	var bits [8 * normalBlocks]uint64
	var tail [16]float32
	for len(dst) > 0 {
		blocks, out := min(len(dst)/16, normalBlocks), dst
		if blocks == 0 { // the last, partial block
			blocks, out = 1, tail[:]
		}
		for i := range bits[:8*blocks] {
			bits[i] = rng.Uint64()
		}
		if vecAsm() {
			normalsAVX2(&out[0], &bits[0], blocks)
		} else {
			normalsGeneric(out[:16*blocks], bits[:8*blocks])
		}
		n := copy(dst, out[:16*blocks])
		dst = dst[n:]
	}
}

// normalBlocks is how many blocks of 16 values FillNormal converts per
// call of the kernel.
const normalBlocks = 16

// normalsGeneric is the portable FillNormal kernel: len(dst) = 2·len(bits).
func normalsGeneric(dst []float32, bits []uint64) {
	const angScale = float32(math.Pi/2) * 0x1p-30
	for b := 0; b < len(bits)/8; b++ {
		var w [16]uint32
		for i, v := range bits[8*b : 8*b+8] {
			w[2*i], w[2*i+1] = uint32(v), uint32(v>>32)
		}
		out := dst[16*b : 16*b+16]
		for j := 0; j < 8; j++ {
			u := (float32(int32(w[j]>>1)) + 0.5) * 0x1p-31
			phi := (float32(int32(w[8+j]&(1<<30-1)))+0.5)*angScale - float32(math.Pi/4)
			r := math.Sqrt(-2 * math.Log(float64(u)))
			s, c := math.Sincos(float64(phi))
			q := w[8+j] >> 30
			if q&1 != 0 {
				s, c = c, s
			}
			if q == 1 || q == 2 {
				c = -c
			}
			if q >= 2 {
				s = -s
			}
			out[j], out[8+j] = float32(r*c), float32(r*s)
		}
	}
}
