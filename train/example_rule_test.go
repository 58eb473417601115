package train_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
	"github.com/creditlab/credit/train"
)

// normMatched is a mechanism defined outside credit: before every step it
// rescales each layer-wise feedback matrix F[i] (W^{i+1}'s shape) to the
// Frobenius norm of the forward weights it stands in for, so that the
// delivered error has backprop's scale while its direction stays random.
type normMatched struct{ f []*tensor.Mat }

// Attach implements feedback.Part: it needs the rule's feedback matrices,
// which the delivery (the first part) has made.
func (p *normMatched) Attach(r *feedback.Rule, _ *nn.Net, _ *rand.Rand) error {
	if p.f = r.Feedback(); p.f == nil {
		return errors.New("norm matching needs feedback matrices")
	}
	return nil
}

// Prepare implements feedback.Preparer.
func (p *normMatched) Prepare(s *feedback.Step) {
	for i, f := range p.f {
		w := s.Net.Blocks[i+1].Core.Weight()
		tensor.Scale(float32(tensor.Norm(w.Data)/tensor.Norm(f.Data)), f.Data)
	}
}

func init() {
	feedback.Register(feedback.Def{
		Name: "fa-norm",
		Doc:  "feedback alignment with B rescaled to ‖W‖ before every step",
		Parts: func() []feedback.Part {
			return []feedback.Part{&feedback.LayerWise{}, &normMatched{}}
		},
	})
}

// A rule defined in another package (here, this test's) is registered
// with feedback.Register and then trained, validated, diagnosed and
// checkpointed like credit's own: train never asks what a rule is.
func Example_ruleFromAnotherPackage() {
	dir, _ := os.MkdirTemp("", "credit-example")
	defer os.RemoveAll(dir)
	c := config.Default()
	c.Rule, c.Data, c.Net, c.Act, c.Epochs, c.Opt, c.LR = "fa-norm", "linear", "30-20-10", "tanh", 3, "sgd", 1e-3
	c.TrainSize, c.DiagBatch, c.Out = 2000, 200, filepath.Join(dir, "run")
	r, err := train.Train(context.Background(), c, train.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The last step rescaled B to ‖W‖; W has moved once since.
	b, w := r.Rule.Feedback()[0], r.Net.Blocks[1].Core.Weight()
	fmt.Printf("%s: ‖B‖/‖W‖ = %.2f, weight angle %s 90°\n", r.Summary.Rule, tensor.Norm(b.Data)/tensor.Norm(w.Data),
		map[bool]string{true: "<", false: "≥"}[float64(*r.Summary.Layers[0].WeightAngle) < 90])
	// Output: fa-norm: ‖B‖/‖W‖ = 1.00, weight angle < 90°
}
