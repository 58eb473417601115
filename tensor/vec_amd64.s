//go:build !purego

#include "textflag.h"

// Element-wise kernels for vec.go and elementwise.go (AVX2 and FMA; the
// Go wrappers check the CPU). Each processes n values, n a multiple of
// eight (four for float64): the wrappers take the last few through their
// Go loop where it gives the same bits, else (sigmoid, tanh) through a
// padded group on the stack. (Masked loads and stores, VMASKMOVPS, would
// avoid that, but cost about 100 ns each on the AMD cores measured.)
// The algorithms are those of the portable Go code; see there for
// accuracy.

// EXPY0 sets Y0 ← e^Y0 as exp32 does: n = round(x·log2e), r = x − n·ln2
// (two parts), e^r by its degree-7 Taylor polynomial, 2^n from the
// exponent bits; +Inf above 88.37, 0 below −87.3, NaN stays NaN.
// Clobbers Y1–Y3.
#define EXPY0 \
	VMULPS       log2e<>(SB), Y0, Y1; \
	VROUNDPS     $0, Y1, Y1; \
	VMOVAPS      Y0, Y2; \
	VFNMADD231PS ln2hi<>(SB), Y1, Y2; \
	VFNMADD231PS ln2lo<>(SB), Y1, Y2; \
	VMOVUPS      e7<>(SB), Y3; \
	VFMADD213PS  e6<>(SB), Y2, Y3; \
	VFMADD213PS  e5<>(SB), Y2, Y3; \
	VFMADD213PS  e4<>(SB), Y2, Y3; \
	VFMADD213PS  e3<>(SB), Y2, Y3; \
	VFMADD213PS  e2<>(SB), Y2, Y3; \
	VFMADD213PS  one<>(SB), Y2, Y3; \
	VFMADD213PS  one<>(SB), Y2, Y3; \
	VCVTPS2DQ    Y1, Y1; \
	VPADDD       bias127<>(SB), Y1, Y1; \
	VPSLLD       $23, Y1, Y1; \
	VMULPS       Y1, Y3, Y3; \
	VCMPPS       $0x1e, exphi<>(SB), Y0, Y1; \
	VBLENDVPS    Y1, inf<>(SB), Y3, Y3; \
	VCMPPS       $0x11, explo<>(SB), Y0, Y1; \
	VANDNPS      Y3, Y1, Y0

// SIGMOID_BODY: e = e^{−|x|}, σ = (x ≥ 0 ? 1 : e)/(1 + e).
#define SIGMOID_BODY \
	VORPS     signbit<>(SB), Y4, Y0; \
	EXPY0; \
	VADDPS    one<>(SB), Y0, Y1; \
	VXORPS    Y2, Y2, Y2; \
	VCMPPS    $0x1d, Y2, Y4, Y2; \
	VBLENDVPS Y2, one<>(SB), Y0, Y0; \
	VDIVPS    Y1, Y0, Y0

// TANH_BODY: a = |x|; (e^{2a} − 1)/(e^{2a} + 1) with a capped at 9, or the
// odd polynomial below a = 0.25; the sign of x; NaN stays NaN.
#define TANH_BODY \
	VANDPS      absmask<>(SB), Y4, Y5; \
	VMINPS      nine<>(SB), Y5, Y0; \
	VADDPS      Y0, Y0, Y0; \
	EXPY0; \
	VSUBPS      one<>(SB), Y0, Y1; \
	VADDPS      one<>(SB), Y0, Y0; \
	VDIVPS      Y0, Y1, Y1; \
	VMULPS      Y5, Y5, Y2; \
	VMOVUPS     t9<>(SB), Y3; \
	VFMADD213PS t7<>(SB), Y2, Y3; \
	VFMADD213PS t5<>(SB), Y2, Y3; \
	VFMADD213PS t3<>(SB), Y2, Y3; \
	VFMADD213PS one<>(SB), Y2, Y3; \
	VMULPS      Y5, Y3, Y3; \
	VCMPPS      $0x11, quarter<>(SB), Y5, Y2; \
	VBLENDVPS   Y2, Y3, Y1, Y1; \
	VANDPS      signbit<>(SB), Y4, Y2; \
	VORPS       Y2, Y1, Y1; \
	VCMPPS      $3, Y4, Y4, Y2; \
	VBLENDVPS   Y2, Y4, Y1, Y0

