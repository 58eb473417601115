package feedback

import (
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// coreSGD is the sgd solver for layer-wise feedback of a core above a
// hidden site that is not one plain dense layer: a convolution (np on conv
// layers), a batch-normalised layer or a residual block. F (W's shape)
// delivers InputGrad(ẽ, F), the core's input error with F in place of W,
// and one step descends the batch-summed regression loss
// ½‖InputGrad(ẽ, F) − λ̂‖² (ẽ batch × Out, the error at the core's output
// that the learned feedback delivered; λ̂ batch × In, node perturbation's
// estimate at the site):
//
//	F ← F − η_B·FeedbackGrad(ẽ, F, InputGrad(ẽ, F) − λ̂)
//
// FeedbackGrad being the adjoint of the input-error pass in its weights
// (nn.Core). For a convolution that is the kernel gradient taken with the
// residual in place of the input; on a dense layer the same step is SGD's
// F ← F − η_B·ẽᵀ(ẽF − λ̂). Normalisation and shortcuts stay exact, so in a
// residual block the hidden sites are the block outputs and λ̂ at a
// block's input teaches both kernel sets inside it (the product conv₁ᵀ ·
// conv₂ᵀ through the exact normalisations and σ', plus the projection's),
// the regression being bilinear there. A step costs one FeedbackGrad of
// the core, and one input-error pass unless the backward pass's delivery
// is given (the same values: it is InputGrad(ẽ, F)).
type coreSGD struct {
	lr        float32
	res, grad tensor.Mat
}

// update takes one step on F for the core c; delivered is InputGrad(e, F)
// as the backward pass delivered it, or nil to compute it.
func (k *coreSGD) update(c nn.Core, F, e, delivered, lam *tensor.Mat) {
	if k.lr == 0 {
		return
	}
	if delivered != nil {
		k.res.CopyFrom(delivered)
	} else {
		c.InputGrad(e, F, &k.res)
	}
	tensor.Axpy(-1, lam.Data, k.res.Data) // InputGrad(ẽ, F) − λ̂
	c.FeedbackGrad(e, F, &k.res, &k.grad)
	tensor.Axpy(-k.lr, k.grad.Data, F.Data)
}

// coreLoss returns (1/N) Σ_n ½‖λ̂_n − InputGrad(ẽ, F)_n‖², the loss coreSGD
// descends, per example (metrics.RegressionLoss for a dense layer).
func coreLoss(c nn.Core, F, e, lam *tensor.Mat) float64 {
	var pred tensor.Mat
	c.InputGrad(e, F, &pred)
	var s float64
	for i, v := range lam.Data {
		d := float64(v) - float64(pred.Data[i])
		s += d * d
	}
	return s / 2 / float64(e.Rows)
}
