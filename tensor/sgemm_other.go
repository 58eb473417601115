//go:build !amd64 || purego

package tensor

// hasAsmKernel is false: this build has only the portable micro-kernel.
const hasAsmKernel = false

func sgemmKernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	panic("tensor: assembly kernel not built")
}

func packN16(rows, panels int, src *float32, lds int, dst *float32, pstride int) {
	panic("tensor: assembly kernel not built")
}

func packN6(rows, panels int, src *float32, lds int, dst *float32, pstride int) {
	panic("tensor: assembly kernel not built")
}

func packT16(kb8 int, src *float32, lds int, dst *float32) {
	panic("tensor: assembly kernel not built")
}

func packT6(kb8 int, src *float32, lds int, dst *float32) { panic("tensor: assembly kernel not built") }

func sgemmKernel6x16Steps(n int, steps *int32, a, b, c *float32, ldc int, alpha, beta float32) {
	panic("tensor: assembly kernel not built")
}

func nonzeroWords(src *float32, words int, dst *uint64) { panic("tensor: assembly kernel not built") }

func maxAbsBits(x *float32, n int) uint32 { panic("tensor: assembly kernel not built") }

func sgemmKernel6x16A(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32) {
	panic("tensor: assembly kernel not built")
}

func sgemmKernel6x16StepsA(n int, steps *int32, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32) {
	panic("tensor: assembly kernel not built")
}
