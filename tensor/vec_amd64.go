//go:build amd64 && !purego

package tensor

// Element-wise kernels in vec_amd64.s (AVX2 and FMA, like the GEMM
// micro-kernel: used when hasAsmKernel). n is any length ≥ 0. The kernels
// of vec share one signature: dst ← f(a, b) with the scalar s.

//go:noescape
func sigmoidAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func tanhAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func sigmoidGradAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func tanhGradAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func addAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func axpyAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func scaleAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func reluAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func reluGradAVX2(dst, a, b *float32, n int, s float32)

//go:noescape
func momentumAVX2(p, grad, v *float32, n int, lr, mu float32)

//go:noescape
func adamAVX2(p, grad, m, v *float32, n int, b1, c1, b2, c2, lr, eps float32)

//go:noescape
func normalsAVX2(dst *float32, bits *uint64, blocks int)

//go:noescape
func sumRowsAVX2(dst, m *float32, rows, cols, ld int)

//go:noescape
func axpy64AVX2(dst, a, b *float64, n int, s float64)

//go:noescape
func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32)

//go:noescape
func maxArgFromAVX2(dst *float32, arg *int32, src *float32, srcArg *int32, n int)

//go:noescape
func colMaxArgAVX2(dst *float32, arg *int32, src *float32, n, rows, ld int, base int32)

//go:noescape
func deinterleave2AVX2(v *float32, va *int32, e *float32, ea *int32, o *float32, oa *int32, blocks int)

//go:noescape
func gather16AVX2(dst, src *float32, offs *int32, n, second int)
