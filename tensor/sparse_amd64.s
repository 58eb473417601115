//go:build !purego

#include "textflag.h"

// Assembly for the Patterns of the products that skip zeros (sparse.go;
// their micro-kernel, sgemmKernel6x16Steps, is in sgemm_amd64.s).

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