// UNARY and BINARY define func name(dst, a, b *float32, n int, s float32),
// the signature of every kernel behind vec.go's vec: BODY maps a in Y4
// (BINARY: and b in Y5) and s, broadcast in Y14, to the result in Y0,
// clobbering Y0–Y7 only. UNARY does not load b (vec passes a again). The
// loop starts 64-byte aligned: where it falls otherwise moved the short
// loops (add, axpy, scale) by up to 1.7× in L1-resident benchmarks.
#define UNARY(name, BODY) \
TEXT name(SB), NOSPLIT, $0-36; \
	VBROADCASTSS s+32(FP), Y14; \
	MOVQ  dst+0(FP), DI; \
	MOVQ  a+8(FP), SI; \
	MOVQ  n+24(FP), CX; \
	SHRQ  $3, CX; \
	JZ    done; \
	PCALIGN $64; \
loop: \
	VMOVUPS (SI), Y4; \
	BODY; \
	VMOVUPS Y0, (DI); \
	ADDQ    $32, SI; \
	ADDQ    $32, DI; \
	DECQ    CX; \
	JNZ     loop; \
done: \
	VZEROUPPER; \
	RET

#define BINARY(name, BODY) \
TEXT name(SB), NOSPLIT, $0-36; \
	VBROADCASTSS s+32(FP), Y14; \
	MOVQ  dst+0(FP), DI; \
	MOVQ  a+8(FP), SI; \
	MOVQ  b+16(FP), DX; \
	MOVQ  n+24(FP), CX; \
	SHRQ  $3, CX; \
	JZ    done; \
	PCALIGN $64; \
loop: \
	VMOVUPS (SI), Y4; \
	VMOVUPS (DX), Y5; \
	BODY; \
	VMOVUPS Y0, (DI); \
	ADDQ    $32, SI; \
	ADDQ    $32, DX; \
	ADDQ    $32, DI; \
	DECQ    CX; \
	JNZ     loop; \
done: \
	VZEROUPPER; \
	RET

// dy·(y·(1 − y)), dy in Y4, y in Y5.
#define SIGMOIDGRAD_BODY \
	VMOVUPS one<>(SB), Y0; \
	VSUBPS  Y5, Y0, Y0; \
	VMULPS  Y5, Y0, Y0; \
	VMULPS  Y4, Y0, Y0

// dy·(1 − y·y).
#define TANHGRAD_BODY \
	VMULPS  Y5, Y5, Y1; \
	VMOVUPS one<>(SB), Y0; \
	VSUBPS  Y1, Y0, Y0; \
	VMULPS  Y4, Y0, Y0

// a + b.
#define ADD_BODY \
	VADDPS Y5, Y4, Y0

// a + s·b.
#define AXPY_BODY \
	VMULPS Y14, Y5, Y0; \
	VADDPS Y0, Y4, Y0

// s·a.
#define SCALE_BODY \
	VMULPS Y14, Y4, Y0

// max(a, 0) as Go's max: a where a > 0 or a is NaN (compare "not less
// or equal", unordered true), else +0 (so −0 becomes 0).
#define RELU_BODY \
	VXORPS  Y1, Y1, Y1; \
	VCMPPS  $0x06, Y1, Y4, Y0; \
	VANDPS  Y4, Y0, Y0

// dy·(y > 0 ? 1 : 0), dy in Y4, y in Y5: the product, as the Go code,
// so that dy = ±Inf or NaN gives what it gives there.
#define RELUGRAD_BODY \
	VXORPS  Y1, Y1, Y1; \
	VCMPPS  $0x1e, Y1, Y5, Y0; \
	VANDPS  one<>(SB), Y0, Y0; \
	VMULPS  Y4, Y0, Y0

// func reluAVX2(dst, a, b *float32, n int, s float32)
UNARY(·reluAVX2, RELU_BODY)

// func reluGradAVX2(dst, a, b *float32, n int, s float32)
BINARY(·reluGradAVX2, RELUGRAD_BODY)

// func sigmoidAVX2(dst, a, b *float32, n int, s float32)
UNARY(·sigmoidAVX2, SIGMOID_BODY)

