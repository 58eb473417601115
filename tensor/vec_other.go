//go:build !amd64 || purego

package tensor

// This build has no assembly: vecAsm is always false, so these are never
// called.

func sigmoidAVX2(dst, a, b *float32, n int, s float32)                        { panic(noAsm) }
func tanhAVX2(dst, a, b *float32, n int, s float32)                           { panic(noAsm) }
func sigmoidGradAVX2(dst, a, b *float32, n int, s float32)                    { panic(noAsm) }
func tanhGradAVX2(dst, a, b *float32, n int, s float32)                       { panic(noAsm) }
func addAVX2(dst, a, b *float32, n int, s float32)                            { panic(noAsm) }
func axpyAVX2(dst, a, b *float32, n int, s float32)                           { panic(noAsm) }
func scaleAVX2(dst, a, b *float32, n int, s float32)                          { panic(noAsm) }
func reluAVX2(dst, a, b *float32, n int, s float32)                           { panic(noAsm) }
func reluGradAVX2(dst, a, b *float32, n int, s float32)                       { panic(noAsm) }
func momentumAVX2(p, grad, v *float32, n int, lr, mu float32)                 { panic(noAsm) }
func adamAVX2(p, grad, m, v *float32, n int, b1, c1, b2, c2, lr, eps float32) { panic(noAsm) }
func normalsAVX2(dst *float32, bits *uint64, blocks int)                      { panic(noAsm) }
func sumRowsAVX2(dst, m *float32, rows, cols, ld int)                         { panic(noAsm) }
func maxArgAVX2(dst *float32, arg *int32, src *float32, n int, base int32)    { panic(noAsm) }
func maxArgFromAVX2(dst *float32, arg *int32, src *float32, srcArg *int32, n int) {
	panic(noAsm)
}
func axpy64AVX2(dst, a, b *float64, n int, s float64) { panic(noAsm) }

const noAsm = "tensor: assembly kernel not built"

func colMaxArgAVX2(dst *float32, arg *int32, src *float32, n, rows, ld int, base int32) {
	panic(noAsm)
}

func deinterleave2AVX2(v *float32, va *int32, e *float32, ea *int32, o *float32, oa *int32, blocks int) {
	panic(noAsm)
}

func gather16AVX2(dst, src *float32, offs *int32, n, second int) { panic(noAsm) }
