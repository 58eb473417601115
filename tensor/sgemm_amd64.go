//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

// hasAsmKernel: the AVX2/FMA micro-kernel needs both extensions (and an OS
// that saves the YMM state, which cpu.X86.HasAVX2 already accounts for).
var hasAsmKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// sgemmKernel6x16 is implemented in sgemm_amd64.s. a and b point at packed
// panels of 6·k and 16·k values; c at a 6×16 tile with row stride ldc.
//
//go:noescape
func sgemmKernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// Packing routines in pack_amd64.s; see pack.go.

//go:noescape
func packN16(rows, panels int, src *float32, lds int, dst *float32, pstride int)

//go:noescape
func packN6(rows, panels int, src *float32, lds int, dst *float32, pstride int)

//go:noescape
func packT16(kb8 int, src *float32, lds int, dst *float32)

//go:noescape
func packT6(kb8 int, src *float32, lds int, dst *float32)

// Assembly for the products that skip a Pattern's zeros (sparse_amd64.s).

//go:noescape
func sgemmKernel6x16Steps(n int, steps *int32, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func nonzeroWords(src *float32, words int, dst *uint64)

//go:noescape
func maxAbsBits(x *float32, n int) uint32

// The micro-kernels above with six rows of a row-major A read where they
// are stored, row stride lda (sgemm_amd64.s).

//go:noescape
func sgemmKernel6x16A(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel6x16StepsA(n int, steps *int32, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)
