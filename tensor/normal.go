package tensor

import (
	"encoding/binary"
	"math"
	"math/bits"
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
func FillNormal(dst []float32, rng *rand.Rand) { fillNormal(dst, rng, nil) }

// FillNormalPCG is FillNormal for the stream of rand.New(src), drawn from
// src directly: the same values, and src left in the same state, as
// FillNormal(dst, rand.New(src)) gives. The generator runs inline, and a
// long fill is cut into chunks of normalChunk values spread over the
// kernel threads, each chunk starting from the state the draws before it
// leave (the LCG jumps ahead in one step), so the values do not depend on
// the thread count.
func FillNormalPCG(dst []float32, src *rand.PCG) {
	if len(dst) == 0 {
		return
	}
	var buf [20]byte
	b, _ := src.AppendBinary(buf[:0]) // "pcg:", then the state's high and low words
	p := pcg{binary.BigEndian.Uint64(b[4:12]), binary.BigEndian.Uint64(b[12:20])}
	if t := Threads(); t > 1 && len(dst) >= 2*normalChunk {
		ws := getWorkspace()
		task := &ws.normal
		if task.run == nil {
			task.run = task.chunk
		}
		task.dst, task.start = dst, p
		ws.parallel((len(dst)+normalChunk-1)/normalChunk, t, task.run)
		task.dst = nil
		putWorkspace(ws)
		p = jump(p, uint64(8*((len(dst)+15)/16))) // FillNormal's draws: eight per block of 16, the last block whole
	} else {
		fillNormal(dst, nil, &p) // advances p by the draws
	}
	src.Seed(p.hi, p.lo)
}

// normalChunk is how many values a chunk of a parallel FillNormalPCG
// holds: a multiple of 16 (whole blocks), about 5 µs of work.
const normalChunk = 1 << 11

// normalTask is a FillNormalPCG cut into chunks for Parallel.
type normalTask struct {
	dst   []float32
	start pcg
	run   func(i, slot int) // chunk, as a func made once
}

func (t *normalTask) chunk(i, _ int) {
	lo, hi := i*normalChunk, min((i+1)*normalChunk, len(t.dst))
	p := jump(t.start, uint64(lo/2)) // eight draws per 16 values before lo
	fillNormal(t.dst[lo:hi], nil, &p)
}

// pcg is math/rand/v2's PCG, a 128-bit LCG (state ← state·mul + inc mod
// 2¹²⁸) with the DXSM output, run inline for FillNormalPCG;
// TestFillNormalPCG checks it against the standard library draw for draw.
type pcg struct{ hi, lo uint64 }

const (
	pcgMulHi = 2549297995355413924
	pcgMulLo = 4865540595714422341
	pcgIncHi = 6364136223846793005
	pcgIncLo = 1442695040888963407
)

// mul128 returns a·b mod 2¹²⁸ for a = (ahi, alo), b = (bhi, blo).
func mul128(ahi, alo, bhi, blo uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(alo, blo)
	return hi + ahi*blo + alo*bhi, lo
}

// add128 returns a + b mod 2¹²⁸.
func add128(ahi, alo, bhi, blo uint64) (hi, lo uint64) {
	lo, c := bits.Add64(alo, blo, 0)
	hi, _ = bits.Add64(ahi, bhi, c)
	return hi, lo
}

// jump returns the state k draws after p: the LCG's k-fold map
// x ← x·mᵏ + c(mᵏ⁻¹ + … + 1), built by squaring.
func jump(p pcg, k uint64) pcg {
	mh, ml, ch, cl := uint64(0), uint64(1), uint64(0), uint64(0) // the map to apply: identity
	sh, sl, dh, dl := uint64(pcgMulHi), uint64(pcgMulLo), uint64(pcgIncHi), uint64(pcgIncLo)
	for ; k > 0; k >>= 1 {
		if k&1 != 0 { // (m, c) ← (m·s, c·s + d): first the map so far, then the square
			mh, ml = mul128(mh, ml, sh, sl)
			ch, cl = mul128(ch, cl, sh, sl)
			ch, cl = add128(ch, cl, dh, dl)
		}
		// (s, d) ← (s², d·s + d): the map applied twice
		nh, nl := mul128(dh, dl, sh, sl)
		dh, dl = add128(nh, nl, dh, dl)
		sh, sl = mul128(sh, sl, sh, sl)
	}
	p.hi, p.lo = mul128(p.hi, p.lo, mh, ml)
	p.hi, p.lo = add128(p.hi, p.lo, ch, cl)
	return p
}

// uint64 advances the state by one draw and returns its output.
func (p *pcg) uint64() uint64 {
	p.hi, p.lo = mul128(p.hi, p.lo, pcgMulHi, pcgMulLo)
	p.hi, p.lo = add128(p.hi, p.lo, pcgIncHi, pcgIncLo)
	const cheapMul = 0xda942042e4dd58b5
	hi := p.hi
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	hi *= p.lo | 1
	return hi
}

// fillNormal is FillNormal drawing from rng, or from p when rng is nil.
func fillNormal(dst []float32, rng *rand.Rand, p *pcg) {
	var bits [8 * normalBlocks]uint64
	var tail [16]float32
	for len(dst) > 0 {
		blocks, out := min(len(dst)/16, normalBlocks), dst
		if blocks == 0 { // the last, partial block
			blocks, out = 1, tail[:]
		}
		if rng != nil {
			for i := range bits[:8*blocks] {
				bits[i] = rng.Uint64()
			}
		} else {
			for i := range bits[:8*blocks] {
				bits[i] = p.uint64()
			}
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
