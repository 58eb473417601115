package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"github.com/creditlab/credit/config"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/creditlab/credit/rundir"
)

// resumeConfigs are small runs that between them exercise every piece of
// state a checkpoint carries: ridge sums and momentum (linear np, with
// diag.jsonl and its stream), and dropout masks, input noise, the SGD
// feedback learner and Adam (npdfa on random MNIST-shaped images). 300
// examples in batches of 32 make 10 steps per epoch, the last one short.
func resumeConfigs(t *testing.T) map[string]config.Config {
	lin := config.Default()
	lin.Data, lin.Net, lin.Act, lin.Opt, lin.LR = "linear", "30-10-10-10", "tanh", "momentum", 1e-3
	lin.Rule, lin.FeedbackSolver, lin.Noise, lin.DiagEvery = "np", "ridge", 1e-2, 7
	drop := config.Default()
	drop.DataDir = tinyIDX(t)
	drop.Net, drop.Act, drop.Loss, drop.Opt, drop.LR = "fc24,drop0.3,fc16,fc10", "tanh", "ce", "adam", 1e-3
	drop.Rule, drop.FeedbackSolver, drop.FeedbackLR, drop.Noise, drop.InputNoise = "npdfa", "sgd", 1e-3, 1e-2, 0.1
	// Forward gradients hold no state: their directions come from the
	// noise stream (and the diagnostic stream), which the checkpoint keeps.
	fgw := lin
	fgw.Rule, fgw.Directions, fgw.LR = "fgw", 2, 1e-4
	fga := drop
	fga.Rule, fga.Directions, fga.Opt = "fga", 3, "momentum"
	cs := map[string]config.Config{"linear-np-ridge-momentum": lin, "mnist-dropout-npdfa-adam": drop,
		"linear-fgw-momentum": fgw, "mnist-dropout-fga-momentum": fga}
	for name, c := range cs {
		c.TrainSize, c.Epochs, c.DiagBatch = 300, 4, 100
		c.Out = filepath.Join(t.TempDir(), name)
		cs[name] = c
	}
	return cs
}

// tinyIDX writes random 28×28 images with labels in MNIST's IDX layout,
// 300 for training and 200 for testing, and returns their directory: an
// MNIST-shaped data set that loads at once.
func tinyIDX(t *testing.T) string {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	write := func(name string, dims ...int) {
		b := []byte{0, 0, 8, byte(len(dims))}
		n := 1
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
			n *= d
		}
		for i := 0; i < n; i++ {
			v := byte(rng.IntN(256))
			if len(dims) == 1 {
				v %= 10
			}
			b = append(b, v)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("train-images-idx3-ubyte", 300, 28, 28)
	write("train-labels-idx1-ubyte", 300)
	write("t10k-images-idx3-ubyte", 200, 28, 28)
	write("t10k-labels-idx1-ubyte", 200)
	return dir
}

var errTestStop = errors.New("test stop")

// runUntil runs tr until its step count reaches stop (a graceful stop, as
// on a signal) or kill (the process dies: no checkpoint, as on SIGKILL);
// 0 means never. It returns the run's result, or killed = true.
func runUntil(t *testing.T, tr *trainer, stop, kill int) (s *rundir.Summary, err error, killed bool) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	tr.onStep = func() {
		if tr.steps == stop {
			cancel(errTestStop)
		}
		if tr.steps == kill {
			runtime.Goexit()
		}
	}
	killed = true
	done := make(chan struct{})
	go func() {
		defer close(done)
		s, err = summary(tr.run(ctx, Options{}))
		killed = false
	}()
	<-done
	return s, err, killed
}

