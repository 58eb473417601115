package tensor

import (
	"fmt"
	"sync/atomic"
	"unsafe"
)

// FastGEMM is credit's own GEMM and the default Kernel. It follows the
// usual blocked scheme: op(B) is packed kc×nc at a time into panels of nr
// columns, op(A) mc×kc at a time into panels of mr rows, and a
// register-blocked micro-kernel multiplies one A panel by one B panel into
// an mr×nr tile of C. On amd64 with AVX2 and FMA the micro-kernel is
// assembly (6×16 tiles); elsewhere, under the purego build tag or after
// UseGeneric(true), it is portable Go (4×8 tiles).
//
// Packing buffers belong to workspaces that are kept and reused, and large
// products are split over a persistent pool of worker goroutines (see
// SetThreads), so a call in steady state allocates nothing. FastGEMM is
// safe for concurrent use.
type FastGEMM struct{}

// blocking describes one micro-kernel and the cache blocking around it.
type blocking struct {
	mr, nr     int  // micro-tile
	mc, kc, nc int  // cache blocks (upper bounds; see blockSize)
	asm        bool // use the assembly micro-kernel
}

var (
	// asmBlocking is used on amd64 with AVX2+FMA. kc·nr·4 = 16 KiB keeps the
	// B micro-panel in L1d; mc·kc·4 ≈ 144 KiB keeps the A block in L2.
	asmBlocking = blocking{mr: 6, nr: 16, mc: 144, kc: 256, nc: 3072, asm: true}
	// genericBlocking is the portable Go path.
	genericBlocking = blocking{mr: 4, nr: 8, mc: 128, kc: 256, nc: 2048}
)

// forceGeneric makes FastGEMM use the portable path even where the
// assembly kernel is available.
var forceGeneric atomic.Bool

// packAllA makes the assembly path pack every panel of op(A), as the portable
// path does, instead of reading full panels where A is stored (tests
// compare the two).
var packAllA atomic.Bool

// UseGeneric(true) makes FastGEMM use its portable pure-Go micro-kernel,
// and the element-wise kernels their Go loops, even where the assembly is
// available (tests use it to cover both paths on one machine);
// UseGeneric(false) restores the automatic choice. It returns the previous
// setting.
func UseGeneric(on bool) bool { return forceGeneric.Swap(on) }

// HasAsmKernel reports whether FastGEMM can use its assembly micro-kernel
// on this machine and build.
func HasAsmKernel() bool { return hasAsmKernel }

func currentBlocking() *blocking {
	if hasAsmKernel && !forceGeneric.Load() {
		return &asmBlocking
	}
	return &genericBlocking
}

// parallelMinFlops is the size (2·m·n·k) from which FastGEMM splits a
// product over several threads. Measured with BenchmarkParallelThreshold
// (1 vs 2 threads, interleaved) on 2 quiet cores on 2026-12-01: 2 threads
// gain 40 % at 2.1 MFLOP (72 → 102 GFLOP/s, 32×128×256) and 37 % at 4.2
// (80 → 110), little at 0.5 (64 → 74, and not always); 8 MFLOP, the
// threshold before, was set on heavily shared cores, where a hand-off can
// wait for a descheduled worker. The split is by rows and columns of C,
// so the results do not depend on it.
const parallelMinFlops = 2 << 20

// Sgemm implements GEMM.
func (FastGEMM) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	fastSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, nil)
}

// fastSgemm is FastGEMM's product; sp, when not nil, names an operand's
// Pattern whose zero terms are skipped (MatMulSparseA, MatMulSparseB); bs,
// when not nil, packs B's panels itself (MatMulPanels; b is then nil).
func fastSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, sp *sparse, bs *panelB) {
	checkGEMMArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, bs != nil)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	bl := currentBlocking()
	if t := Threads(); t > 1 && 2*m*n*k >= parallelMinFlops {
		if sgemmParallel(bl, t, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, sp, bs) {
			return
		}
	}
	ws := getWorkspace()
	ws.gemm(bl, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, sp, bs)
	putWorkspace(ws)
}

// checkGEMMArgs panics unless every element the product touches lies inside
// a, b and c. The assembly kernel writes C through a pointer, so this check
// is what keeps it memory safe.
func checkGEMMArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, packedB bool) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("tensor: Sgemm negative size m=%d n=%d k=%d", m, n, k))
	}
	ar, ac, br, bc := storedShapes(transA, transB, m, n, k)
	check := func(name string, s []float32, rows, cols, ld int) {
		if ld < max(cols, 1) {
			panic(fmt.Sprintf("tensor: Sgemm %s stride %d < %d columns", name, ld, cols))
		}
		if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("tensor: Sgemm %s has %d values, %d×%d with stride %d needs %d", name, len(s), rows, cols, ld, (rows-1)*ld+cols))
		}
	}
	check("A", a, ar, ac, lda)
	if !packedB {
		check("B", b, br, bc, ldb)
	}
	check("C", c, m, n, ldc)
}