// func tanhAVX2(dst, a, b *float32, n int, s float32)
UNARY(·tanhAVX2, TANH_BODY)

// func sigmoidGradAVX2(dst, a, b *float32, n int, s float32)
BINARY(·sigmoidGradAVX2, SIGMOIDGRAD_BODY)

// func tanhGradAVX2(dst, a, b *float32, n int, s float32)
BINARY(·tanhGradAVX2, TANHGRAD_BODY)

// func addAVX2(dst, a, b *float32, n int, s float32)
BINARY(·addAVX2, ADD_BODY)

// func axpyAVX2(dst, a, b *float32, n int, s float32)
BINARY(·axpyAVX2, AXPY_BODY)

// func scaleAVX2(dst, a, b *float32, n int, s float32)
UNARY(·scaleAVX2, SCALE_BODY)

// func sumRowsAVX2(dst, m *float32, rows, cols, ld int)
//
// dst[j] += Σ_i m[i·ld + j] for j < cols (a multiple of 8), adding the
// rows in order: strips of 32 columns (four accumulators), then of 8.
TEXT ·sumRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ  dst+0(FP), DI
	MOVQ  m+8(FP), SI
	MOVQ  rows+16(FP), R8
	MOVQ  cols+24(FP), CX
	MOVQ  ld+32(FP), R9
	SHLQ  $2, R9
	TESTQ R8, R8
	JZ    sdone

s32:
	CMPQ    CX, $32
	JLT     s8
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	MOVQ    SI, R10
	MOVQ    R8, R11

s32row:
	VADDPS (R10), Y0, Y0
	VADDPS 32(R10), Y1, Y1
	VADDPS 64(R10), Y2, Y2
	VADDPS 96(R10), Y3, Y3
	ADDQ   R9, R10
	DECQ   R11
	JNZ    s32row
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	ADDQ    $128, SI
	SUBQ    $32, CX
	JMP     s32

s8:
	CMPQ    CX, $8
	JLT     sdone
	VMOVUPS (DI), Y0
	MOVQ    SI, R10
	MOVQ    R8, R11

s8row:
	VADDPS (R10), Y0, Y0
	ADDQ   R9, R10
	DECQ   R11
	JNZ    s8row
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     s8

sdone:
	VZEROUPPER
	RET

// func axpy64AVX2(dst, a, b *float64, n int, s float64)
//
// dst ← a + s·b in float64, four values per instruction (no fused
// multiply-add, so it matches the Go loop bit for bit).
TEXT ·axpy64AVX2(SB), NOSPLIT, $0-40
	VBROADCASTSD s+32(FP), Y14
	MOVQ  dst+0(FP), DI
	MOVQ  a+8(FP), SI
	MOVQ  b+16(FP), DX
	MOVQ  n+24(FP), CX
	SHRQ  $2, CX
	JZ    done