func fresh(t *testing.T, c config.Config) *trainer {
	t.Helper()
	tr, err := start(c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func resumed(t *testing.T, dir string, epochs int) *trainer {
	t.Helper()
	tr, err := reopen(dir, epochs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// wantStopped checks that a run stopped gracefully where expected.
func wantStopped(t *testing.T, err error, epoch, step int) {
	t.Helper()
	var st *Stopped
	if !errors.As(err, &st) || !errors.Is(err, errTestStop) || st.Epoch != epoch || st.Step != step {
		t.Fatalf("want a stop at epoch %d, step %d, got %v", epoch, step, err)
	}
}

var secondsField = regexp.MustCompile(`"seconds":[^,]*,`)

// sameRun checks that the run in dir ended exactly as the reference run
// in ref: summary.json and diag.jsonl byte for byte, metrics.jsonl but for
// the wall-clock seconds, and the final weights, feedback, optimiser and
// learner state, example order and random streams bit for bit.
func sameRun(t *testing.T, ref, dir string) {
	t.Helper()
	read := func(d, f string) []byte {
		b, err := os.ReadFile(filepath.Join(d, f))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return b
	}
	for _, f := range []string{"summary.json", "diag.jsonl"} {
		if a, b := read(ref, f), read(dir, f); !bytes.Equal(a, b) {
			t.Errorf("%s differs from the uninterrupted run's:\n%s\n%s", f, b, a)
		}
	}
	a := secondsField.ReplaceAll(read(ref, "metrics.jsonl"), nil)
	b := secondsField.ReplaceAll(read(dir, "metrics.jsonl"), nil)
	if !bytes.Equal(a, b) {
		t.Errorf("metrics.jsonl differs from the uninterrupted run's:\n%s\n%s", b, a)
	}
	ca, cb := read(ref, rundir.CheckpointFile), read(dir, rundir.CheckpointFile)
	pa, err1 := readCheckpoint(ref)
	pb, err2 := readCheckpoint(dir)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !bytes.Equal(ckBody(ca), ckBody(cb)) {
		t.Error("the final checkpoints' arrays (weights, feedback, optimiser and learner state, order) differ")
	}
	if pa.Steps != pb.Steps || pa.Seen != pb.Seen || config.Diff(pa.Config, pb.Config, "out", "epochs") != nil {
		t.Errorf("final steps %d/%d, samples %d/%d, config diff %q", pa.Steps, pb.Steps, pa.Seen, pb.Seen, config.Join(config.Diff(pa.Config, pb.Config, "out", "epochs")))
	}
	for k, v := range pa.Streams {
		if !bytes.Equal(v, pb.Streams[k]) {
			t.Errorf("random stream %s ends in another state", k)
		}
	}
}

// ckBody returns a checkpoint's arrays: what follows the header, up to the
// checksum.
func ckBody(b []byte) []byte {
	hlen := binary.LittleEndian.Uint32(b[len(rundir.CheckpointMagic)+4:])
	return b[len(rundir.CheckpointMagic)+8+int(hlen) : len(b)-4]
}

// A run stopped in the middle of an epoch and at an epoch's end, or killed
// in the middle of an epoch without a chance to write a checkpoint, and
// then resumed, ends bit-identical to an uninterrupted run.
func TestResumeIsExact(t *testing.T) {
	for name, c := range resumeConfigs(t) {
		t.Run(name, func(t *testing.T) { resumeExactly(t, c) })
	}
}

// stoppedWithRef runs c uninterrupted into c.Out+"-ref", then again into
// c.Out stopped at step 14 (epoch 2, step 4), and returns the reference's
// config (c: 4 epochs of 10 steps).
func stoppedWithRef(t *testing.T, c config.Config) config.Config {
	t.Helper()
	ref := c
	ref.Out = c.Out + "-ref"
	if _, err, _ := runUntil(t, fresh(t, ref), 0, 0); err != nil {
		t.Fatal(err)
	}
	_, err, _ := runUntil(t, fresh(t, c), 14, 0)
	wantStopped(t, err, 2, 4)
	return ref
}

// resumeExactly runs c uninterrupted, and again stopped, killed and
// resumed, and checks that both end the same (c: 4 epochs of 10 steps).
func resumeExactly(t *testing.T, c config.Config) {
	t.Helper()
	// Stop at step 14 (epoch 2, step 4); be killed at step 25 (epoch 3,
	// step 5), so that the checkpoint of epoch 2 is the latest and the
	// lines written since are dropped and written again; stop at step 30,
	// the last of epoch 3 (the stop takes effect after the epoch's
	// checkpoint); finish.
	ref := stoppedWithRef(t, c)
	if _, _, killed := runUntil(t, resumed(t, c.Out, 0), 0, 25); !killed {
		t.Fatal("the run was not killed")
	}
	tr := resumed(t, c.Out, 0)
	if tr.pos != (position{Epoch: 3}) {
		t.Fatalf("resumed at %+v, want the start of epoch 3", tr.pos)
	}
	_, err, _ := runUntil(t, tr, 30, 0)
	wantStopped(t, err, 4, 0)
	if _, err, _ := runUntil(t, resumed(t, c.Out, 0), 0, 0); err != nil {
		t.Fatal(err)
	}
	sameRun(t, ref.Out, c.Out)
}

// A finished run extended with more epochs ends as a run given those
// epochs from the start; a finished run is not resumed without them.
func TestResumeExtends(t *testing.T) {
	c := resumeConfigs(t)["linear-np-ridge-momentum"]
	ref := c
	ref.Out = c.Out + "-ref"
	if _, err := Run(ref, nil); err != nil {
		t.Fatal(err)
	}
	c.Epochs = 2
	if _, err := Run(c, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(context.Background(), c.Out, 0, nil); err == nil || !strings.Contains(err.Error(), "finished") {
		t.Errorf("resuming a finished run: %v", err)
	}
	if _, err := Resume(context.Background(), c.Out, 1, nil); err == nil || !strings.Contains(err.Error(), "--epochs") {
		t.Errorf("shortening a finished run: %v", err)
	}
	if _, err := Resume(context.Background(), c.Out, ref.Epochs, nil); err != nil {
		t.Fatal(err)
	}
	sameRun(t, ref.Out, c.Out)
}

// failAfter passes through the first n bytes, then fails.
type failAfter struct {
	w       io.Writer
	n       int
	written int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.written+len(p) > f.n {
		k, _ := f.w.Write(p[:f.n-f.written])
		f.written += k
		return k, errors.New("disk on fire")
	}
	k, err := f.w.Write(p)
	f.written += k
	return k, err
}

// A checkpoint write that fails half-way leaves the previous checkpoint in
// place, loadable, and no temporary file; the run resumes from it exactly.
func TestFailedCheckpointWriteKeepsPrevious(t *testing.T) {
	c := resumeConfigs(t)["linear-np-ridge-momentum"]
	ref := c
	ref.Out = c.Out + "-ref"
	if _, err := Run(ref, nil); err != nil {
		t.Fatal(err)
	}
	tr := fresh(t, c)
	saves := 0
	var fw *failAfter
	tr.ckWriter = func(w io.Writer) io.Writer {
		saves++
		if saves < 3 { // after epoch 0 and 1
			return w
		}
		st, err := os.Stat(rundir.Path(tr.c.Out, rundir.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		fw = &failAfter{w: w, n: int(st.Size() / 2)}
		return fw
	}
	before := func() []byte { b, _ := os.ReadFile(rundir.Path(tr.c.Out, rundir.CheckpointFile)); return b }
	var last []byte
	tr.onStep = func() { last = before() }
	_, err := tr.run(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("want the write error naming the checkpoint, got %v", err)
	}
	if fw == nil || fw.written == 0 {
		t.Fatal("the failing write wrote nothing: the test tests nothing")
	}
	if now := before(); !bytes.Equal(now, last) {
		t.Error("the previous checkpoint changed")
	}
	ck, err := readCheckpoint(tr.c.Out)
	if err != nil || ck.Pos != (position{Epoch: 2}) {
		t.Fatalf("the previous checkpoint: %v, at %+v, want the start of epoch 2", err, ck)
	}
	ents, _ := os.ReadDir(c.Out)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if _, err := Resume(context.Background(), c.Out, 0, nil); err != nil {
		t.Fatal(err)
	}
	sameRun(t, ref.Out, c.Out)
}

// A missing, foreign, truncated, corrupt or mismatched checkpoint is
// refused with a one-line error saying what is wrong, and the run
// directory is left as it was.
func TestBadCheckpointRefused(t *testing.T) {
	cs := resumeConfigs(t)
	c := cs["linear-np-ridge-momentum"]
	if _, err, _ := runUntil(t, fresh(t, c), 14, 0); err == nil {
		t.Fatal("the run did not stop")
	}
	other := c
	other.Net, other.Out = "30-12-10-10", c.Out+"-other"
	if _, err, _ := runUntil(t, fresh(t, other), 3, 0); err == nil {
		t.Fatal("the other run did not stop")
	}
	ckPath := filepath.Join(c.Out, rundir.CheckpointFile)
	good, err := os.ReadFile(ckPath)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := os.ReadFile(filepath.Join(other.Out, rundir.CheckpointFile))
	cfg, _ := os.ReadFile(filepath.Join(c.Out, "config.json"))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		return b
	}
	hdr := len(rundir.CheckpointMagic) + 8
	cases := []struct {
		name   string
		ck     []byte // nil: no checkpoint
		config []byte // nil: the run's own
		want   string
	}{
		{"missing", nil, nil, "no checkpoint"},
		{"empty", []byte{}, nil, "not a credit checkpoint"},
		{"foreign file", []byte("{\"epoch\": 1}\n"), nil, "not a credit checkpoint"},
		{"truncated header", good[:hdr+10], nil, "truncated"},
		{"truncated body", good[:len(good)/2], nil, "truncated"},
		{"one byte short", good[:len(good)-1], nil, "truncated"},
		{"flipped body bit", flip(len(good) - 100), nil, "corrupt"},
		{"flipped header bit", flip(hdr + 20), nil, "corrupt"},
		{"flipped checksum bit", flip(len(good) - 2), nil, "corrupt"},
		{"newer version", flip(len(rundir.CheckpointMagic)), nil, "version"},
		{"another run's checkpoint", foreign, nil, "net 30-12-10-10 ≠ 30-10-10-10"},
		{"edited config", good, bytes.Replace(cfg, []byte(`"lr": 0.001`), []byte(`"lr": 0.002`), 1), "lr 0.001 ≠ 0.002"},
	}
	for _, tc := range cases {
		if tc.ck == nil {
			os.Remove(ckPath)
		} else if err := os.WriteFile(ckPath, tc.ck, 0o644); err != nil {
			t.Fatal(err)
		}
		conf := cfg
		if tc.config != nil {
			conf = tc.config
		}
		os.WriteFile(filepath.Join(c.Out, "config.json"), conf, 0o644)
		metrics, _ := os.ReadFile(filepath.Join(c.Out, "metrics.jsonl"))
		diag, _ := os.ReadFile(filepath.Join(c.Out, "diag.jsonl"))
		_, err := Resume(context.Background(), c.Out, 0, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want a one-line error containing %q, got %v", tc.name, tc.want, err)
		}
		m2, _ := os.ReadFile(filepath.Join(c.Out, "metrics.jsonl"))
		d2, _ := os.ReadFile(filepath.Join(c.Out, "diag.jsonl"))
		c2, _ := os.ReadFile(ckPath)
		if !bytes.Equal(metrics, m2) || !bytes.Equal(diag, d2) || (tc.ck != nil && !bytes.Equal(c2, tc.ck)) {
			t.Errorf("%s: the refused resume changed the run directory", tc.name)
		}
	}
	// metrics.jsonl shorter than the checkpoint says is refused too.
	os.WriteFile(ckPath, good, 0o644)
	os.WriteFile(filepath.Join(c.Out, "config.json"), cfg, 0o644)
	mPath, dPath := filepath.Join(c.Out, "metrics.jsonl"), filepath.Join(c.Out, "diag.jsonl")
	metrics, _ := os.ReadFile(mPath)
	diag, _ := os.ReadFile(dPath)
	os.WriteFile(mPath, metrics[:len(metrics)-10], 0o644)
	if _, err := Resume(context.Background(), c.Out, 0, nil); err == nil || !strings.Contains(err.Error(), "metrics.jsonl holds") {
		t.Errorf("shortened metrics.jsonl: %v", err)
	}
	if d2, _ := os.ReadFile(dPath); !bytes.Equal(diag, d2) {
		t.Error("the refused resume changed diag.jsonl")
	}
	// The good checkpoint still resumes.
	os.WriteFile(mPath, metrics, 0o644)
	if _, err := Resume(context.Background(), c.Out, 0, nil); err != nil {
		t.Fatal(err)
	}
}

// The progress line shows epoch, step, running loss, angle and ETA.
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 10, 4, 12)
	p.interval = 0
	p.update(17, 2, 7, 0.5, 42.25)
	p.update(18, 2, 8, 0.5, math.NaN())
	got := b.String()
	for _, want := range []string{"42% epoch 2/4 step 7/10 loss 0.5 angle 42.2° ETA ", "angle - ETA"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress line %q lacks %q", got, want)
		}
	}
}
