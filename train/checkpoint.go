package train

import (
	"errors"
	"fmt"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/rundir"
)

// position is where a run stands: Step batches of epoch Epoch are done
// (Step 0: none, and the epoch's shuffle is still to come), with these
// partial sums.
type position struct {
	Epoch   int     `json:"epoch"`
	Step    int     `json:"step"`
	LossSum float64 `json:"loss_sum"` // summed clean loss of the epoch's steps so far
	Seconds float64 `json:"seconds"`  // training time of the epoch so far
}

// ckHeader is the JSON header of a checkpoint (DIR/checkpoint, whose
// container rundir owns: see rundir.WriteCheckpoint). The arrays follow it
// in this order: parameters, feedback matrices and optimiser state as
// float32, learner state as float64, the epoch's example order as uint32.
type ckHeader struct {
	Config  config.Config     `json:"config"`
	Pos     position          `json:"position"`
	Steps   int               `json:"steps"`
	Seen    int               `json:"samples"`
	Metrics int64             `json:"metrics_bytes"` // length of metrics.jsonl covered
	Diag    int64             `json:"diag_bytes"`    // length of diag.jsonl covered
	Angle   metrics.Value     `json:"angle"`         // the latest mean delta angle, for the progress line
	Streams map[string][]byte `json:"streams"`       // PCG states by stream name
	OptStep int               `json:"opt_step"`
	// Array lengths, in the order the arrays follow the header.
	Params   []int `json:"params"`
	Feedback []int `json:"feedback"`
	Opt      []int `json:"opt"`
	Learner  []int `json:"learner"`
	Perm     int   `json:"perm"`
	// Buffers are the network's running statistics (batch normalisation),
	// float32 arrays after the optimiser's; none without normalisation.
	Buffers []int `json:"buffers,omitempty"`
}

// checkpoint is everything a run needs to continue exactly.
type checkpoint struct {
	ckHeader
	params, feedback, opt [][]float32
	buffers               [][]float32
	learner               [][]float64
	perm                  []int
}

func lens[T any](a [][]T) []int {
	n := make([]int, len(a))
	for i := range a {
		n[i] = len(a[i])
	}
	return n
}

// Layout gives rundir the lengths of the arrays that follow the header.
func (h *ckHeader) Layout() (f32, f64, u32 []int) {
	f32 = append(append(append(append([]int(nil), h.Params...), h.Feedback...), h.Opt...), h.Buffers...)
	return f32, h.Learner, []int{h.Perm}
}

// arrays sets ck's array lengths in its header and returns its arrays in
// file order.
func (ck *checkpoint) arrays() rundir.CheckpointArrays {
	h := &ck.ckHeader
	h.Params, h.Feedback, h.Opt, h.Learner, h.Perm = lens(ck.params), lens(ck.feedback), lens(ck.opt), lens(ck.learner), len(ck.perm)
	if len(ck.buffers) > 0 {
		h.Buffers = lens(ck.buffers)
	}
	perm := make([]uint32, len(ck.perm))
	for i, v := range ck.perm {
		perm[i] = uint32(v)
	}
	var f32 [][]float32
	f32 = append(append(append(append(f32, ck.params...), ck.feedback...), ck.opt...), ck.buffers...)
	return rundir.CheckpointArrays{F32: f32, F64: ck.learner, U32: [][]uint32{perm}}
}

// readCheckpoint reads and verifies dir's checkpoint. Its errors name the
// file and what is wrong with it.
func readCheckpoint(dir string) (*checkpoint, error) {
	ck := &checkpoint{}
	ck.Config = config.Default() // keys an older credit did not write keep their defaults, as in rundir.ReadConfig
	a, err := rundir.ReadCheckpoint(dir, &ck.ckHeader)
	if err != nil {
		return nil, err
	}
	h := &ck.ckHeader
	f32 := a.F32
	ck.params, f32 = f32[:len(h.Params)], f32[len(h.Params):]
	ck.feedback, f32 = f32[:len(h.Feedback)], f32[len(h.Feedback):]
	ck.opt, ck.buffers = f32[:len(h.Opt)], f32[len(h.Opt):]
	ck.learner = a.F64
	ck.perm = make([]int, h.Perm)
	for i, v := range a.U32[0] {
		ck.perm[i] = int(v)
	}
	return ck, nil
}

// Checkpoint is what a run directory's checkpoint holds, for a reader such
// as credit export: the run's settings, where it stands, and its arrays.
// Params are nn.Net.Params' (W then b of each block, W out × in as
// stored), Feedback and Learner the rule's state (feedback.Rule.State:
// its float32 and float64 arrays), Opt the optimiser's (one array per
// parameter for momentum, two for Adam: the first moments, then the
// second).
type Checkpoint struct {
	Config config.Config
	// Epoch and Step: Step batches of epoch Epoch are done (Step 0: the
	// epoch has not begun); Steps optimiser steps in all.
	Epoch, Step, Steps int
	Params, Feedback   [][]float32
	Opt                [][]float32
	Learner            [][]float64
	// Buffers are the network's running statistics (nn.Net.Buffers: batch
	// normalisation's mean, then variance, layer by layer).
	Buffers [][]float32
}