loop:
	VMULPD  (DX), Y14, Y0
	VADDPD  (SI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     loop
done:
	VZEROUPPER
	RET

// func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32)
//
// For j < n (a multiple of 8): if src[j] > dst[j] (false for NaN), dst[j] =
// src[j] and arg[j] = base + j.
TEXT ·maxArgAVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         arg+8(FP), DX
	MOVQ         src+16(FP), SI
	MOVQ         n+24(FP), CX
	MOVL         base+32(FP), AX
	MOVQ         AX, X4
	VPBROADCASTD X4, Y4
	VPADDD       lanes<>(SB), Y4, Y4
	VPBROADCASTD eight<>(SB), Y5
	SHRQ         $3, CX
	JZ           xdone

xloop:
	VMOVUPS   (SI), Y0
	VMOVUPS   (DI), Y1
	VCMPPS    $0x1e, Y1, Y0, Y2
	VBLENDVPS Y2, Y0, Y1, Y1
	VMOVUPS   Y1, (DI)
	VMOVDQU   (DX), Y3
	VBLENDVPS Y2, Y4, Y3, Y3
	VMOVDQU   Y3, (DX)
	VPADDD    Y5, Y4, Y4
	ADDQ      $32, SI
	ADDQ      $32, DI
	ADDQ      $32, DX
	DECQ      CX
	JNZ       xloop

xdone:
	VZEROUPPER
	RET

// func maxArgFromAVX2(dst *float32, arg *int32, src *float32, srcArg *int32, n int)
//
// For j < n (a multiple of 8): if src[j] > dst[j] (false for NaN), dst[j] =
// src[j] and arg[j] = srcArg[j].
TEXT ·maxArgFromAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ arg+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ srcArg+24(FP), R8
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ   fdone

floop:
	VMOVUPS   (SI), Y0
	VMOVUPS   (DI), Y1
	VCMPPS    $0x1e, Y1, Y0, Y2
	VBLENDVPS Y2, Y0, Y1, Y1
	VMOVUPS   Y1, (DI)
	VMOVDQU   (DX), Y3
	VMOVDQU   (R8), Y4
	VBLENDVPS Y2, Y4, Y3, Y3
	VMOVDQU   Y3, (DX)
	ADDQ      $32, SI
	ADDQ      $32, DI
	ADDQ      $32, DX
	ADDQ      $32, R8
	DECQ      CX
	JNZ       floop

fdone:
	VZEROUPPER
	RET

// func momentumAVX2(p, grad, v *float32, n int, lr, mu float32)
//
// v ← mu·v + g; p ← p − lr·v.
TEXT ·momentumAVX2(SB), NOSPLIT, $0-40
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         v+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS lr+32(FP), Y13
	VBROADCASTSS mu+36(FP), Y14
	SHRQ         $3, CX
	JZ           mdone

mloop:
	VMULPS  (DX), Y14, Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DX)
	VMULPS  Y0, Y13, Y0
	VMOVUPS (DI), Y1
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     mloop

mdone:
	VZEROUPPER
	RET

// ADAM_BODY: g in Y4, m in Y5, v in Y6, p in Y7 → new m in Y5, v in Y6,
// p in Y7. Constants: Y9 = b1, Y10 = 1 − b1, Y11 = b2, Y12 = 1 − b2,
// Y13 = lr, Y14 = eps.
#define ADAM_BODY \
	VMULPS  Y5, Y9, Y5; \
	VMULPS  Y4, Y10, Y0; \
	VADDPS  Y0, Y5, Y5; \
	VMULPS  Y6, Y11, Y6; \
	VMULPS  Y4, Y12, Y0; \
	VMULPS  Y4, Y0, Y0; \
	VADDPS  Y0, Y6, Y6; \
	VSQRTPS Y6, Y0; \
	VADDPS  Y14, Y0, Y0; \
	VMULPS  Y5, Y13, Y1; \
	VDIVPS  Y0, Y1, Y1; \
	VSUBPS  Y1, Y7, Y7

// func adamAVX2(p, grad, m, v *float32, n int, b1, c1, b2, c2, lr, eps float32)
//
// m ← b1·m + c1·g; v ← b2·v + (c2·g)·g; p ← p − (lr·m)/(√v + eps).
TEXT ·adamAVX2(SB), NOSPLIT, $0-64
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), DX
	MOVQ         v+24(FP), R8
	MOVQ         n+32(FP), CX
	VBROADCASTSS b1+40(FP), Y9
	VBROADCASTSS c1+44(FP), Y10
	VBROADCASTSS b2+48(FP), Y11
	VBROADCASTSS c2+52(FP), Y12
	VBROADCASTSS lr+56(FP), Y13
	VBROADCASTSS eps+60(FP), Y14
	SHRQ         $3, CX
	JZ           adone

aloop:
	VMOVUPS (SI), Y4
	VMOVUPS (DX), Y5
	VMOVUPS (R8), Y6
	VMOVUPS (DI), Y7
	ADAM_BODY
	VMOVUPS Y5, (DX)
	VMOVUPS Y6, (R8)
	VMOVUPS Y7, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	DECQ    CX
	JNZ     aloop

adone:
	VZEROUPPER
	RET

// func normalsAVX2(dst *float32, bits *uint64, blocks int)
//
// Box–Muller, 16 normals from each block of eight uint64 (sixteen uint32
// words w[0…15] in memory order). Lane j (0…7) takes its radius from
// w[j] and its angle from w[8+j], and writes r·a to dst[j] and r·b to
// dst[8+j]; see normalsGeneric for the mapping.
TEXT ·normalsAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ bits+8(FP), SI
	MOVQ blocks+16(FP), CX
	TESTQ CX, CX
	JZ    ndone

