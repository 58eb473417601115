package feedback

import "github.com/creditlab/credit/tensor"

// SGD takes one gradient step on the batch-summed regression loss:
// F ← F − LR·eᵀ(e·F − λ̂), the paper's B ← B − η_B Σ_n (B ẽ_n − λ̂_n) ẽ_nᵀ.
type SGD struct {
	LR  float32
	res tensor.Mat
}

// Update implements Solver. Its step, like the forward learning rate, is
// in the units of the run's loss reduction (scale is not used).
func (s *SGD) Update(_ int, F, e, lam *tensor.Mat, _ float32) {
	if s.LR == 0 {
		return
	}
	s.res.CopyFrom(lam)
	tensor.MatMul(false, false, 1, e, F, -1, &s.res) // e·F − λ̂
	tensor.MatMul(true, false, -s.LR, e, &s.res, 1, F)
}

// updateFrom is Update given eF = e·F, which the backward pass delivered
// already: the residual eF − λ̂ element-wise, then the one product. When
// tensor.OneSum(e.Cols) it gives Update's bits (see there).
func (s *SGD) updateFrom(F, e, eF, lam *tensor.Mat) {
	if s.LR == 0 {
		return
	}
	s.res.CopyFrom(eF)
	tensor.Axpy(-1, lam.Data, s.res.Data) // e·F − λ̂
	tensor.MatMul(true, false, -s.LR, e, &s.res, 1, F)
}
