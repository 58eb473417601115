//go:build !purego

#include "textflag.h"

// The AVX2/FMA micro-kernel of FastGEMM. It multiplies a packed 6×k panel
// of A (6 values per k step) by a packed k×16 panel of B (16 values per k
// step) and updates the 6×16 tile of row-major C:
//
//	C[i][j] ← alpha·Σ_p A[p][i]·B[p][j] + beta·C[i][j]
//
// beta == 0 stores without reading C, so C may hold NaN or garbage.
//
// Registers: Y0–Y11 accumulate the tile (row i in Y(2i), Y(2i+1)), Y12/Y13
// hold one row of the B panel, Y14/Y15 the broadcast A values.

// TILESTEP does one k step of the tile: B's 16 values at b0, b1 (two
// 8-value halves) and A's 6 values at a0…a5.
#define TILESTEP(b0, b1, a0, a1, a2, a3, a4, a5) \
	VMOVUPS      b0, Y12; \
	VMOVUPS      b1, Y13; \
	VBROADCASTSS a0, Y14; \
	VBROADCASTSS a1, Y15; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS a2, Y14; \
	VBROADCASTSS a3, Y15; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS a4, Y14; \
	VBROADCASTSS a5, Y15; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11

// STEP does one k step; ao and bo are byte offsets into the A and B panels.
#define STEP(ao, bo) \
	TILESTEP((bo)(DI), (bo+32)(DI), (ao)(SI), (ao+4)(SI), (ao+8)(SI), (ao+12)(SI), (ao+16)(SI), (ao+20)(SI))

// STEPAT does one k step at byte offsets BX into the A panel (SI) and AX
// into the B panel (DI).
#define STEPAT \
	TILESTEP((DI)(AX*1), 32(DI)(AX*1), (SI)(BX*1), 4(SI)(BX*1), 8(SI)(BX*1), 12(SI)(BX*1), 16(SI)(BX*1), 20(SI)(BX*1))

// STORE0 writes one scaled row pair to C at DX (beta == 0).
#define STORE0(r0, r1) \
	VMOVUPS r0, (DX); \
	VMOVUPS r1, 32(DX); \
	ADDQ    R8, DX

// STOREB adds beta·C (beta broadcast in Y15) and writes one row.
#define STOREB(r0, r1) \
	VFMADD231PS (DX), Y15, r0; \
	VFMADD231PS 32(DX), Y15, r1; \
	VMOVUPS     r0, (DX); \
	VMOVUPS     r1, 32(DX); \
	ADDQ        R8, DX

// ZEROTILE clears the tile's accumulators Y0–Y11.
#define ZEROTILE \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; \
	VXORPS Y9, Y9, Y9; \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// EPILOGUE(alpha, beta) scales the tile by alpha and stores it to C at DX,
// adding beta·C unless beta == 0 (then C is not read). It returns.
#define EPILOGUE(alpha, beta) \
	VBROADCASTSS alpha, Y14; \
	VMULPS       Y14, Y0, Y0; \
	VMULPS       Y14, Y1, Y1; \
	VMULPS       Y14, Y2, Y2; \
	VMULPS       Y14, Y3, Y3; \
	VMULPS       Y14, Y4, Y4; \
	VMULPS       Y14, Y5, Y5; \
	VMULPS       Y14, Y6, Y6; \
	VMULPS       Y14, Y7, Y7; \
	VMULPS       Y14, Y8, Y8; \
	VMULPS       Y14, Y9, Y9; \
	VMULPS       Y14, Y10, Y10; \
	VMULPS       Y14, Y11, Y11; \
	VMOVSS   beta, X15; \
	VXORPS   X13, X13, X13; \
	VUCOMISS X13, X15; \
	JNE      accum; \
	JPS      accum; \
	STORE0(Y0, Y1); \
	STORE0(Y2, Y3); \
	STORE0(Y4, Y5); \
	STORE0(Y6, Y7); \
	STORE0(Y8, Y9); \
	STORE0(Y10, Y11); \
	VZEROUPPER; \
	RET; \
accum: \
	VBROADCASTSS beta, Y15; \
	STOREB(Y0, Y1); \
	STOREB(Y2, Y3); \
	STOREB(Y4, Y5); \
	STOREB(Y6, Y7); \
	STOREB(Y8, Y9); \
	STOREB(Y10, Y11); \
	VZEROUPPER; \
	RET

// func sgemmKernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	// Touch the C tile early so its lines arrive while we compute.
	MOVQ       DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)

	ZEROTILE

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   tail

loop4:
	PREFETCHT0 384(SI)
	STEP(0, 0)
	STEP(24, 64)
	STEP(48, 128)
	STEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    done

loop1:
	STEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

done:
	EPILOGUE(alpha+40(FP), beta+44(FP))

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
	ZEROTILE
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
	EPILOGUE(alpha+48(FP), beta+52(FP))

// The two kernels below are sgemmKernel6x16 and sgemmKernel6x16Steps with
// A read where it is stored instead of from a packed panel: six rows of a
// row-major A, step p of row i at a[i·lda+p] (lda in values). B stays
// packed. Each element gets the same chain of fused multiply-adds as from
// the packed panel.

// NSTEP(o, bo) does one k step of sgemmKernel6x16A: A's rows at SI,
// SI+R10, SI+2·R10, R11 = SI+3·R10, R11+R10, R11+2·R10 (plus byte
// offset o).
#define NSTEP(o, bo) \
	TILESTEP((bo)(DI), (bo+32)(DI), (o)(SI), (o)(SI)(R10*1), (o)(SI)(R10*2), (o)(R11), (o)(R11)(R10*1), (o)(R11)(R10*2))

// func sgemmKernel6x16A(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel6x16A(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R10
	SHLQ $2, R10
	LEAQ (SI)(R10*2), R11
	ADDQ R10, R11
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	ZEROTILE

	MOVQ  CX, BX
	SHRQ  $2, BX
	ANDQ  $3, CX
	TESTQ BX, BX
	JZ    tail

loop4:
	NSTEP(0, 0)
	NSTEP(4, 64)
	NSTEP(8, 128)
	NSTEP(12, 192)
	ADDQ $16, SI
	ADDQ $16, R11
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    done

loop1:
	NSTEP(0, 0)
	ADDQ $4, SI
	ADDQ $4, R11
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

done:
	EPILOGUE(alpha+48(FP), beta+52(FP))

// func sgemmKernel6x16StepsA(n int, steps *int32, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)
//
// The six rows' bases are SI, R10…R13 and DX; C's address and stride are
// loaded after the loop.
TEXT ·sgemmKernel6x16StepsA(SB), NOSPLIT, $0-64
	MOVQ n+0(FP), CX
	MOVQ steps+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	LEAQ (R13)(R8*1), DX
	MOVQ b+32(FP), DI
	ZEROTILE
	TESTQ CX, CX
	JZ    done

loop:
	MOVLQZX (R9), BX
	MOVQ    BX, AX
	SHLQ    $6, AX // 64·p: sixteen values of B per step
	TILESTEP((DI)(AX*1), 32(DI)(AX*1), (SI)(BX*4), (R10)(BX*4), (R11)(BX*4), (R12)(BX*4), (R13)(BX*4), (DX)(BX*4))
	ADDQ    $4, R9
	DECQ    CX
	JNZ     loop

done:
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $2, R8
	EPILOGUE(alpha+56(FP), beta+60(FP))