nloop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1

	// u = (float(w >> 1) + 0.5)·2^-31 in (0, 1].
	VPSRLD    $1, Y0, Y2
	VCVTDQ2PS Y2, Y2
	VADDPS    half<>(SB), Y2, Y2
	VMULPS    inv2p31<>(SB), Y2, Y2

	// u = 2^e·m with m in (√2/2, √2]; ln m = 2s(1 + s²/3 + s⁴/5 + s⁶/7 +
	// s⁸/9) with s = (m − 1)/(m + 1).
	VPSRLD      $23, Y2, Y3
	VPSUBD      bias127<>(SB), Y3, Y3
	VPAND       mantmask<>(SB), Y2, Y4
	VPOR        one<>(SB), Y4, Y4
	VCMPPS      $0x1e, sqrt2<>(SB), Y4, Y5
	VMULPS      half<>(SB), Y4, Y6
	VBLENDVPS   Y5, Y6, Y4, Y4
	VPSUBD      Y5, Y3, Y3
	VCVTDQ2PS   Y3, Y3
	VSUBPS      one<>(SB), Y4, Y4
	VADDPS      two<>(SB), Y4, Y6
	VDIVPS      Y6, Y4, Y4
	VMULPS      Y4, Y4, Y6
	VMOVUPS     l9<>(SB), Y7
	VFMADD213PS l7<>(SB), Y6, Y7
	VFMADD213PS l5<>(SB), Y6, Y7
	VFMADD213PS l3<>(SB), Y6, Y7
	VFMADD213PS one<>(SB), Y6, Y7
	VMULPS      Y7, Y4, Y4
	VADDPS      Y4, Y4, Y4
	VFMADD231PS ln2lo<>(SB), Y3, Y4
	VFMADD231PS ln2hi<>(SB), Y3, Y4

	// r = √(−2 ln u).
	VMULPS  minus2<>(SB), Y4, Y4
	VSQRTPS Y4, Y4

	// φ = (float(w & (2^30 − 1)) + 0.5)·(π/2)·2^-30 − π/4; sin φ, cos φ by
	// Taylor polynomials.
	VPAND       mask30<>(SB), Y1, Y5
	VCVTDQ2PS   Y5, Y5
	VADDPS      half<>(SB), Y5, Y5
	VMULPS      angscale<>(SB), Y5, Y5
	VSUBPS      quarterpi<>(SB), Y5, Y5
	VMULPS      Y5, Y5, Y6
	VMOVUPS     s9<>(SB), Y7
	VFMADD213PS s7<>(SB), Y6, Y7
	VFMADD213PS s5<>(SB), Y6, Y7
	VFMADD213PS s3<>(SB), Y6, Y7
	VFMADD213PS one<>(SB), Y6, Y7
	VMULPS      Y5, Y7, Y7
	VMOVUPS     c10<>(SB), Y8
	VFMADD213PS c8<>(SB), Y6, Y8
	VFMADD213PS c6<>(SB), Y6, Y8
	VFMADD213PS c4<>(SB), Y6, Y8
	VFMADD213PS c2<>(SB), Y6, Y8
	VFMADD213PS one<>(SB), Y6, Y8

	// Quadrant q = w >> 30 turns (cos φ, sin φ) by q quarter turns:
	// swap when bit 30 is set; negate a when bits 30 and 31 differ, b
	// when bit 31 is set.
	VPSLLD    $1, Y1, Y9
	VBLENDVPS Y9, Y7, Y8, Y10
	VBLENDVPS Y9, Y8, Y7, Y11
	VPXOR     Y1, Y9, Y12
	VPAND     signbit<>(SB), Y12, Y12
	VPAND     signbit<>(SB), Y1, Y13
	VXORPS    Y12, Y10, Y10
	VXORPS    Y13, Y11, Y11
	VMULPS    Y4, Y10, Y10
	VMULPS    Y4, Y11, Y11
	VMOVUPS   Y10, (DI)
	VMOVUPS   Y11, 32(DI)

	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  nloop

ndone:
	VZEROUPPER
	RET

