package tensor

// Packed layouts. A block of op(A), mb×kb, is stored as ⌈mb/mr⌉ panels of
// mr·kb values: panel r holds rows r·mr… as kb groups of mr values (one per
// k step), zero-padded past mb. A block of op(B), kb×nb, is stored as
// ⌈nb/nr⌉ panels of kb·nr values: panel c holds columns c·nr… as kb groups
// of nr values, zero-padded past nb. The micro-kernel then reads both
// panels front to back.
//
// With asm set (mr = 6, nr = 16 on amd64) full panels are packed by the
// assembly routines of pack_amd64.s and only edge panels and k tails by the
// Go loops here.

// packA packs the mb×kb block of op(A) at (i0, p0) into dst. edge is
// scratch for a last panel of fewer rows than the kernel's (grown as
// needed).
func packA(asm, transA bool, a []float32, lda, i0, p0, mb, kb, mr int, dst []float32, edge *[]float32) {
	ir := 0
	if asm && mr == 6 {
		full := mb / 6
		if transA && full > 0 {
			// Row p of the stored A holds op(A)[·][p]: a row-wise scatter.
			src := a[p0*lda+i0 : (p0+kb-1)*lda+i0+full*6]
			d := dst[:full*6*kb]
			packN6(kb, full, &src[0], lda, &d[0], 6*kb)
			ir = full * 6
		}
		if !transA {
			// Six rows of the stored A become kb groups of six; the last
			// panel's rows too, under zero rows (a filter count such as
			// 16 or 32 leaves one in every product with W).
			for ; ir < mb; ir += 6 {
				rows := min(6, mb-ir)
				off := (i0+ir)*lda + p0
				packRowsT(6, rows, a[off:off+(rows-1)*lda+kb], lda, kb, dst[ir*kb:(ir+6)*kb], edge)
			}
		}
	}
	for ; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		d := dst[ir*kb : (ir+mr)*kb]
		if transA {
			base := p0*lda + i0 + ir
			for p := 0; p < kb; p++ {
				dd := d[p*mr : p*mr+mr]
				copy(dd, a[base+p*lda:base+p*lda+rows])
				clear(dd[rows:])
			}
			continue
		}
		for r := 0; r < rows; r++ {
			src := a[(i0+ir+r)*lda+p0 : (i0+ir+r)*lda+p0+kb]
			for p, v := range src {
				d[p*mr+r] = v
			}
		}
		for r := rows; r < mr; r++ {
			for p := 0; p < kb; p++ {
				d[p*mr+r] = 0
			}
		}
	}
}

// packB packs the kb×nb block of op(B) at (p0, j0) into dst; edge as
// packA's.
func packB(asm, transB bool, b []float32, ldb, p0, j0, kb, nb, nr int, dst []float32, edge *[]float32) {
	jr := 0
	if asm && nr == 16 {
		full := nb / 16
		if !transB && full > 0 {
			// Rows of the stored B are rows of op(B): read each once,
			// front to back, scattering 16 values to each panel.
			src := b[p0*ldb+j0 : (p0+kb-1)*ldb+j0+full*16]
			d := dst[:full*16*kb]
			packN16(kb, full, &src[0], ldb, &d[0], 16*kb)
			jr = full * 16
		}
		if transB {
			// Sixteen rows of the stored B become kb groups of sixteen;
			// the last panel's rows too, under zero rows.
			for ; jr < nb; jr += 16 {
				cols := min(16, nb-jr)
				off := (j0+jr)*ldb + p0
				packRowsT(16, cols, b[off:off+(cols-1)*ldb+kb], ldb, kb, dst[jr*kb:(jr+16)*kb], edge)
			}
		}
	}
	for ; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		d := dst[jr*kb : (jr+nr)*kb]
		if !transB {
			base := p0*ldb + j0 + jr
			for p := 0; p < kb; p++ {
				dd := d[p*nr : p*nr+nr]
				copy(dd, b[base+p*ldb:base+p*ldb+cols])
				clear(dd[cols:])
			}
			continue
		}
		// Stored B is n×k: column j of op(B) is row j of B.
		for jj := 0; jj < cols; jj++ {
			src := b[(j0+jr+jj)*ldb+p0 : (j0+jr+jj)*ldb+p0+kb]
			for p, v := range src {
				d[p*nr+jj] = v
			}
		}
		for jj := cols; jj < nr; jj++ {
			for p := 0; p < kb; p++ {
				d[p*nr+jj] = 0
			}
		}
	}
}

// packRowsT packs rows (at most w, 6 or 16) rows of a stored matrix, kb
// values each at src[r·lds…], as kb groups of w values, zero-padded to w
// rows, into d: through the assembly transpose (packT6, packT16) for the
// first kb rounded down to 8 steps, Go for the rest. Fewer than w rows are
// first copied under zero rows into the scratch edge, so a last panel takes
// the same transpose instead of strided stores.
func packRowsT(w, rows int, src []float32, lds, kb int, d []float32, edge *[]float32) {
	if rows < w {
		*edge = grow(*edge, w*kb)
		buf := *edge
		for r := 0; r < rows; r++ {
			copy(buf[r*kb:(r+1)*kb], src[r*lds:r*lds+kb])
		}
		clear(buf[rows*kb:])
		src, lds = buf, kb
	}
	kb8 := kb &^ 7
	if kb8 > 0 {
		if w == 6 {
			packT6(kb8, &src[0], lds, &d[0])
		} else {
			packT16(kb8, &src[0], lds, &d[0])
		}
	}
	for r := 0; r < w; r++ {
		row := src[r*lds+kb8 : r*lds+kb]
		for p, v := range row {
			d[(kb8+p)*w+r] = v
		}
	}
}
