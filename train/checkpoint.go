package train

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/creditlab/credit/config"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/creditlab/credit/metrics"
)

// CheckpointFile is the name of the checkpoint in a run directory.
//
// Layout (little-endian): the magic "credckpt", a uint32 format version, a
// uint32 header length, the header (JSON: the run's config.Config, the position in
// the run, the random streams' states, the lengths of the arrays and of
// metrics.jsonl and diag.jsonl that the checkpoint covers), the arrays
// (parameters, feedback matrices and optimiser state as float32, learner
// state as float64, the epoch's example order as uint32), and a CRC-32C of
// everything before it.
const CheckpointFile = "checkpoint"

const (
	ckMagic   = "credckpt"
	ckVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// position is where a run stands: Step batches of epoch Epoch are done
// (Step 0: none, and the epoch's shuffle is still to come), with these
// partial sums.
type position struct {
	Epoch   int     `json:"epoch"`
	Step    int     `json:"step"`
	LossSum float64 `json:"loss_sum"` // summed clean loss of the epoch's steps so far
	Seconds float64 `json:"seconds"`  // training time of the epoch so far
}

// ckHeader is the JSON header of a checkpoint.
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
}

// checkpoint is everything a run needs to continue exactly.
type checkpoint struct {
	ckHeader
	params, feedback, opt [][]float32
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

// write writes ck to w in the layout described at CheckpointFile.
func (ck *checkpoint) write(w io.Writer) error {
	h := &ck.ckHeader
	h.Params, h.Feedback, h.Opt, h.Learner, h.Perm = lens(ck.params), lens(ck.feedback), lens(ck.opt), lens(ck.learner), len(ck.perm)
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	sum := crc32.New(castagnoli)
	out := io.MultiWriter(w, sum)
	var werr error
	buf := make([]byte, 0, 1<<16)
	flush := func(force bool) {
		if werr == nil && (force || len(buf) > cap(buf)-8) {
			_, werr = out.Write(buf)
			buf = buf[:0]
		}
	}
	buf = append(buf, ckMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, ckVersion)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(js)))
	buf = append(buf, js...)
	flush(true)
	for _, a := range [][][]float32{ck.params, ck.feedback, ck.opt} {
		for _, s := range a {
			for _, v := range s {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				flush(false)
			}
		}
	}
	for _, s := range ck.learner {
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			flush(false)
		}
	}
	for _, v := range ck.perm {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(v))
		flush(false)
	}
	flush(true)
	if werr != nil {
		return werr
	}
	_, err = w.Write(binary.LittleEndian.AppendUint32(nil, sum.Sum32()))
	return err
}

// readCheckpoint reads and verifies the checkpoint at path. Its errors
// name the file and what is wrong with it.
func readCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no checkpoint (the run stopped before its first one, after evaluating the initial network, or was made by a credit without checkpoints)", path)
	}
	if err != nil {
		return nil, err
	}
	ck, err := parseCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return ck, nil
}

func parseCheckpoint(b []byte) (*checkpoint, error) {
	const pre = len(ckMagic) + 8
	if len(b) < len(ckMagic) || string(b[:len(ckMagic)]) != ckMagic {
		return nil, errors.New("not a credit checkpoint")
	}
	if len(b) < pre+4 {
		return nil, fmt.Errorf("truncated: %d bytes", len(b))
	}
	if v := binary.LittleEndian.Uint32(b[len(ckMagic):]); v != ckVersion {
		return nil, fmt.Errorf("checkpoint format version %d; this credit reads version %d", v, ckVersion)
	}
	hlen := int(binary.LittleEndian.Uint32(b[len(ckMagic)+4:]))
	if len(b) < pre+hlen+4 {
		return nil, fmt.Errorf("truncated: %d bytes, the header alone needs %d", len(b), pre+hlen+4)
	}
	ck := &checkpoint{}
	h := &ck.ckHeader
	h.Config = config.Default() // keys an older credit did not write keep their defaults, as in ReadConfig
	herr := json.Unmarshal(b[pre:pre+hlen], h)
	size := pre + hlen + 4
	for _, a := range [][]int{h.Params, h.Feedback, h.Opt, {h.Perm}} {
		for _, n := range a {
			size += 4 * n
		}
	}
	for _, n := range h.Learner {
		size += 8 * n
	}
	if want, got := binary.LittleEndian.Uint32(b[len(b)-4:]), crc32.Checksum(b[:len(b)-4], castagnoli); want != got {
		if herr == nil && len(b) < size {
			return nil, fmt.Errorf("truncated: %d bytes, the header describes %d", len(b), size)
		}
		return nil, fmt.Errorf("corrupt: checksum %08x, the file says %08x", got, want)
	}
	if herr != nil || len(b) != size {
		return nil, fmt.Errorf("malformed: %d bytes, the header describes %d (%v)", len(b), size, herr)
	}
	body := b[pre+hlen:]
	f32s := func(ns []int) [][]float32 {
		out := make([][]float32, len(ns))
		for i, n := range ns {
			out[i] = make([]float32, n)
			for j := range out[i] {
				out[i][j] = math.Float32frombits(binary.LittleEndian.Uint32(body))
				body = body[4:]
			}
		}
		return out
	}
	ck.params, ck.feedback, ck.opt = f32s(h.Params), f32s(h.Feedback), f32s(h.Opt)
	ck.learner = make([][]float64, len(h.Learner))
	for i, n := range h.Learner {
		ck.learner[i] = make([]float64, n)
		for j := range ck.learner[i] {
			ck.learner[i][j] = math.Float64frombits(binary.LittleEndian.Uint64(body))
			body = body[8:]
		}
	}
	ck.perm = make([]int, h.Perm)
	for i := range ck.perm {
		ck.perm[i] = int(binary.LittleEndian.Uint32(body))
		body = body[4:]
	}
	return ck, nil
}

// snapshot captures the trainer's state at its current position.
func (t *trainer) snapshot() *checkpoint {
	ck := &checkpoint{
		ckHeader: ckHeader{
			Config: t.c, Pos: t.pos, Steps: t.steps, Seen: t.seen,
			Metrics: t.mf.size, Angle: metrics.Value(t.angle), Streams: map[string][]byte{},
		},
		params: t.params, perm: t.perm,
	}
	if t.df != nil {
		ck.Diag = t.df.size
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
	err := writeAtomic(t.checkpointPath(), func(w io.Writer) error {
		if t.ckWriter != nil {
			w = t.ckWriter(w)
		}
		return ck.write(w)
	})
	if err != nil {
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
	copy(t.perm, ck.perm)
	t.pos, t.steps, t.seen, t.angle = ck.Pos, ck.Steps, ck.Seen, float64(ck.Angle)
	return nil
}