// storedShapes returns the rows and columns of A and B as stored for the
// product op(A)·op(B) of m×k by k×n: A is k×m when transA, B n×k when
// transB.
func storedShapes(transA, transB bool, m, n, k int) (ar, ac, br, bc int) {
	ar, ac, br, bc = m, k, k, n
	if transA {
		ar, ac = k, m
	}
	if transB {
		br, bc = n, k
	}
	return ar, ac, br, bc
}

// scaleC sets C ← beta·C (beta == 0 overwrites with zeros).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// blockSize splits total into the fewest blocks of at most limit and
// returns the common block size, rounded up to a multiple of mult, so that
// the last block is not a sliver.
func blockSize(total, limit, mult int) int {
	nb := (total + limit - 1) / limit
	bs := (total + nb - 1) / nb
	return (bs + mult - 1) / mult * mult
}

// workspace holds the packing buffers of one thread of work.
type workspace struct {
	a, b   []float32   // packed A block and B panel, 64-byte aligned
	tmp    [96]float32 // one edge tile (mr·nr ≤ 96)
	idx    []int32     // k steps of each panel of a patterned operand (panelSteps)
	idxN   []int       // how many each panel has
	finite []bool      // whether each panel of the other operand is finite (markFinite)
	edge   []float32   // packing's scratch for a last panel of fewer rows (packRowsT)
	job    job         // a parallel product or Parallel call started from this workspace
	vec    vecTask     // an element-wise call split over threads
	normal normalTask  // a FillNormalPCG split over threads
	opt    optTask     // an optimiser update split over threads
}

// grow returns buf if it holds n values and otherwise a new 64-byte
// aligned buffer of at least n values.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	raw := make([]float32, n+16)
	off := 0
	if r := uintptr(unsafe.Pointer(&raw[0])) % 64; r != 0 {
		off = int(64-r) / 4
	}
	return raw[off : off+n : off+n]
}

// gemm runs the whole blocked product on the calling goroutine. sp, when
// not nil, names an operand's Pattern whose zero terms are skipped; bs,
// when not nil, packs B's panels (its columns from bs.off) in place of
// packB.
//
// With the assembly kernels and A not transposed, full panels of A are not
// packed: the kernel reads the six rows where they are stored, which gives
// the same bits (the same products in the same order) without the copy;
// only a last panel of fewer rows is packed, under zero rows. Measured on
// the MNIST MLP's products (BenchmarkStoredA) that is 2–13 % faster. A
// stored Aᵀ (a weight gradient's error, k = the batch) is still packed:
// read in place, its six values per step come from rows a stride apart,
// and for k = 32 that was 3–7 % slower (2–14 % faster at 256). B is
// always packed: its panel stays in L1 across the block of A.
func (ws *workspace) gemm(bl *blocking, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, sp *sparse, bs *panelB) {
	mr, nr := bl.mr, bl.nr
	kc := blockSize(k, bl.kc, 8) // whole 8×8 transposes when packing
	mc := blockSize(m, bl.mc, mr)
	nc := blockSize(n, bl.nc, nr)
	ws.a = grow(ws.a, mc*kc)
	ws.b = grow(ws.b, nc*kc)
	direct := bl.asm && !transA && !packAllA.Load()
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			if bs != nil {
				bs.src.PackPanels(ws.b[:(nb+nr-1)/nr*nr*kb], pc, kb, bs.off+jc, nb, nr)
			} else {
				packB(bl.asm, transB, b, ldb, pc, jc, kb, nb, nr, ws.b, &ws.edge)
			}
			if sp != nil && !sp.onA {
				ws.panelSteps(sp, sp.off+jc, nb, nr, pc, kb)
			}
			if sp != nil && sp.onA {
				ws.markFinite(ws.b, nr, kb, (nb+nr-1)/nr, nil)
			}
			bet := beta
			if pc > 0 {
				bet = 1
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				av := storedA{a: a, lda: lda, i0: ic, p0: pc}
				if direct {
					av.full = mb / mr * mr
				}
				if av.full < mb {
					packA(bl.asm, transA, a, lda, ic+av.full, pc, mb-av.full, kb, mr, ws.a[av.full*kb:], &ws.edge)
				}
				if sp != nil && sp.onA {
					ws.panelSteps(sp, sp.off+ic, mb, mr, pc, kb)
				}
				if sp != nil && !sp.onA {
					ws.markFinite(ws.a, mr, kb, (mb+mr-1)/mr, &av)
				}
				ws.macro(bl, mb, nb, kb, alpha, bet, c[ic*ldc+jc:], ldc, sp, &av)
			}
		}
	}
}

// storedA is the mb×kb block at (i0, p0) of a row-major A with row stride
// lda. Its first full rows (a multiple of the micro-tile's) are read there
// by the assembly kernels; the rest is packed in ws.a.
type storedA struct {
	a      []float32
	lda    int
	i0, p0 int
	full   int
}

