package train

import (
	"fmt"
	"strings"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/internal/memlimit"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// MemoryLimit returns the memory a run may use, in bytes, and what sets it
// ("available", "the address-space limit (ulimit -v)", …); 0 means unknown,
// and no run is refused. It is the smallest of the cgroup's memory limit,
// the address-space limit and the machine's MemAvailable. Tests replace it.
var MemoryLimit = memlimit.Available

// DataShape is what a run's memory estimate needs to know of its data.
type DataShape struct {
	Train, Test int    // examples
	In, Out     int    // values per example of X and Y
	Shape       [3]int // image shape {channels, height, width}, zero when not images
	Extra       int64  // bytes held besides X, Y and labels while the data is made (the linear teacher)
}

func shapeOf(train, test *data.Dataset) DataShape {
	return DataShape{Train: train.N, Test: test.N, In: train.In, Out: train.Out, Shape: train.Shape}
}

// Memory is an estimate of a run's peak memory in bytes, by part.
type Memory struct {
	Weights     float64 // the forward weights and biases
	Grads       float64 // three gradient stores: the rule's, the diagnostic's and backprop's
	Optimizer   float64 // momentum 1×, Adam 2× the parameters
	Feedback    float64 // the rule's feedback matrices and their learning state (ridge's V and M in float64)
	Activations float64 // every layer's activity and errors for Rows examples at once
	Rows        int     // the most examples one pass holds: the batch, the diagnostic batch or a test chunk
	RowsFrom    string  // which of those Rows is
	Scratch     float64 // per-thread and shared work space of conv layers
	Data        float64 // the training and test sets as float32, and the diagnostic batch's copy
}

// Total returns the sum of the parts.
func (m Memory) Total() float64 {
	return m.Weights + m.Grads + m.Optimizer + m.Feedback + m.Activations + m.Scratch + m.Data
}

// String lists the parts larger than 1 % of the total, largest first as
// they come: "weights 3.1 GB, activations 38 GB at batch 32, …".
func (m Memory) String() string {
	var parts []string
	add := func(name string, v float64, suffix string) {
		if v >= m.Total()/100 && v > 0 {
			parts = append(parts, name+" "+bytesString(v)+suffix)
		}
	}
	add("weights", m.Weights, "")
	add("gradients", m.Grads, "")
	add("optimiser state", m.Optimizer, "")
	add("feedback", m.Feedback, "")
	add("activations", m.Activations, " at "+m.RowsFrom)
	add("conv scratch", m.Scratch, "")
	add("data", m.Data, "")
	return strings.Join(parts, ", ")
}

// bytesString writes n bytes in decimal units with three significant
// digits: 41.2 GB, 512 MB.
func bytesString(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	switch {
	case i == 0 || n >= 100:
		return fmt.Sprintf("%.0f %s", n, units[i])
	case n >= 10:
		return fmt.Sprintf("%.1f %s", n, units[i])
	}
	return fmt.Sprintf("%.2f %s", n, units[i])
}

// EstimateMemory estimates the peak memory of a run of c on data of shape d
// without allocating anything that grows with the network. It fails with
// the error the network's Build would give when the net does not fit the
// data.
func EstimateMemory(c config.Config, spec *nn.Spec, d DataShape) (Memory, error) {
	fp, err := spec.Footprint(d.In, d.Shape)
	if err != nil {
		return Memory{}, err
	}
	const f32 = 4
	var m Memory
	params := fp.Params()
	m.Weights = f32 * params
	m.Grads = 3 * f32 * params
	switch c.Opt {
	case "momentum":
		m.Optimizer = f32 * params
	case "adam":
		m.Optimizer = 2 * f32 * params
	}

	// The rule's own state, from its parts (feedback.Sizer).
	fixed, perSite := feedback.Footprint(c.Rule, c.FeedbackOptions(), fp)
	m.Feedback = fixed
	sites := len(fp.Weights) - 1
	var siteValues float64 // Σ hidden site widths
	for i := range sites {
		siteValues += fp.Widths[i]
	}

	// The most examples one pass holds.
	m.Rows, m.RowsFrom = c.Batch, fmt.Sprintf("batch %d", c.Batch)
	chunk := evalChunk(spec, c.Batch)
	if n := min(chunk, d.Test); n > m.Rows {
		m.Rows, m.RowsFrom = n, fmt.Sprintf("%d test examples at once", n)
	}
	if n := min(c.DiagBatch, d.Test); n > m.Rows {
		m.Rows, m.RowsFrom = n, fmt.Sprintf("the diagnostic batch of %d", n)
	}
	var outs float64
	for _, o := range fp.Outs {
		outs += o
	}
	perExample := fp.Activations +
		3*outs + // each gradient store's errors at the cores
		siteValues // the errors delivered to the hidden sites
	m.Activations = f32*float64(m.Rows)*perExample + float64(m.Rows)*perSite
	m.Scratch = f32 * (float64(tensor.Threads())*fp.Scratch + fp.Shared)

	examples := float64(d.Train) + float64(d.Test)
	m.Data = examples*(f32*float64(d.In+d.Out)+8) + // X, Y, labels
		float64(d.Train)*8 + // the example order
		float64(min(c.DiagBatch, d.Test))*f32*float64(d.In+d.Out) + // the diagnostic batch
		float64(d.Extra)
	if c.Autoencoder {
		m.Data -= examples * f32 * float64(d.Out) // Y is X
	}
	if c.Data == "mnist" || c.Data == "fashion-mnist" {
		m.Data += examples * float64(d.In) // the IDX files' bytes, read whole before they become float32
	}
	return m, nil
}

// checkMemory refuses a run whose estimate exceeds MemoryLimit, with one
// line naming --net and giving the estimate and the limit.
func checkMemory(c config.Config, spec *nn.Spec, d DataShape) error {
	limit, what := MemoryLimit()
	if limit <= 0 {
		return nil
	}
	m, err := EstimateMemory(c, spec, d)
	if err != nil {
		return nil // Build gives the error, naming the data
	}
	if m.Total() <= float64(limit) {
		return nil
	}
	return fmt.Errorf("--net: this run needs about %s (%s); %s is %s",
		bytesString(m.Total()), m, bytesString(float64(limit)), what)
}

// linearShape is the shape of the synthetic linear data set c asks for,
// known before it is made (its making is itself costly: the teacher and
// N·In·Out multiply-adds), or false for a data set read from files.
func linearShape(c config.Config, spec *nn.Spec) (DataShape, bool) {
	if c.Data != "linear" || spec.Input == 0 {
		return DataShape{}, false
	}
	in, out := spec.Input, spec.Layers[len(spec.Layers)-1].Size
	n := c.TrainSize
	if n == 0 {
		n = data.DefaultLinearTrainSize
	}
	if c.Autoencoder {
		out = in
	}
	return DataShape{Train: n, Test: data.DefaultLinearTestSize, In: in, Out: out,
		Extra: 4 * int64(in) * int64(spec.Layers[len(spec.Layers)-1].Size)}, true
}
