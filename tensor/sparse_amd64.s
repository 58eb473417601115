//go:build !purego

#include "textflag.h"

// Assembly for the products that skip a Pattern's zeros (sparse.go).

// STEPAT does one k step of the 6×16 micro-kernel at byte offsets BX into
// the A panel (SI) and AX into the B panel (DI); see sgemm_amd64.s.
#define STEPAT \
	VMOVUPS      (DI)(AX*1), Y12; \
	VMOVUPS      32(DI)(AX*1), Y13; \
	VBROADCASTSS (SI)(BX*1), Y14; \
	VBROADCASTSS 4(SI)(BX*1), Y15; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS 8(SI)(BX*1), Y14; \
	VBROADCASTSS 12(SI)(BX*1), Y15; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS 16(SI)(BX*1), Y14; \
	VBROADCASTSS 20(SI)(BX*1), Y15; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11

#define STORE0(r0, r1) \
	VMOVUPS r0, (DX); \
	VMOVUPS r1, 32(DX); \
	ADDQ    R8, DX

#define STOREB(r0, r1) \
	VFMADD231PS (DX), Y15, r0; \
	VFMADD231PS 32(DX), Y15, r1; \
	VMOVUPS     r0, (DX); \
	VMOVUPS     r1, 32(DX); \
	ADDQ        R8, DX

// func sgemmKernel6x16Steps(n int, steps *int32, a, b, c *float32, ldc int, alpha, beta float32)
//
// sgemmKernel6x16 over the n k steps listed in steps (in order) instead
// of all of 0…k−1: the same chain of fused multiply-adds per element,
// without the listed-out steps.
TEXT ·sgemmKernel6x16Steps(SB), NOSPLIT, $0-56
	MOVQ n+0(FP), CX
	MOVQ steps+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ CX, CX
	JZ    done

loop:
	MOVLQZX (R9), AX
	LEAQ    (AX)(AX*2), BX
	SHLQ    $3, BX          // 24·p: six values of A per step
	SHLQ    $6, AX          // 64·p: sixteen values of B per step
	STEPAT
	ADDQ    $4, R9
	DECQ    CX
	JNZ     loop

done:
	VBROADCASTSS alpha+48(FP), Y14
	VMULPS       Y14, Y0, Y0
	VMULPS       Y14, Y1, Y1
	VMULPS       Y14, Y2, Y2
	VMULPS       Y14, Y3, Y3
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMULPS       Y14, Y6, Y6
	VMULPS       Y14, Y7, Y7
	VMULPS       Y14, Y8, Y8
	VMULPS       Y14, Y9, Y9
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11

	VMOVSS   beta+52(FP), X15
	VXORPS   X13, X13, X13
	VUCOMISS X13, X15
	JNE      accum
	JPS      accum

	STORE0(Y0, Y1)
	STORE0(Y2, Y3)
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	VZEROUPPER
	RET

accum:
	VBROADCASTSS beta+52(FP), Y15
	STOREB(Y0, Y1)
	STOREB(Y2, Y3)
	STOREB(Y4, Y5)
	STOREB(Y6, Y7)
	STOREB(Y8, Y9)
	STOREB(Y10, Y11)
	VZEROUPPER
	RET

// MASK8(off) leaves in BX the 8 bits "value ≠ 0 or NaN" of src[off/4…+8).
#define MASK8(off) \
	VCMPPS    $4, off(SI), Y15, Y0; \
	VMOVMSKPS Y0, BX

// func nonzeroWords(src *float32, words int, dst *uint64)
//
// dst[w] gets bit j set when src[64·w+j] is non-zero or NaN (predicate
// NEQ_UQ against 0: −0 compares equal).
TEXT ·nonzeroWords(SB), NOSPLIT, $0-24
	MOVQ  src+0(FP), SI
	MOVQ  words+8(FP), CX
	MOVQ  dst+16(FP), DI
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JZ    nzdone

nzloop:
	MASK8(224)
	MOVQ BX, AX
	SHLQ $8, AX
	MASK8(192)
	ORQ  BX, AX
	SHLQ $8, AX
	MASK8(160)
	ORQ  BX, AX
	SHLQ $8, AX
	MASK8(128)
	ORQ  BX, AX
	SHLQ $8, AX
	MASK8(96)
	ORQ  BX, AX
	SHLQ $8, AX
	MASK8(64)
	ORQ  BX, AX
	SHLQ $8, AX
	MASK8(32)
	ORQ  BX, AX
	SHLQ $8, AX
	MASK8(0)
	ORQ  BX, AX
	MOVQ AX, (DI)
	ADDQ $256, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  nzloop

nzdone:
	VZEROUPPER
	RET

// func maxAbsBits(x *float32, n int) uint32
//
// The largest bits&0x7fffffff over x[0…n), n a positive multiple of 8:
// 0x7f800000 or more means an Inf or NaN is among them.
TEXT ·maxAbsBits(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	MOVL $0x7fffffff, AX
	MOVL AX, X14
	VPBROADCASTD X14, Y14
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	MOVQ CX, BX
	SHRQ $1, BX
	ANDQ $1, CX
	TESTQ BX, BX
	JZ   mtail

mloop:
	VPAND   (SI), Y14, Y2
	VPAND   32(SI), Y14, Y3
	VPMAXUD Y2, Y0, Y0
	VPMAXUD Y3, Y1, Y1
	ADDQ    $64, SI
	DECQ    BX
	JNZ     mloop

mtail:
	TESTQ CX, CX
	JZ    mdone
	VPAND   (SI), Y14, Y2
	VPMAXUD Y2, Y0, Y0

mdone:
	VPMAXUD      Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPMAXUD      X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPMAXUD      X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPMAXUD      X1, X0, X0
	VMOVD        X0, AX
	MOVL         AX, ret+16(FP)
	VZEROUPPER
	RET
