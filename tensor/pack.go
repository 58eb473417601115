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
// scratch for a last panel of fewer than six rows (grown as needed).
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
			// Six rows of the stored A become kb groups of six.
			kb8 := kb &^ 7
			for ; ir+6 <= mb; ir += 6 {
				off := (i0+ir)*lda + p0
				src := a[off : off+5*lda+kb]
				d := dst[ir*kb : (ir+6)*kb]
				if kb8 > 0 {
					packT6(kb8, &src[0], lda, &d[0])
				}
				for r := 0; r < 6; r++ {
					row := src[r*lda+kb8 : r*lda+kb]
					for p, v := range row {
						d[(kb8+p)*6+r] = v
					}
				}
			}
			if rows := mb - ir; rows > 0 && kb8 > 0 {
				// The last rows, copied under zero rows into six rows of
				// scratch, go through the same transpose: a filter count
				// such as 16 or 32 leaves such a panel in every product
				// with W, and the strided Go stores below cost more.
				*edge = grow(*edge, 6*kb)
				buf := *edge
				for r := 0; r < rows; r++ {
					off := (i0+ir+r)*lda + p0
					copy(buf[r*kb:(r+1)*kb], a[off:off+kb])
				}
				clear(buf[rows*kb:])
				d := dst[ir*kb : (ir+6)*kb]
				packT6(kb8, &buf[0], kb, &d[0])
				for r := 0; r < 6; r++ {
					row := buf[r*kb+kb8 : r*kb+kb]
					for p, v := range row {
						d[(kb8+p)*6+r] = v
					}
				}
				ir = mb
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

// packB packs the kb×nb block of op(B) at (p0, j0) into dst.
func packB(asm, transB bool, b []float32, ldb, p0, j0, kb, nb, nr int, dst []float32) {
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
			// Sixteen rows of the stored B become kb groups of sixteen.
			kb8 := kb &^ 7
			for ; jr+16 <= nb; jr += 16 {
				off := (j0+jr)*ldb + p0
				src := b[off : off+15*ldb+kb]
				d := dst[jr*kb : (jr+16)*kb]
				if kb8 > 0 {
					packT16(kb8, &src[0], ldb, &d[0])
				}
				for c := 0; c < 16; c++ {
					row := src[c*ldb+kb8 : c*ldb+kb]
					for p, v := range row {
						d[(kb8+p)*16+c] = v
					}
				}
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
