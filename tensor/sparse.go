package tensor

import (
	"fmt"
	"math"
	"math/bits"
)

// Pattern marks the non-zero entries of a Rows×Cols matrix, one bit each:
// row i's bits are the words [i·words, (i+1)·words), column j at bit j%64
// of word j/64. NaN counts as non-zero, +0 and −0 as zero.
//
// A Pattern lets MatMulSparseA and MatMulSparseB skip the terms of a
// product whose factor from the patterned operand is zero. The input of an
// MLP's first layer is the case it is for: 81 % of MNIST's pixels are 0.
type Pattern struct {
	Rows, Cols int
	words      int
	bits       []uint64
	nnz        int
}

// Density returns the fraction of entries recorded as non-zero.
func (p *Pattern) Density() float64 {
	if p.Rows == 0 || p.Cols == 0 {
		return 0
	}
	return float64(p.nnz) / float64(p.Rows*p.Cols)
}

// sparseMaxDensity is the density up to which Sparse records a pattern.
// Above it too few of the micro-kernel's k steps can be skipped: one
// k step of a 6-row panel is skipped only when all six rows are zero there
// (for MNIST's 19 % dense pixels, 56 % of them), and for hidden layers
// after a ReLU (about 50 % zeros) hardly any.
const sparseMaxDensity = 0.35

// Sparse records m's pattern and reports whether it is sparse enough for
// the skipping products to pay. It first counts the non-zeros of m's first
// rows (up to 4) and gives up, recording nothing, when they are denser
// than sampleMaxDensity, so a dense matrix, or a hidden layer's output
// after a ReLU (about half zeros), costs a few rows' scan.
func (p *Pattern) Sparse(m *Mat) bool {
	p.Rows, p.Cols, p.nnz = 0, 0, 0
	if m.Rows == 0 || m.Cols == 0 {
		return false
	}
	rows := min(m.Rows, 4)
	p.Of(&Mat{Rows: rows, Cols: m.Cols, Data: m.Data[:rows*m.Cols]})
	if float64(p.nnz) > sampleMaxDensity*float64(rows*m.Cols) {
		p.Rows, p.Cols, p.nnz = 0, 0, 0
		return false
	}
	p.Of(m)
	return p.Density() <= sparseMaxDensity
}

// sampleMaxDensity is the density of m's first rows above which Sparse
// does not look further: above sparseMaxDensity to leave room for the
// variation between MNIST's images (4–45 % non-zero pixels each, 19 % on
// average; the mean of 4 random ones is at most 30 %).
const sampleMaxDensity = 0.45

// Of records the pattern of m.
func (p *Pattern) Of(m *Mat) {
	p.Rows, p.Cols = m.Rows, m.Cols
	p.words = (m.Cols + 63) / 64
	if n := m.Rows * p.words; cap(p.bits) >= n {
		p.bits = p.bits[:n]
	} else {
		p.bits = make([]uint64, n)
	}
	full := m.Cols / 64
	nnz := 0
	for i := 0; i < m.Rows; i++ {
		row := m.Row(i)
		w := p.bits[i*p.words : (i+1)*p.words]
		if full > 0 && vecAsm() {
			nonzeroWords(&row[0], full, &w[0])
		} else {
			for j := 0; j < full; j++ {
				w[j] = nonzeroWord(row[64*j : 64*j+64])
			}
		}
		if full < p.words {
			w[full] = nonzeroWord(row[64*full:])
		}
		for _, x := range w {
			nnz += bits.OnesCount64(x)
		}
	}
	p.nnz = nnz
}

// nonzeroWord returns the bits of the (up to 64) non-zero values of v.
func nonzeroWord(v []float32) uint64 {
	var w uint64
	for j, x := range v {
		if x != 0 || x != x {
			w |= 1 << j
		}
	}
	return w
}

// sparse tells FastGEMM which operand a Pattern belongs to and where the
// product's C starts in it: row off of A's pattern (onA) or column off of
// B's.
type sparse struct {
	p   *Pattern
	onA bool
	off int
}

// MatMulSparseA sets C ← A·op(B) + beta·C, beta 0 or 1, skipping the terms
// where A is zero; pa is A's pattern (pa.Of(A) since A last changed). The
// result is bit for bit MatMul(false, transB, 1, A, B, beta, C)'s: FastGEMM
// forms each element as a chain of multiply-adds over k (fused in the
// assembly kernel), and a term with a zero factor adds an exact zero to it,
// as long as the other factor is finite. So a tile whose panel of B holds
// an Inf or NaN in a depth block takes every step of that block (the
// packed panels are checked as the product goes, on its threads), and
// when the kernel is not FastGEMM this is MatMul itself.
func MatMulSparseA(transB bool, a *Mat, pa *Pattern, b *Mat, beta float32, c *Mat) {
	if pa.Rows != a.Rows || pa.Cols != a.Cols {
		panic(fmt.Sprintf("tensor: MatMulSparseA pattern %d×%d for A %d×%d", pa.Rows, pa.Cols, a.Rows, a.Cols))
	}
	matMulSparse(false, transB, a, b, beta, c, sparse{p: pa, onA: true})
}

