package tensor

import "fmt"

// PanelSource is a k×n operand B that is never stored whole, such as a
// convolution's im2col matrix: it writes its blocks straight into the
// packed layout the product reads. PackPanels writes rows [p0, p0+kb) of
// columns [j0, j0+nb) of B into dst as ⌈nb/nr⌉ panels of kb·nr values:
// panel q holds columns j0+q·nr… as kb groups of nr values (group p: row
// p0+p), zero past nb. len(dst) = ⌈nb/nr⌉·nr·kb.
type PanelSource interface {
	PackPanels(dst []float32, p0, kb, j0, nb, nr int)
}

// panelB is a product's B given by its source, from column off.
type panelB struct {
	src PanelSource
	off int
}

// MatMulPanels sets C ← alpha·A·B + beta·C for A m×k, the k×n B that b
// packs, and C m×n: the bits of MatMul(false, false, alpha, A, B, beta, C)
// with B stored, as FastGEMM reads B only through its packed panels. With
// another Kernel, B is first written out whole (one panel of n columns,
// which is B row-major) into scratch, grown as needed.
func MatMulPanels(alpha float32, a *Mat, b PanelSource, k, n int, beta float32, c *Mat, scratch *Mat) {
	if a.Cols != k || c.Rows != a.Rows || c.Cols != n {
		panic(fmt.Sprintf("tensor: MatMulPanels %d×%d · %d×%d into %d×%d", a.Rows, a.Cols, k, n, c.Rows, c.Cols))
	}
	if _, fast := Kernel.(FastGEMM); fast {
		fastSgemm(false, false, a.Rows, n, k, alpha, a.Data, a.Cols, nil, n, beta, c.Data, c.Cols, nil, &panelB{src: b})
		return
	}
	scratch.Resize(k, n)
	if k > 0 && n > 0 {
		b.PackPanels(scratch.Data, 0, k, 0, n, n)
	}
	MatMul(false, false, alpha, a, scratch, beta, c)
}

// Offsets is a fixed table of offsets (≥ 0) into a source slice for
// Panel16, such as a convolution's taps in a padded image; its least and
// greatest entries are kept so that a call checks its bounds in O(1).
type Offsets struct {
	offs   []int32
	lo, hi int
}

// NewOffsets returns the table offs (not copied; it must not change).
func NewOffsets(offs []int32) *Offsets {
	o := &Offsets{offs: offs}
	if len(offs) > 0 {
		o.lo, o.hi = int(offs[0]), int(offs[0])
		for _, v := range offs {
			o.lo, o.hi = min(o.lo, int(v)), max(o.hi, int(v))
		}
	}
	return o
}

// Panel16 fills n groups of 16 values of a packed panel from src, for
// entries [from, from+n) of the table: group p gets the 8 values at
// base + offs[from+p] and the 8 at second values further on (second = 8
// reads 16 in a row). It panics unless every read lies inside src.
func (o *Offsets) Panel16(dst, src []float32, from, n, base, second int) {
	if n == 0 {
		return
	}
	offs := o.offs[from : from+n]
	dst = dst[:16*n]
	if base < 0 || o.lo < 0 || second < 0 || base+o.hi+second+8 > len(src) {
		panic(fmt.Sprintf("tensor: Panel16 reads [%d, %d) of %d values", base+o.lo, base+o.hi+second+8, len(src)))
	}
	if vecAsm() {
		gather16AVX2(&dst[0], &src[base], &offs[0], n, second)
		return
	}
	for p, off := range offs {
		at := base + int(off)
		copy(dst[16*p:16*p+8], src[at:at+8])
		copy(dst[16*p+8:16*p+16], src[at+second:at+second+8])
	}
}
