package feedback

import (
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// kernelSGD is the sgd solver for layer-wise feedback kernels of a
// convolution above a hidden site (np on conv layers): F (OutC × InC·K·K,
// W's shape) delivers convᵀ(F, ẽ), the convolution's input error with F in
// place of W, and one step descends the batch-summed regression loss
// ½‖convᵀ(F, ẽ) − λ̂‖² (ẽ batch × OutC·OutH·OutW, the error at the
// convolution's output that the learned feedback delivered; λ̂ batch ×
// InC·InH·InW, node perturbation's estimate at the site):
//
//	F ← F − η_B·KernelGrad(convᵀ(F, ẽ) − λ̂, ẽ)
//
// KernelGrad being the convolution's weight gradient taken with the
// residual in place of its input, the adjoint of convᵀ in the kernels. On
// a dense layer the same step is SGD's F ← F − η_B·ẽᵀ(ẽF − λ̂). A step costs
// one input-error pass and one weight-gradient pass of the convolution.
type kernelSGD struct {
	lr        float32
	res, grad tensor.Mat
}

// update takes one step on F for the convolution c.
func (k *kernelSGD) update(c *nn.Conv2D, F, e, lam *tensor.Mat) {
	if k.lr == 0 {
		return
	}
	c.InputGrad(e, F, &k.res)
	tensor.Axpy(-1, lam.Data, k.res.Data) // convᵀ(F, ẽ) − λ̂
	c.KernelGrad(&k.res, e, &k.grad)
	tensor.Axpy(-k.lr, k.grad.Data, F.Data)
}

// kernelLoss returns (1/N) Σ_n ½‖λ̂_n − convᵀ(F, ẽ)_n‖², the loss kernelSGD
// descends, per example (metrics.RegressionLoss for a dense layer).
func kernelLoss(c *nn.Conv2D, F, e, lam *tensor.Mat) float64 {
	var pred tensor.Mat
	c.InputGrad(e, F, &pred)
	var s float64
	for i, v := range lam.Data {
		d := float64(v) - float64(pred.Data[i])
		s += d * d
	}
	return s / 2 / float64(e.Rows)
}
