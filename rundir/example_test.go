package rundir_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/train"
)

// Reading a run directory's metrics back: its settings, one line per epoch
// with the diagnostics of each hidden layer, and its summary.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "credit-example")
	defer os.RemoveAll(dir)
	c := config.Default()
	c.Data, c.Net, c.Rule, c.Epochs, c.Out = "linear", "30-20-10", "fa", 2, filepath.Join(dir, "run")
	if _, err := train.Run(c, nil); err != nil {
		fmt.Println(err)
		return
	}

	run, err := rundir.Load(c.Out)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rule", run.Config.Rule, "on", run.Config.Net)
	for _, e := range run.Epochs {
		l := e.Layers[0]
		fmt.Printf("epoch %d: delta angle defined %v, weight angle defined %v\n",
			e.Epoch, l.DeltaAngle == l.DeltaAngle, l.WeightAngle != nil)
	}
	fmt.Println("finished:", run.Finished)
	// Output:
	// rule fa on 30-20-10
	// epoch 0: delta angle defined true, weight angle defined true
	// epoch 1: delta angle defined true, weight angle defined true
	// epoch 2: delta angle defined true, weight angle defined true
	// finished: true
}