// ReadCheckpoint reads and verifies dir's checkpoint, without building the
// run. Its errors name the file and what is wrong with it.
func ReadCheckpoint(dir string) (*Checkpoint, error) {
	ck, err := readCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	return &Checkpoint{Config: ck.Config, Epoch: ck.Pos.Epoch, Step: ck.Pos.Step, Steps: ck.Steps,
		Params: ck.params, Feedback: ck.feedback, Opt: ck.opt, Learner: ck.learner, Buffers: ck.buffers}, nil
}

// snapshot captures the trainer's state at its current position.
func (t *trainer) snapshot() *checkpoint {
	ck := &checkpoint{
		ckHeader: ckHeader{
			Config: t.c, Pos: t.pos, Steps: t.steps, Seen: t.seen,
			Metrics: t.mf.Size(), Angle: metrics.Value(t.angle), Streams: map[string][]byte{},
		},
		params: t.params, perm: t.perm, buffers: t.net.Buffers(),
	}
	if t.df != nil {
		ck.Diag = t.df.Size()
	}
	for i, src := range t.src {
		if src != nil {
			ck.Streams[streamNames[i]], _ = src.MarshalBinary()
		}
	}
	ck.feedback, ck.learner = t.rule.State()
	if o, ok := t.opt.(stateful); ok {
		ck.OptStep, ck.opt = o.state()
	}
	return ck
}

// saveCheckpoint writes the trainer's state to DIR/checkpoint atomically.
func (t *trainer) saveCheckpoint() error {
	ck := t.snapshot()
	a := ck.arrays()
	if err := rundir.SaveCheckpoint(t.c.Out, &ck.ckHeader, a, t.ckWriter); err != nil {
		return fmt.Errorf("--out: writing the checkpoint: %v", err)
	}
	return nil
}

// restore sets the trainer, built from ck's configuration, to ck's state.
// Errors say what does not fit.
func (t *trainer) restore(ck *checkpoint) error {
	fit := func(what string, got [][]float32, want [][]float32) error {
		if len(got) != len(want) {
			return fmt.Errorf("%d %s arrays, the network has %d", len(got), what, len(want))
		}
		for i := range got {
			if len(got[i]) != len(want[i]) {
				return fmt.Errorf("%s array %d has %d values, the network's %d", what, i, len(got[i]), len(want[i]))
			}
		}
		return nil
	}
	if err := fit("parameter", ck.params, t.params); err != nil {
		return err
	}
	if err := fit("running-statistics", ck.buffers, t.net.Buffers()); err != nil {
		return err
	}
	if len(ck.perm) != t.train.N {
		return fmt.Errorf("it orders %d training examples, the data set has %d", len(ck.perm), t.train.N)
	}
	seen := make([]bool, len(ck.perm))
	for _, v := range ck.perm {
		if v >= len(seen) || seen[v] {
			return errors.New("the example order is not a permutation")
		}
		seen[v] = true
	}
	spe := t.stepsPerEpoch()
	if p := ck.Pos; p.Epoch < 1 || p.Step < 0 || p.Step > spe {
		return fmt.Errorf("position epoch %d, step %d is outside the run (%d steps per epoch)", p.Epoch, p.Step, spe)
	}
	for i, src := range t.src {
		if src == nil {
			continue
		}
		s, ok := ck.Streams[streamNames[i]]
		if !ok {
			return fmt.Errorf("the %s random stream is missing", streamNames[i])
		}
		if err := src.UnmarshalBinary(s); err != nil {
			return fmt.Errorf("the %s random stream: %v", streamNames[i], err)
		}
	}
	if o, ok := t.opt.(stateful); ok {
		if err := o.setState(ck.OptStep, ck.opt, t.params); err != nil {
			return err
		}
	} else if len(ck.opt) > 0 {
		return fmt.Errorf("%d optimiser arrays for %s, which keeps none", len(ck.opt), t.c.Opt)
	}
	if err := t.rule.Restore(ck.feedback, ck.learner); err != nil {
		return err
	}
	for i, p := range t.params {
		copy(p, ck.params[i])
	}
	for i, b := range t.net.Buffers() {
		copy(b, ck.buffers[i])
	}
	copy(t.perm, ck.perm)
	t.pos, t.steps, t.seen, t.angle = ck.Pos, ck.Steps, ck.Seen, float64(ck.Angle)
	return nil
}