// MatMulSparseB sets C ← op(A)·B + beta·C, beta 0 or 1, skipping the terms
// where B is zero; pb is B's pattern. It is MatMulSparseA with the roles
// of the operands exchanged (the other factor checked for Inf and NaN is A).
func MatMulSparseB(transA bool, a, b *Mat, pb *Pattern, beta float32, c *Mat) {
	if pb.Rows != b.Rows || pb.Cols != b.Cols {
		panic(fmt.Sprintf("tensor: MatMulSparseB pattern %d×%d for B %d×%d", pb.Rows, pb.Cols, b.Rows, b.Cols))
	}
	matMulSparse(transA, false, a, b, beta, c, sparse{p: pb})
}

func matMulSparse(transA, transB bool, a, b *Mat, beta float32, c *Mat, sp sparse) {
	_, fast := Kernel.(FastGEMM)
	if !fast || (beta != 0 && beta != 1) {
		MatMul(transA, transB, 1, a, b, beta, c)
		return
	}
	m, n, k := productShape(transA, transB, a, b, c)
	fastSgemm(transA, transB, m, n, k, 1, a.Data, a.Cols, b.Data, b.Cols, beta, c.Data, c.Cols, &sp, nil)
}

// allFinite reports whether x holds no Inf or NaN.
func allFinite(x []float32) bool {
	n := len(x) &^ 7
	var mx uint32
	if n > 0 && vecAsm() {
		mx = maxAbsBits(&x[0], n)
	} else {
		n = 0
	}
	for _, v := range x[n:] {
		mx = max(mx, math.Float32bits(v)&0x7fffffff)
	}
	return mx < 0x7f800000
}

// skipDense is the share of a panel's k steps (in eighths) from which the
// dense micro-kernel is used instead of the skipping one.
const skipDense = 7

// panelSteps lists, for each panel of the packed block, the k steps (0 ≤
// p < kb) at which the patterned operand is non-zero somewhere in the
// panel: panel q's steps are ws.idx[q·kb : q·kb+ws.idxN[q]]. onA: panels
// of mult rows of A starting at pattern row r0, the block's k steps
// starting at pattern column p0; otherwise panels of mult columns of B
// starting at pattern column r0, k steps at pattern rows p0….
func (ws *workspace) panelSteps(sp *sparse, r0, rows, mult, p0, kb int) {
	panels := (rows + mult - 1) / mult
	if cap(ws.idx) < panels*kb {
		ws.idx = make([]int32, panels*kb)
	}
	if cap(ws.idxN) < panels {
		ws.idxN = make([]int, panels)
	}
	idx, cnt := ws.idx[:panels*kb], ws.idxN[:panels]
	p := sp.p
	if sp.onA {
		for q := range cnt {
			lo, hi := r0+q*mult, r0+min((q+1)*mult, rows)
			steps, n := idx[q*kb:(q+1)*kb], 0
			// OR the panel's rows, then list the set bits in [p0, p0+kb).
			for wk := p0 / 64; wk*64 < p0+kb; wk++ {
				var x uint64
				for i := lo; i < hi; i++ {
					x |= p.bits[i*p.words+wk]
				}
				if b := p0 - wk*64; b > 0 {
					x &^= 1<<b - 1
				}
				if e := p0 + kb - wk*64; e < 64 {
					x &= 1<<e - 1
				}
				for x != 0 {
					steps[n] = int32(wk*64 + bits.TrailingZeros64(x) - p0)
					n++
					x &= x - 1
				}
			}
			cnt[q] = n
		}
		return
	}
	clear(cnt)
	if 64%mult != 0 || r0%mult != 0 {
		// Chunks and blocks of C's columns start at multiples of nr (8 or 16).
		panic(fmt.Sprintf("tensor: panels of %d columns from column %d", mult, r0))
	}
	// Panels are aligned fields of mult bits of a word: read each row's
	// words once.
	mask := uint64(1)<<mult - 1
	for st := 0; st < kb; st++ {
		w := p.bits[(p0+st)*p.words : (p0+st+1)*p.words]
		for q := range cnt {
			o := r0 + q*mult
			if w[o/64]>>(o%64)&mask != 0 {
				idx[q*kb+cnt[q]] = int32(st)
				cnt[q]++
			}
		}
	}
}

// steps returns panel q's k steps from the last panelSteps, or nil when
// the dense kernel should run.
func (ws *workspace) steps(q, kb int) []int32 {
	s := ws.idx[q*kb : q*kb+ws.idxN[q]]
	if 8*len(s) >= skipDense*kb {
		return nil
	}
	return s
}

// markFinite records, for each of the panels of the other operand (the one
// without the pattern) in the current block, whether it holds only finite
// values: packed panels of size values each from ws.b (B's, onA) or ws.a,
// and the rows of a stored A (av's full ones, mult to a panel) read in
// place. A panel that is not finite gets the dense kernel over all its
// steps (see matMulSparse).
func (ws *workspace) markFinite(packed []float32, mult, kb, panels int, av *storedA) {
	if cap(ws.finite) < panels {
		ws.finite = make([]bool, panels)
	}
	ws.finite = ws.finite[:panels]
	for q := range ws.finite {
		ok := true
		if av != nil && q*mult < av.full {
			for r := 0; r < mult && ok; r++ {
				row := av.a[(av.i0+q*mult+r)*av.lda+av.p0:]
				ok = allFinite(row[:kb])
			}
		} else {
			ok = allFinite(packed[q*mult*kb : (q+1)*mult*kb])
		}
		ws.finite[q] = ok
	}
}
