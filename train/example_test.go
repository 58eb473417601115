package train_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/train"
)

// Training the paper's network (784-50-20-10, sigmoid, np with ridge-learned
// feedback) from Go, here on 2,000 MNIST images for 2 epochs, watching each
// epoch as it ends.
func ExampleTrain() {
	dir, _ := os.MkdirTemp("", "credit-example")
	defer os.RemoveAll(dir)
	c := config.Default() // the main job's settings
	c.TrainSize, c.Epochs, c.DiagBatch, c.Out = 2000, 2, 500, filepath.Join(dir, "run")
	r, err := train.Train(context.Background(), c, train.Options{
		OnEpoch: func(e rundir.Epoch, m train.Model) {
			fmt.Printf("epoch %d: %d steps, %d feedback matrices, test error %.2f%%\n",
				e.Epoch, e.Steps, len(m.Rule.Feedback()), 100*float64(e.TestError))
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := r.Net.Blocks[0].Core.Weight()
	fmt.Printf("trained: W¹ is %d×%d, %d hidden layers diagnosed\n", w.Rows, w.Cols, len(r.Summary.Layers))
	// Output:
	// epoch 0: 0 steps, 2 feedback matrices, test error 89.90%
	// epoch 1: 63 steps, 2 feedback matrices, test error 60.29%
	// epoch 2: 126 steps, 2 feedback matrices, test error 57.08%
	// trained: W¹ is 50×784, 2 hidden layers diagnosed
}
