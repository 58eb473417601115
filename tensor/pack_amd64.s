//go:build !purego

#include "textflag.h"

// Packing routines for FastGEMM's AVX2 path (see pack.go for the layouts).

// func packN16(rows, panels int, src *float32, lds int, dst *float32, pstride int)
//
// For p < rows and q < panels: dst[q·pstride + 16p : +16] = src[p·lds + 16q : +16].
// Rows are read front to back, so a wide source streams from memory.
TEXT ·packN16(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), CX
	MOVQ panels+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R8
	SHLQ $2, R8
	MOVQ dst+32(FP), DI
	MOVQ pstride+40(FP), R9
	SHLQ $2, R9
	TESTQ CX, CX
	JZ    n16done
	TESTQ BX, BX
	JZ    n16done

n16row:
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ BX, DX

n16panel:
	VMOVUPS (R10), Y0
	VMOVUPS 32(R10), Y1
	VMOVUPS Y0, (R11)
	VMOVUPS Y1, 32(R11)
	ADDQ    $64, R10
	ADDQ    R9, R11
	DECQ    DX
	JNZ     n16panel

	ADDQ R8, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  n16row

n16done:
	VZEROUPPER
	RET

// func packN6(rows, panels int, src *float32, lds int, dst *float32, pstride int)
//
// For p < rows and q < panels: dst[q·pstride + 6p : +6] = src[p·lds + 6q : +6].
TEXT ·packN6(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), CX
	MOVQ panels+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R8
	SHLQ $2, R8
	MOVQ dst+32(FP), DI
	MOVQ pstride+40(FP), R9
	SHLQ $2, R9
	TESTQ CX, CX
	JZ    n6done
	TESTQ BX, BX
	JZ    n6done

n6row:
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ BX, DX

n6panel:
	VMOVUPS (R10), X0
	VMOVSD  16(R10), X1
	VMOVUPS X0, (R11)
	VMOVSD  X1, 16(R11)
	ADDQ    $24, R10
	ADDQ    R9, R11
	DECQ    DX
	JNZ     n6panel

	ADDQ R8, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  n6row

n6done:
	RET

// LOAD8 loads 8 floats from each of the 8 rows at base (row stride R8;
// R9 = 3·R8, R11 = 7·R8) into Y0–Y7.
#define LOAD8(base) \
	VMOVUPS (base), Y0; \
	VMOVUPS (base)(R8*1), Y1; \
	VMOVUPS (base)(R8*2), Y2; \
	VMOVUPS (base)(R9*1), Y3; \
	VMOVUPS (base)(R8*4), Y4; \
	VMOVUPS (base)(R10*1), Y5; \
	VMOVUPS (base)(R9*2), Y6; \
	VMOVUPS (base)(R11*1), Y7

// LOAD6 loads 8 floats from each of the 6 rows at base into Y0–Y5 (Y6 and
// Y7 are left as they are: their lanes are never stored).
#define LOAD6(base) \
	VMOVUPS (base), Y0; \
	VMOVUPS (base)(R8*1), Y1; \
	VMOVUPS (base)(R8*2), Y2; \
	VMOVUPS (base)(R9*1), Y3; \
	VMOVUPS (base)(R8*4), Y4; \
	VMOVUPS (base)(R10*1), Y5

// TRANSPOSE8 transposes the 8×8 block in Y0–Y7 (row i in Yi) into Y8–Y15
// (column q in Y(8+q)), using Y0–Y7 as scratch.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8; \
	VUNPCKHPS  Y1, Y0, Y9; \
	VUNPCKLPS  Y3, Y2, Y10; \
	VUNPCKHPS  Y3, Y2, Y11; \
	VUNPCKLPS  Y5, Y4, Y12; \
	VUNPCKHPS  Y5, Y4, Y13; \
	VUNPCKLPS  Y7, Y6, Y14; \
	VUNPCKHPS  Y7, Y6, Y15; \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xEE, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xEE, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

// STORE8 stores Y8–Y15 at off, off+64, … off+448 from DI.
#define STORE8(off) \
	VMOVUPS Y8, (off)(DI); \
	VMOVUPS Y9, (off+64)(DI); \
	VMOVUPS Y10, (off+128)(DI); \
	VMOVUPS Y11, (off+192)(DI); \
	VMOVUPS Y12, (off+256)(DI); \
	VMOVUPS Y13, (off+320)(DI); \
	VMOVUPS Y14, (off+384)(DI); \
	VMOVUPS Y15, (off+448)(DI)

// func packT16(kb8 int, src *float32, lds int, dst *float32)
//
// Transposes 16 rows of kb8 values (kb8 a multiple of 8; row r at
// src + r·lds) into dst[16p + r].
TEXT ·packT16(SB), NOSPLIT, $0-32
	MOVQ kb8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DI
	LEAQ (R8)(R8*2), R9   // 3·lds
	LEAQ (R8)(R8*4), R10  // 5·lds
	LEAQ (R9)(R8*4), R11  // 7·lds
	LEAQ (SI)(R8*8), BX   // row 8
	SHRQ $3, CX
	JZ   t16done

t16loop:
	LOAD8(SI)
	TRANSPOSE8
	STORE8(0)
	LOAD8(BX)
	TRANSPOSE8
	STORE8(32)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $512, DI
	DECQ CX
	JNZ  t16loop

t16done:
	VZEROUPPER
	RET

// STORE6 stores lanes 0–5 of Yq (q = 8…15) at DI + 24·(q-8).
#define STORE6(yq, xq, off) \
	VMOVUPS      xq, (off)(DI); \
	VEXTRACTF128 $1, yq, X0; \
	VMOVSD       X0, (off+16)(DI)

// func packT6(kb8 int, src *float32, lds int, dst *float32)
//
// Transposes 6 rows of kb8 values (kb8 a multiple of 8; row r at
// src + r·lds) into dst[6p + r].
TEXT ·packT6(SB), NOSPLIT, $0-32
	MOVQ kb8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DI
	LEAQ (R8)(R8*2), R9   // 3·lds
	LEAQ (R8)(R8*4), R10  // 5·lds
	SHRQ $3, CX
	JZ   t6done
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

t6loop:
	LOAD6(SI)
	TRANSPOSE8
	STORE6(Y8, X8, 0)
	STORE6(Y9, X9, 24)
	STORE6(Y10, X10, 48)
	STORE6(Y11, X11, 72)
	STORE6(Y12, X12, 96)
	STORE6(Y13, X13, 120)
	STORE6(Y14, X14, 144)
	STORE6(Y15, X15, 168)
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	ADDQ $32, SI
	ADDQ $192, DI
	DECQ CX
	JNZ  t6loop

t6done:
	VZEROUPPER
	RET