// VCONST defines a 32-byte constant: the 64-bit pattern bits four times
// (a float32 or int32 value in all eight lanes).
#define VCONST(name, bits) \
	DATA name<>+0(SB)/8, $bits; \
	DATA name<>+8(SB)/8, $bits; \
	DATA name<>+16(SB)/8, $bits; \
	DATA name<>+24(SB)/8, $bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

VCONST(one, 0x3f8000003f800000) // 1
VCONST(two, 0x4000000040000000) // 2
VCONST(half, 0x3f0000003f000000) // 0.5
VCONST(minus2, 0xc0000000c0000000) // -2
VCONST(signbit, 0x8000000080000000) // sign bit
VCONST(absmask, 0x7fffffff7fffffff) // all bits but the sign
VCONST(inf, 0x7f8000007f800000) // +Inf
VCONST(bias127, 0x0000007f0000007f) // int32 127 (exponent bias)
VCONST(log2e, 0x3fb8aa3b3fb8aa3b) // log2(e)
VCONST(ln2hi, 0x3f3172003f317200) // ln2, high part (exact in few bits)
VCONST(ln2lo, 0x35bfbe8e35bfbe8e) // ln2 - ln2hi
VCONST(exphi, 0x42b0bd7142b0bd71) // 88.37: above, e^x is +Inf
VCONST(explo, 0xc2ae999ac2ae999a) // -87.3: below, e^x is 0
VCONST(e2, 0x3f0000003f000000) // 1/2!
VCONST(e3, 0x3e2aaaab3e2aaaab) // 1/3!
VCONST(e4, 0x3d2aaaab3d2aaaab) // 1/4!
VCONST(e5, 0x3c0888893c088889) // 1/5!
VCONST(e6, 0x3ab60b613ab60b61) // 1/6!
VCONST(e7, 0x39500d0139500d01) // 1/7!
VCONST(nine, 0x4110000041100000) // 9: tanh is 1 in float32 beyond
VCONST(quarter, 0x3e8000003e800000) // 0.25: tanh's polynomial below
VCONST(t3, 0xbeaaaaabbeaaaaab) // -1/3
VCONST(t5, 0x3e0888893e088889) // 2/15
VCONST(t7, 0xbd5d0dd1bd5d0dd1) // -17/315
VCONST(t9, 0x3cb327a43cb327a4) // 62/2835
VCONST(inv2p31, 0x3000000030000000) // 2^-31
VCONST(mantmask, 0x007fffff007fffff) // mantissa bits
VCONST(sqrt2, 0x3fb504f33fb504f3) // sqrt(2)
VCONST(l3, 0x3eaaaaab3eaaaaab) // 1/3
VCONST(l5, 0x3e4ccccd3e4ccccd) // 1/5
VCONST(l7, 0x3e1249253e124925) // 1/7
VCONST(l9, 0x3de38e393de38e39) // 1/9
VCONST(mask30, 0x3fffffff3fffffff) // low 30 bits
VCONST(angscale, 0x30c90fdb30c90fdb) // float32(pi/2)*2^-30
VCONST(quarterpi, 0x3f490fdb3f490fdb) // float32(pi/4)
VCONST(s3, 0xbe2aaaabbe2aaaab) // -1/3!
VCONST(s5, 0x3c0888893c088889) // 1/5!
VCONST(s7, 0xb9500d01b9500d01) // -1/7!
VCONST(s9, 0x3638ef1d3638ef1d) // 1/9!
VCONST(c2, 0xbf000000bf000000) // -1/2!
VCONST(c4, 0x3d2aaaab3d2aaaab) // 1/4!
VCONST(c6, 0xbab60b61bab60b61) // -1/6!
VCONST(c8, 0x37d00d0137d00d01) // 1/8!
VCONST(c10, 0xb493f27eb493f27e) // -1/10!

// lanes: int32 0…7; eight: int32 8.
DATA lanes<>+0(SB)/8, $0x0000000100000000
DATA lanes<>+8(SB)/8, $0x0000000300000002
DATA lanes<>+16(SB)/8, $0x0000000500000004
DATA lanes<>+24(SB)/8, $0x0000000700000006
GLOBL lanes<>(SB), RODATA|NOPTR, $32

DATA eight<>+0(SB)/4, $8
GLOBL eight<>(SB), RODATA|NOPTR, $4

