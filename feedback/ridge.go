package feedback

import (
	"fmt"
	"math"

	"github.com/creditlab/credit/tensor"
)

// Ridge is least squares over all history: V ← V + eᵀe (V starts at γI),
// M ← M + eᵀλ̂ (M starts at 0), F = V⁻¹M by a Cholesky solve. This is the
// paper's B = S V⁻¹ with S = Mᵀ. Sums are kept in float64.
//
// V and M are kept in the units of a summed loss whatever the reduction
// (SPEC §3): under a mean over b examples e and λ̂ are 1/b of their summed
// values, so each batch's products are multiplied by 1/scale² = b² before
// they are added. γ therefore means the same at every batch size and
// reduction, and a run with the mean gives the B of the same run with the
// sum (to float rounding); a summed run multiplies by 1, exactly.
type Ridge struct {
	Gamma float64
	state []*ridgeState
}

type ridgeState struct {
	s, t   int
	v, m   []float64  // s×s and s×t, row-major
	l, x   []float64  // Cholesky factor and solution scratch
	bv, bm tensor.Mat // this batch's eᵀe and eᵀλ̂ (float32 GEMMs, added in float64)
}

func newRidgeState(s, t int) *ridgeState {
	return &ridgeState{s: s, t: t, v: make([]float64, s*s), m: make([]float64, s*t), l: make([]float64, s*s), x: make([]float64, s*t)}
}

// State implements StatefulSolver: V and M of each site in turn, both
// empty for a site not updated yet.
func (r *Ridge) State() [][]float64 {
	a := make([][]float64, 0, 2*len(r.state))
	for _, st := range r.state {
		if st == nil {
			a = append(a, nil, nil)
		} else {
			a = append(a, st.v, st.m)
		}
	}
	return a
}

// Arrays implements StatefulSolver: V and M per site.
func (r *Ridge) Arrays(sites int) int { return 2 * sites }

// SetState implements StatefulSolver.
func (r *Ridge) SetState(F []*tensor.Mat, a [][]float64) error {
	if len(a)%2 != 0 || len(a) > 2*len(F) {
		return fmt.Errorf("ridge: %d state arrays for %d feedback matrices, want two per matrix at most", len(a), len(F))
	}
	state := make([]*ridgeState, len(a)/2)
	for i := range state {
		v, m := a[2*i], a[2*i+1]
		if len(v) == 0 && len(m) == 0 {
			continue
		}
		s, t := F[i].Rows, F[i].Cols
		if len(v) != s*s || len(m) != s*t {
			return fmt.Errorf("ridge: site %d: V has %d and M %d values, want %d×%d and %d×%d", i, len(v), len(m), s, s, s, t)
		}
		state[i] = newRidgeState(s, t)
		copy(state[i].v, v)
		copy(state[i].m, m)
	}
	r.state = state
	return nil
}

// Update implements Solver.
func (r *Ridge) Update(site int, F, e, lam *tensor.Mat, scale float32) {
	for len(r.state) <= site {
		r.state = append(r.state, nil)
	}
	st := r.state[site]
	if st == nil {
		st = newRidgeState(F.Rows, F.Cols)
		for i := 0; i < st.s; i++ {
			st.v[i*st.s+i] = r.Gamma
		}
		r.state[site] = st
	}
	s, t := st.s, st.t
	// One batch's sums are short (batch terms) and exact enough in float32;
	// the history accumulates in float64.
	tensor.MatMul(true, false, 1, e, e, 0, st.bv.Resize(s, s))
	tensor.MatMul(true, false, 1, e, lam, 0, st.bm.Resize(s, t))
	w := 1 / (float64(scale) * float64(scale)) // to summed-loss units
	for i, v := range st.bv.Data {
		st.v[i] += float64(v) * w
	}
	for i, v := range st.bm.Data {
		st.m[i] += float64(v) * w
	}
	if !cholesky(st.v, st.l, s) {
		return // not positive definite (γ = 0 and too few samples): keep F
	}
	copy(st.x, st.m)
	cholSolve(st.l, st.x, s, t)
	for i, v := range st.x {
		F.Data[i] = float32(v)
	}
}

// cholesky writes the lower factor L of the s×s symmetric matrix a = L·Lᵀ
// into l and reports whether a is positive definite.
func cholesky(a, l []float64, s int) bool {
	clear(l)
	for j := 0; j < s; j++ {
		d := a[j*s+j]
		for k := 0; k < j; k++ {
			d -= l[j*s+k] * l[j*s+k]
		}
		if !(d > 0) {
			return false
		}
		d = math.Sqrt(d)
		l[j*s+j] = d
		for i := j + 1; i < s; i++ {
			v := a[i*s+j]
			for k := 0; k < j; k++ {
				v -= l[i*s+k] * l[j*s+k]
			}
			l[i*s+j] = v / d
		}
	}
	return true
}

// cholSolve overwrites the s×t right-hand side x with (L·Lᵀ)⁻¹x, working
// on whole rows of x (contiguous, through the vectorised tensor.Axpy64)
// rather than one column at a time.
func cholSolve(l, x []float64, s, t int) {
	for i := 0; i < s; i++ { // L y = b
		xi := x[i*t : (i+1)*t]
		for k, lik := range l[i*s : i*s+i] {
			if lik != 0 {
				tensor.Axpy64(-lik, x[k*t:(k+1)*t], xi)
			}
		}
		inv := 1 / l[i*s+i]
		for c := range xi {
			xi[c] *= inv
		}
	}
	for i := s - 1; i >= 0; i-- { // Lᵀ z = y
		xi := x[i*t : (i+1)*t]
		for k := i + 1; k < s; k++ {
			if lki := l[k*s+i]; lki != 0 {
				tensor.Axpy64(-lki, x[k*t:(k+1)*t], xi)
			}
		}
		inv := 1 / l[i*s+i]
		for c := range xi {
			xi[c] *= inv
		}
	}
}