// at returns the address of A[i0+i][p0].
func (s *storedA) at(i int) *float32 { return &s.a[(s.i0+i)*s.lda+s.p0] }

// macro multiplies the mb×kb block of A (stored, av, or packed in ws.a) by
// the packed kb×nb panel of B into C (whose top-left corner is c[0]); with
// sp, over the k steps the last panelSteps listed for each panel of the
// patterned operand.
func (ws *workspace) macro(bl *blocking, mb, nb, kb int, alpha, beta float32, c []float32, ldc int, sp *sparse, av *storedA) {
	mr, nr := bl.mr, bl.nr
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		bp := ws.b[jr*kb : (jr+nr)*kb]
		for ir := 0; ir < mb; ir += mr {
			rows := min(mr, mb-ir)
			ap := ws.a[ir*kb : (ir+mr)*kb]
			// The patterned operand's steps, unless the other one's panel
			// holds an Inf or NaN (or the dense kernel is faster).
			var steps []int32
			switch {
			case sp == nil:
			case sp.onA && ws.finite[jr/nr]:
				steps = ws.steps(ir/mr, kb)
			case !sp.onA && ws.finite[ir/mr]:
				steps = ws.steps(jr/nr, kb)
			}
			var direct *float32
			if ir < av.full {
				direct = av.at(ir)
			}
			if rows == mr && cols == nr {
				cc := c[ir*ldc+jr : (ir+mr-1)*ldc+jr+nr]
				ws.kernel(bl, kb, steps, ap, direct, av.lda, bp, cc, ldc, alpha, beta)
				continue
			}
			// Edge tile: compute the full tile into tmp, then merge the
			// valid part.
			tmp := ws.tmp[:mr*nr]
			ws.kernel(bl, kb, steps, ap, direct, av.lda, bp, tmp, nr, 1, 0)
			for i := 0; i < rows; i++ {
				src := tmp[i*nr : i*nr+cols]
				dst := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+cols]
				if beta == 0 {
					for j, v := range src {
						dst[j] = alpha * v
					}
				} else {
					for j, v := range src {
						dst[j] = alpha*v + beta*dst[j]
					}
				}
			}
		}
	}
}

// kernel runs bl's micro-kernel on one tile: over all kb steps, or over
// steps when it is not nil; A from the packed panel ap, or, when direct is
// not nil, from the six rows of stride lda starting there.
func (ws *workspace) kernel(bl *blocking, kb int, steps []int32, ap []float32, direct *float32, lda int, bp, c []float32, ldc int, alpha, beta float32) {
	if !bl.asm {
		if steps != nil {
			kb = len(steps)
		}
		kernel4x8(kb, steps, ap, bp, c, ldc, alpha, beta)
		return
	}
	if steps == nil {
		if direct == nil {
			sgemmKernel6x16(kb, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
		} else {
			sgemmKernel6x16A(kb, direct, lda, &bp[0], &c[0], ldc, alpha, beta)
		}
		return
	}
	var s *int32
	if len(steps) > 0 {
		s = &steps[0]
	}
	if direct == nil {
		sgemmKernel6x16Steps(len(steps), s, &ap[0], &bp[0], &c[0], ldc, alpha, beta)
	} else {
		sgemmKernel6x16StepsA(len(steps), s, direct, lda, &bp[0], &c[0], ldc, alpha, beta)
	}
}

// kernel4x8 is the portable micro-kernel: C[0:4][0:8] ← alpha·A·B +
// beta·C for a packed 4×k panel of A and k×8 panel of B, over the k steps
// 0…k−1, or over steps only when steps is not nil (then k = len(steps)).
// The Go compiler cannot keep 32 accumulators in registers (nor schedules
// 8 well: it spills), so they live in a small array that stays in L1; of
// the variants measured this one was the fastest.
func kernel4x8(k int, steps []int32, a, b, c []float32, ldc int, alpha, beta float32) {
	var acc [32]float32
	for q := 0; q < k; q++ {
		p := q
		if steps != nil {
			p = int(steps[q])
		}
		ap := a[4*p : 4*p+4 : 4*p+4]
		bp := b[8*p : 8*p+8 : 8*p+8]
		for i, av := range ap {
			r := acc[8*i : 8*i+8 : 8*i+8]
			r[0] += av * bp[0]
			r[1] += av * bp[1]
			r[2] += av * bp[2]
			r[3] += av * bp[3]
			r[4] += av * bp[4]
			r[5] += av * bp[5]
			r[6] += av * bp[6]
			r[7] += av * bp[7]
		}
	}
	for i := 0; i < 4; i++ {
		src := acc[8*i : 8*i+8 : 8*i+8]
		dst := c[i*ldc : i*ldc+8 : i*ldc+8]
		if beta == 0 {
			for j, v := range src {
				dst[j] = alpha * v
			}
		} else {
			for j, v := range src {
				dst[j] = alpha*v + beta*dst[j]
			}
		}
	}
}