// func colMaxArgAVX2(dst *float32, arg *int32, src *float32, n, rows, ld int, base int32)
//
// For j < n (a multiple of 8): dst[j] is the maximum of src[r·ld + j]
// over r < rows (rows ≥ 1), taken down the rows with the test
// src > best (false for NaN), and arg[j] = base + r·ld + j for its row r.
TEXT ·colMaxArgAVX2(SB), NOSPLIT, $0-52
	MOVQ         dst+0(FP), DI
	MOVQ         arg+8(FP), DX
	MOVQ         src+16(FP), SI
	MOVQ         n+24(FP), CX
	MOVQ         rows+32(FP), R9
	MOVQ         ld+40(FP), R10
	MOVL         base+48(FP), AX
	MOVQ         AX, X4
	VPBROADCASTD X4, Y4
	VPADDD       lanes<>(SB), Y4, Y4
	MOVQ         R10, X6
	VPBROADCASTD X6, Y6
	SHLQ         $2, R10
	VPBROADCASTD eight<>(SB), Y5
	SHRQ         $3, CX
	JZ           cdone

cloop:
	VMOVUPS (SI), Y0
	VMOVDQA Y4, Y1
	VMOVDQA Y4, Y7
	MOVQ    SI, R11
	MOVQ    R9, R12
	DECQ    R12
	JLE     cstore

crow:
	ADDQ      R10, R11
	VPADDD    Y6, Y7, Y7
	VMOVUPS   (R11), Y2
	VCMPPS    $0x1e, Y0, Y2, Y3
	VBLENDVPS Y3, Y2, Y0, Y0
	VBLENDVPS Y3, Y7, Y1, Y1
	DECQ      R12
	JNZ       crow

cstore:
	VMOVUPS Y0, (DI)
	VMOVDQU Y1, (DX)
	VPADDD  Y5, Y4, Y4
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     cloop

cdone:
	VZEROUPPER
	RET

// SPLIT2(src, even, odd) stores the 8 values at even positions of the 16
// at src to even and the 8 at odd positions to odd (the lane order of the
// shuffles put right by VPERMPD), through Y0–Y3. The bits are copied, so
// it serves float32 values and int32 positions alike.
#define SPLIT2(src, even, odd) \
	VMOVUPS (src), Y0; \
	VMOVUPS 32(src), Y1; \
	VSHUFPS $0x88, Y1, Y0, Y2; \
	VSHUFPS $0xDD, Y1, Y0, Y3; \
	VPERMPD $0xD8, Y2, Y2; \
	VPERMPD $0xD8, Y3, Y3; \
	VMOVUPS Y2, (even); \
	VMOVUPS Y3, (odd)

// func deinterleave2AVX2(v *float32, va *int32, e *float32, ea *int32, o *float32, oa *int32, blocks int)
//
// For each of blocks groups of 16 values of v and va: the 8 at even
// positions go to e and ea, the 8 at odd ones to o and oa, in order.
TEXT ·deinterleave2AVX2(SB), NOSPLIT, $0-56
	MOVQ v+0(FP), SI
	MOVQ va+8(FP), R8
	MOVQ e+16(FP), DI
	MOVQ ea+24(FP), R9
	MOVQ o+32(FP), DX
	MOVQ oa+40(FP), R10
	MOVQ blocks+48(FP), CX
	TESTQ CX, CX
	JZ   didone

diloop:
	SPLIT2(SI, DI, DX)
	SPLIT2(R8, R9, R10)
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $32, DI
	ADDQ $32, R9
	ADDQ $32, DX
	ADDQ $32, R10
	DECQ CX
	JNZ  diloop

didone:
	VZEROUPPER
	RET

// func gather16AVX2(dst, src *float32, offs *int32, n, second int)
//
// For p < n: dst[16p : 16p+8] = src[o : o+8] and dst[16p+8 : 16p+16] =
// src[o+second : o+second+8], o = offs[p] (offsets in values).
TEXT ·gather16AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ offs+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ second+32(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JZ   gdone

gloop:
	MOVLQSX (R8), AX
	LEAQ    (SI)(AX*4), BX
	VMOVUPS (BX), Y0
	VMOVUPS (BX)(DX*1), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $4, R8
	ADDQ    $64, DI
	DECQ    CX
	JNZ     gloop

gdone:
	VZEROUPPER
	RET
