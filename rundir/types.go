package rundir

import "github.com/creditlab/credit/metrics"

// Epoch is one line of metrics.jsonl. Epoch 0 is the network before
// training (no train loss).
type Epoch struct {
	Epoch     int             `json:"epoch"`
	Steps     int             `json:"steps"`      // optimiser steps so far
	Samples   int             `json:"samples"`    // training examples seen so far
	TrainLoss metrics.Value   `json:"train_loss"` // mean clean per-example loss over the epoch's batches
	TestLoss  metrics.Value   `json:"test_loss"`  // mean per-example loss on the whole test set
	TestError metrics.Value   `json:"test_error"` // fraction misclassified (null for regression)
	Seconds   float64         `json:"seconds"`    // wall time of the epoch's training
	Layers    []metrics.Layer `json:"layers"`     // per hidden layer, on the diagnostic batch
	// With --val-size: the mean loss and error on the held-out validation
	// examples (the test fields are then null but at the last epoch).
	ValLoss  *metrics.Value `json:"val_loss,omitempty"`
	ValError *metrics.Value `json:"val_error,omitempty"`
}

// Diag is one line of diag.jsonl (config.Config.DiagEvery > 0).
type Diag struct {
	Epoch   int             `json:"epoch"`
	Step    int             `json:"step"`
	Samples int             `json:"samples"`
	Layers  []metrics.Layer `json:"layers"`
}

// Summary is summary.json: the final state of a finished run. It holds no
// timings, so the same seed and settings give an identical file.
type Summary struct {
	Rule      string          `json:"rule"`
	Seed      uint64          `json:"seed"`
	Epochs    int             `json:"epochs"`
	Steps     int             `json:"steps"`
	Samples   int             `json:"samples"`
	TestError metrics.Value   `json:"test_error"`
	TestLoss  metrics.Value   `json:"test_loss"`
	TrainLoss metrics.Value   `json:"train_loss"`
	Layers    []metrics.Layer `json:"layers"`
}

// Divergence is diverged.json: where a run stopped because its training
// loss became NaN or infinite. Epoch and Step (1-based, within the epoch)
// name the step whose loss it was; Steps counts the optimiser steps taken
// before it; Loss is "NaN", "+Inf" or "-Inf" (JSON has no such numbers).
// The run keeps its metrics.jsonl up to the epoch before and its
// checkpoint; a resumed run removes diverged.json, and writes it again if
// it diverges again.
type Divergence struct {
	Epoch int    `json:"epoch"`
	Step  int    `json:"step"`
	Steps int    `json:"steps"`
	Loss  string `json:"loss"`
}

// Reconstructions is reconstructions.json: an autoencoder's first test
// inputs and its outputs for them, each a Height×Width image (row-major;
// channels, if any, follow one another).
type Reconstructions struct {
	Height  int         `json:"height"`
	Width   int         `json:"width"`
	Inputs  [][]float32 `json:"inputs"`
	Outputs [][]float32 `json:"outputs"`
}
