package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/tensor"
)

// Random streams: every one is derived from config.Config.Seed and its own stream
// number, so changing how often one is drawn never shifts another.
const (
	streamInit uint64 = iota + 1
	streamFeedback
	streamNoise
	streamOrder
	streamDiag
	streamDropout
	streamInput
	streamAugment // only with --augment, so older checkpoints need no state for it
	nStreams
)

// streamNames name the streams in a checkpoint.
var streamNames = [nStreams]string{"", "init", "feedback", "noise", "order", "diag", "dropout", "input", "augment"}

// newRand returns stream number stream of seed and its source, whose state
// a checkpoint saves.
func newRand(seed, stream uint64) (*rand.Rand, *rand.PCG) {
	src := rand.NewPCG(seed, 0x63726564<<32|stream) // "cred"
	return rand.New(src), src
}

// Stopped is the error of a run whose context ended: the run finished the
// step in progress, wrote its checkpoint and can be continued with Resume.
type Stopped struct {
	Dir         string
	Epoch, Step int   // Step batches of epoch Epoch are done (0: the epoch has not begun)
	PerEpoch    int   // batches per epoch
	Cause       error // context.Cause of the run's context
}

func (e *Stopped) Error() string {
	at := fmt.Sprintf("after step %d of %d in epoch %d", e.Step, e.PerEpoch, e.Epoch)
	if e.Step == 0 {
		at = fmt.Sprintf("at the end of epoch %d", e.Epoch-1)
	}
	return fmt.Sprintf("stopped (%v) %s; the checkpoint in %s holds the run: continue it with credit train --resume %s", e.Cause, at, e.Dir, e.Dir)
}

func (e *Stopped) Unwrap() error { return e.Cause }

// Model is a run's network and rule: the forward weights, and the
// feedback and its learner's state.
type Model struct {
	Net  *nn.Net
	Rule *feedback.Rule
}

// Options are how a library caller follows a run.
type Options struct {
	// Log receives the progress line and one line per epoch (nil: silence).
	Log io.Writer
	// OnEpoch, if set, is called after each epoch's line of metrics.jsonl
	// and its checkpoint are written (first for epoch 0, the untrained
	// network), with that line and the run's model as it stands. The
	// model is the run's own: read it, copy it, but do not change it.
	OnEpoch func(e rundir.Epoch, m Model)
}

// Result is a finished run: its summary.json and the trained model.
type Result struct {
	Summary *rundir.Summary
	Model
}

// Train trains as c says, writes the run directory c.Out and returns the
// summary and the trained model. When ctx is done it finishes the step in
// progress, writes a checkpoint and returns a *Stopped error. A run also
// writes its checkpoint (DIR/checkpoint) after every epoch.
func Train(ctx context.Context, c config.Config, o Options) (*Result, error) {
	t, err := start(c)
	if err != nil {
		return nil, err
	}
	return t.run(ctx, o)
}

// Continue continues the run in dir from its checkpoint, as Resume does,
// and returns what Train returns.
func Continue(ctx context.Context, dir string, epochs int, o Options) (*Result, error) {
	t, err := reopen(dir, epochs)
	if err != nil {
		return nil, err
	}
	return t.run(ctx, o)
}

// Run is Train without a context or callbacks, returning the summary;
// progress and per-epoch lines go to log (nil for silence).
func Run(c config.Config, log io.Writer) (*rundir.Summary, error) {
	return RunContext(context.Background(), c, log)
}

// RunContext is Train returning only the summary.
func RunContext(ctx context.Context, c config.Config, log io.Writer) (*rundir.Summary, error) {
	return summary(Train(ctx, c, Options{Log: log}))
}

func summary(r *Result, err error) (*rundir.Summary, error) {
	if err != nil {
		return nil, err
	}
	return r.Summary, nil
}

// start prepares a new run.
func start(c config.Config) (*trainer, error) {
	t, err := build(c)
	if err != nil {
		return nil, err
	}
	if err := t.create(); err != nil {
		return nil, err
	}
	return t, nil
}

// create locks the run directory (creating it) and writes config.json
// and the jsonl files. The lock is held until the trainer closes.
func (t *trainer) create() error {
	c := t.c
	var err error
	if t.lock, err = rundir.Prepare(c.Out); err != nil {
		return err
	}
	if err := rundir.WriteConfig(c.Out, c); err != nil {
		t.close()
		return fmt.Errorf("--out: %v", err)
	}
	if t.mf, err = rundir.CreateJSONL(c.Out, rundir.MetricsFile); err != nil {
		t.close()
		return fmt.Errorf("--out: %v", err)
	}
	if c.DiagEvery > 0 {
		if t.df, err = rundir.CreateJSONL(c.Out, rundir.DiagFile); err != nil {
			t.close()
			return fmt.Errorf("--out: %v", err)
		}
	}
	return nil
}

// Resume continues the run in dir from its checkpoint, with the settings of
// dir/config.json, and ends exactly as the run would have ended
// uninterrupted: the same weights, summary.json and metrics.jsonl (but for
// the seconds field). Lines that metrics.jsonl and diag.jsonl gained after
// the checkpoint are dropped and computed again. epochs > 0 sets the run's
// number of epochs (extending a finished run, whose summary.json is then
// removed until the new end); 0 keeps it. ctx stops the run as in
// RunContext. A missing, corrupt, truncated or mismatched checkpoint is
// refused, and nothing in dir is changed then.
func Resume(ctx context.Context, dir string, epochs int, log io.Writer) (*rundir.Summary, error) {
	return summary(Continue(ctx, dir, epochs, Options{Log: log}))
}

// reopen locks dir and prepares its run to continue; the lock is held
// until the trainer closes, and released at once if reopen refuses.
func reopen(dir string, epochs int) (*trainer, error) {
	lock, err := rundir.LockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	t, err := reopenLocked(dir, epochs)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	t.lock = lock
	return t, nil
}

func reopenLocked(dir string, epochs int) (*trainer, error) {
	cfgPath, ckPath := rundir.Path(dir, rundir.ConfigFile), rundir.Path(dir, rundir.CheckpointFile)
	c, err := rundir.ReadConfig(dir)
	if err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	ck, err := readCheckpoint(dir)
	if err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	if d := config.Diff(ck.Config, c, "out", "epochs"); d != nil {
		return nil, fmt.Errorf("--resume: %s was written by another run than %s describes (checkpoint ≠ config.json: %s)", ckPath, cfgPath, config.Join(d))
	}
	c.Out = dir
	extend := epochs > 0 && epochs != c.Epochs
	if extend && (c.Schedule == "cosine" || c.ValSize > 0) {
		return nil, fmt.Errorf("--epochs: the run in %s cannot change its length: its %s depends on it (a cosine schedule anneals to its last epoch; --val-size measures the test set at the last epoch only)", dir, map[bool]string{true: "schedule", false: "test measurement"}[c.Schedule == "cosine"])
	}
	if epochs > 0 {
		if epochs < ck.Pos.Epoch {
			return nil, fmt.Errorf("--epochs: %d is too few: the checkpoint in %s is %d epochs and %d steps into the run; give at least %d", epochs, dir, ck.Pos.Epoch-1, ck.Pos.Step, ck.Pos.Epoch)
		}
		c.Epochs = epochs
	}
	if ck.Pos.Epoch > c.Epochs {
		return nil, fmt.Errorf("--resume: %s has finished its %d epochs; give --epochs to extend it", dir, c.Epochs)
	}
	t, err := build(c)
	if err != nil {
		return nil, err
	}
	if err := t.restore(ck); err != nil {
		return nil, fmt.Errorf("--resume: %s does not fit the run of %s: %v", ckPath, cfgPath, err)
	}
	if err := rundir.Covers(dir, rundir.MetricsFile, ck.Metrics); err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	if c.DiagEvery > 0 {
		if err := rundir.Covers(dir, rundir.DiagFile, ck.Diag); err != nil {
			return nil, fmt.Errorf("--resume: %v", err)
		}
	}
	// Nothing is changed in dir before this point.
	if err := rundir.RemoveDivergence(dir); err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	if extend {
		if err := rundir.WriteConfig(dir, c); err != nil {
			return nil, fmt.Errorf("--resume: %v", err)
		}
		rundir.RemoveResults(dir)
	}
	if t.mf, err = rundir.OpenJSONL(dir, rundir.MetricsFile, ck.Metrics); err != nil {
		return nil, fmt.Errorf("--resume: %v", err)
	}
	if c.DiagEvery > 0 {
		if t.df, err = rundir.OpenJSONL(dir, rundir.DiagFile, ck.Diag); err != nil {
			t.close()
			return nil, fmt.Errorf("--resume: %v", err)
		}
	}
	return t, nil
}

// build validates c, loads the data and returns a trainer at the start of
// the run.
func build(c config.Config) (*trainer, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	spec, _ := nn.ParseSpec(c.Net)
	if d, ok := linearShape(c, spec); ok {
		if err := checkMemory(c, spec, d); err != nil {
			return nil, err
		}
	}
	size := c.TrainSize
	if size > 0 {
		size += c.TrainOffset // the first examples are skipped below
	}
	trainSet, testSet, err := data.Load(data.Options{
		Name: c.Data, Dir: c.DataDir, TrainSize: size,
		In: spec.Input, Out: spec.Layers[len(spec.Layers)-1].Size, Seed: c.Seed,
	})
	if tse := (*data.TrainSizeError)(nil); errors.As(err, &tse) {
		return nil, &config.Error{Key: "train_size", Msg: fmt.Sprintf("%d, but %s holds only %d training examples (%s)", tse.Want, tse.Dir, tse.Have, c.Data)}
	}
	if err != nil {
		if c.DataDir != "" {
			return nil, &config.Error{Key: "data_dir", Msg: err.Error()}
		}
		return nil, &config.Error{Key: "data", Msg: fmt.Sprintf("%s: %v", c.Data, err)}
	}
	if c.TrainOffset > 0 {
		if c.TrainOffset >= trainSet.N {
			return nil, &config.Error{Key: "train_offset", Msg: fmt.Sprintf("%d skips every training example of %s (it has %d)", c.TrainOffset, c.Data, trainSet.N)}
		}
		trainSet = trainSet.Tail(trainSet.N - c.TrainOffset)
	}
	if c.Augment && trainSet.Shape == ([3]int{}) {
		return nil, &config.Error{Key: "augment", Msg: fmt.Sprintf("random crops and flips need images, and %s has none", c.Data)}
	}
	var valSet *data.Dataset
	if c.ValSize > 0 {
		if c.ValSize >= trainSet.N {
			return nil, &config.Error{Key: "val_size", Msg: fmt.Sprintf("%d must be below the %d training examples", c.ValSize, trainSet.N)}
		}
		trainSet, valSet = trainSet.Head(trainSet.N-c.ValSize), trainSet.Tail(c.ValSize)
	}
	if valSet == nil && c.DiagBatch > testSet.N { // with a validation split, its first DiagBatch examples at most
		return nil, &config.Error{Key: "diag_batch", Msg: fmt.Sprintf("%d, but the test set of %s holds only %d examples (the diagnostic batch is the first test examples)", c.DiagBatch, c.Data, testSet.N)}
	}
	if c.Autoencoder {
		trainSet, testSet = autoencode(trainSet), autoencode(testSet)
		if valSet != nil {
			valSet = autoencode(valSet)
		}
	}
	if err := checkMemory(c, spec, shapeOf(trainSet, testSet)); err != nil {
		return nil, err
	}
	t, err := newTrainerVal(c, spec, trainSet, testSet, valSet)
	if err == nil && c.Autoencoder {
		t.atEnd = append(t.atEnd, t.writeAutoencoderOutputs)
	}
	return t, err
}

// trainer holds one run's state.
type trainer struct {
	c           config.Config
	train, test *data.Dataset
	val         *data.Dataset // --val-size's held-out examples; nil without
	net         *nn.Net
	rule, bp    *feedback.Rule
	loss        nn.Loss
	red         nn.Reduction
	opt         Optimizer
	grads       *nn.Grads
	diagG, bpG  *nn.Grads
	stepG       *nn.Grads   // backprop's gradient on a measured step's batch (step angle)
	w0          [][]float32 // the hidden layers' weights before a measured step
	stepAngles  []float64   // the step angle of each hidden layer at the last step, if it was measured; empty if not (its array is reused)
	noise, diag *rand.Rand
	order       *rand.Rand
	input       *rand.Rand // input noise (denoising)
	augRand     *rand.Rand // --augment's crops and flips; nil without
	augScratch  []float32
	evalLoss    []float64 // measure's per-example losses of one chunk
	evalN       int       // examples per evaluation chunk (evalChunk)
	sched       Schedule
	src         [nStreams]*rand.PCG       // the streams' sources, by number
	mf, df      *rundir.JSONL             // metrics.jsonl, diag.jsonl (nil without DiagEvery)
	lock        *rundir.Lock              // the run directory's, while the trainer writes it
	atEnd       []func() error            // outputs written when the run finishes, after summary.json
	ckWriter    func(io.Writer) io.Writer // test hook: wraps the checkpoint's writer
	onStep      func()                    // test hook: called after each step
	onEpoch     func(rundir.Epoch, Model) // Options.OnEpoch

	x, y   tensor.Mat // the current batch
	dx, dy tensor.Mat // the diagnostic batch

	gatherIdx   []int             // the examples gather is copying
	gatherLen   int               // per part
	gatherFn    func(i, slot int) // gatherPart
	params, gsl [][]float32
	move        func() // the forward weights' decay and the optimiser's step
	steps, seen int
	pos         position
	perm        []int   // the example order: this epoch's once its first step is taken
	angle       float64 // the latest mean delta angle
}

func newTrainer(c config.Config, spec *nn.Spec, trainSet, testSet *data.Dataset) (*trainer, error) {
	return newTrainerVal(c, spec, trainSet, testSet, nil)
}

// newTrainerVal is newTrainer with a validation set (nil: none).
func newTrainerVal(c config.Config, spec *nn.Spec, trainSet, testSet, valSet *data.Dataset) (*trainer, error) {
	t := &trainer{c: c, train: trainSet, test: testSet, val: valSet, angle: math.NaN()}
	stream := func(s uint64) *rand.Rand {
		r, src := newRand(c.Seed, s)
		t.src[s] = src
		return r
	}
	var err error
	misfit := func(why string) error {
		return &config.Error{Key: "net", Msg: fmt.Sprintf("%s does not fit %s, whose examples have %d inputs and %d targets: %s", c.Net, c.Data, trainSet.In, trainSet.Out, why)}
	}
	initRand := stream(streamInit)
	if t.net, err = spec.Build(trainSet.In, trainSet.Shape, c.Act, c.OutAct, initRand, stream(streamDropout)); err != nil {
		return nil, misfit(err.Error())
	}
	t.evalN = evalChunk(spec, c.Batch)
	if err := t.prepareBench(initRand); err != nil {
		return nil, err
	}
	if t.net.Out() != trainSet.Out {
		return nil, misfit(fmt.Sprintf("the output layer has %d units", t.net.Out()))
	}
	if c.BiasInit == "normal" {
		initBiases(t.net, t.src[streamInit])
	}
	fbRand := stream(streamFeedback)
	if t.rule, err = feedback.New(c.Rule, t.net, c.FeedbackOptions(), fbRand); err != nil {
		return nil, config.RuleError(err)
	}
	t.bp, _ = feedback.New("bp", t.net, feedback.Options{}, fbRand)
	t.loss, _ = nn.NewLoss(c.Loss)
	t.red, _ = nn.ParseReduction(c.Reduction)
	if t.opt, err = NewOptimizer(c.Opt, c.LR, c.Momentum, c.AdamEps); err != nil {
		return nil, err
	}
	t.grads, t.diagG, t.bpG, t.stepG = nn.NewGrads(t.net), nn.NewGrads(t.net), nn.NewGrads(t.net), nn.NewGrads(t.net)
	for _, b := range t.net.Blocks[:len(t.net.Blocks)-1] {
		t.w0 = append(t.w0, make([]float32, len(b.Core.Weight().Data)))
	}
	t.params, t.gsl = t.net.Params(), t.grads.Slices()
	keep, l2 := float32(1-c.WeightDecay), float32(c.L2)
	t.move = func() {
		if l2 != 0 {
			t.coupledL2(l2)
		}
		if keep != 1 {
			for _, b := range t.net.Blocks {
				tensor.Scale(keep, b.Core.Weight().Data)
			}
		}
		t.opt.Step(t.params, t.gsl)
	}
	t.noise, t.diag, t.order = stream(streamNoise), stream(streamDiag), stream(streamOrder)
	t.rule.SetSource(t.noise, t.src[streamNoise]) // bulk noise from the PCGs directly: the same values
	t.rule.SetSource(t.diag, t.src[streamDiag])
	t.input = stream(streamInput)
	if c.Augment {
		t.augRand = stream(streamAugment)
	}
	t.sched = NewSchedule(c, t.stepsPerEpoch())
	diagSet := testSet
	if valSet != nil { // the test set is kept for the final numbers
		diagSet = valSet
	}
	nd := min(c.DiagBatch, diagSet.N) // build refuses a larger DiagBatch; tests and benchmarks may call newTrainer directly
	t.dx.Resize(nd, diagSet.In)
	t.dy.Resize(nd, diagSet.Out)
	copy(t.dx.Data, diagSet.X[:nd*diagSet.In])
	copy(t.dy.Data, diagSet.Y[:nd*diagSet.Out])
	t.perm = make([]int, trainSet.N)
	for i := range t.perm {
		t.perm[i] = i
	}
	return t, nil
}

func (t *trainer) stepsPerEpoch() int { return (t.train.N + t.c.Batch - 1) / t.c.Batch }

// close closes the jsonl files and releases the run directory's lock.
func (t *trainer) close() {
	if t.mf != nil {
		t.mf.Close()
	}
	if t.df != nil {
		t.df.Close()
	}
	t.lock.Unlock()
}

// run trains from the trainer's position to the end of the run, or until
// ctx is done.
func (t *trainer) run(ctx context.Context, o Options) (*Result, error) {
	defer t.close()
	c := t.c
	t.onEpoch = o.OnEpoch
	spe := t.stepsPerEpoch()
	prog := newProgress(o.Log, spe, c.Epochs, max(0, (t.pos.Epoch-1)*spe+t.pos.Step))
	defer prog.clear() // whatever ends the run, nothing printed after it lands on the bar's line
	if t.pos.Epoch == 0 {
		prog.println("credit: %s (%d train, %d test), net %s, rule %s, %s lr %g, batch %d, %d epochs → %s",
			c.Data, t.train.N, t.test.N, c.Net, c.Rule, c.Opt, c.LR, c.Batch, c.Epochs, c.Out)
		if err := t.endEpoch(t.evaluate(0, math.NaN(), 0)); err != nil {
			return nil, err
		}
	} else {
		prog.println("credit: resuming %s at epoch %d/%d, step %d/%d", c.Out, t.pos.Epoch, c.Epochs, t.pos.Step, spe)
	}
	saved := true // the checkpoint on disk is at t.pos
	stop := func() error {
		if !saved {
			if err := t.saveCheckpoint(); err != nil {
				return err
			}
		}
		prog.clear()
		return &Stopped{Dir: c.Out, Epoch: t.pos.Epoch, Step: t.pos.Step, PerEpoch: spe, Cause: context.Cause(ctx)}
	}
	for {
		if ctx.Err() != nil {
			return nil, stop()
		}
		epoch := t.pos.Epoch
		if t.pos.Step == 0 {
			t.order.Shuffle(len(t.perm), func(i, j int) { t.perm[i], t.perm[j] = t.perm[j], t.perm[i] })
		}
		start := time.Now()
		for t.pos.Step < spe {
			s := t.pos.Step
			idx := t.perm[s*c.Batch : min((s+1)*c.Batch, len(t.perm))]
			// The step before each diagnostic is measured (its step angle).
			measure := s == spe-1 || (t.df != nil && (t.steps+1)%c.DiagEvery == 0)
			l, err := t.step(idx, !c.FreezeWeights && epoch > c.Warmup, measure)
			if err != nil {
				d := &rundir.Divergence{Epoch: epoch, Step: s + 1, Steps: t.steps, Loss: err.loss}
				if werr := rundir.WriteDivergence(c.Out, d); werr != nil {
					return nil, fmt.Errorf("--out: %v", werr)
				}
				return nil, fmt.Errorf("train: loss became %s at epoch %d, step %d: lower --lr (now %g); the metrics of earlier epochs are in %s, the step in %s",
					err.loss, epoch, s+1, c.LR, rundir.Path(c.Out, rundir.MetricsFile), rundir.DivergedFile)
			}
			t.pos.Step++
			t.pos.LossSum += l
			saved = false
			if t.df != nil && t.steps%c.DiagEvery == 0 {
				layers := t.diagnose()
				t.angle = metrics.MeanDeltaAngle(layers)
				if err := t.df.Write(rundir.Diag{Epoch: epoch, Step: t.steps, Samples: t.seen, Layers: layers}); err != nil {
					return nil, err
				}
			}
			prog.update((epoch-1)*spe+t.pos.Step, epoch, t.pos.Step, t.pos.LossSum/float64(s*c.Batch+len(idx)), t.angle)
			if t.onStep != nil {
				t.onStep()
			}
			if ctx.Err() != nil && t.pos.Step < spe {
				t.pos.Seconds += time.Since(start).Seconds()
				return nil, stop()
			}
		}
		dur := time.Duration((t.pos.Seconds + time.Since(start).Seconds()) * float64(time.Second))
		ep := t.evaluate(epoch, t.pos.LossSum/float64(t.train.N), dur)
		errStr := "-"
		if !math.IsNaN(float64(ep.TestError)) {
			errStr = fmt.Sprintf("%.2f%%", 100*float64(ep.TestError))
		}
		if ep.ValLoss != nil { // the test set is measured at the last epoch only
			valStr := "-"
			if v := float64(*ep.ValError); !math.IsNaN(v) {
				valStr = fmt.Sprintf("%.2f%%", 100*v)
			}
			prog.println("epoch %3d/%d  train loss %.4f  val loss %.4f  val error %s  test error %s  delta angle %.1f°  %.1fs",
				epoch, c.Epochs, float64(ep.TrainLoss), float64(*ep.ValLoss), valStr, errStr, t.angle, dur.Seconds())
		} else {
			prog.println("epoch %3d/%d  train loss %.4f  test loss %.4f  test error %s  delta angle %.1f°  %.1fs",
				epoch, c.Epochs, float64(ep.TrainLoss), float64(ep.TestLoss), errStr, t.angle, dur.Seconds())
		}
		if epoch == c.Epochs {
			s := &rundir.Summary{
				Rule: c.Rule, Seed: c.Seed, Epochs: c.Epochs, Steps: t.steps, Samples: t.seen,
				TestError: ep.TestError, TestLoss: ep.TestLoss, TrainLoss: ep.TrainLoss, Layers: ep.Layers,
			}
			if err := rundir.WriteSummary(c.Out, s); err != nil {
				return nil, fmt.Errorf("--out: %v", err)
			}
			for _, f := range t.atEnd {
				if err := f(); err != nil {
					return nil, fmt.Errorf("--out: %v", err)
				}
			}
			// The final checkpoint comes last: until it is written, a
			// resumed run redoes the last epoch and rewrites the above.
			if err := t.endEpoch(ep); err != nil {
				return nil, err
			}
			prog.println("done: %s", rundir.Path(c.Out, rundir.SummaryFile))
			return &Result{Summary: s, Model: t.model()}, nil
		}
		if err := t.endEpoch(ep); err != nil {
			return nil, err
		}
		saved = true
	}
}

// endEpoch writes ep's metrics line, moves to the start of the next epoch
// and writes the checkpoint.
func (t *trainer) endEpoch(ep rundir.Epoch) error {
	if err := t.mf.Write(ep); err != nil {
		return err
	}
	t.pos = position{Epoch: ep.Epoch + 1}
	if err := t.saveCheckpoint(); err != nil {
		return err
	}
	if t.onEpoch != nil {
		t.onEpoch(ep, t.model())
	}
	return nil
}

func (t *trainer) model() Model { return Model{Net: t.net, Rule: t.rule} }

// gatherRows is the fewest examples one thread of gather copies.
const gatherRows = 16

// gather copies the examples idx of the training set into t.x and t.y,
// split over the kernel threads: copying rows from all over the data set
// waits on memory, and two threads wait at once (an MNIST epoch at batch
// 256 gathers 188 MB; epochs alternated with and without, its training
// time fell 6–12 %; whole processes 5 %).
func (t *trainer) gather(idx []int) {
	n := min(tensor.Threads(), len(idx)/gatherRows)
	if n <= 1 {
		t.train.Gather(idx, t.x.Data, t.y.Data)
		return
	}
	if t.gatherFn == nil {
		t.gatherFn = t.gatherPart // allocated once: a step allocates nothing
	}
	t.gatherIdx, t.gatherLen = idx, (len(idx)+n-1)/n
	tensor.Parallel(n, n, t.gatherFn)
}

// gatherPart copies part i of the examples t.gatherIdx.
func (t *trainer) gatherPart(i, _ int) {
	lo, hi := i*t.gatherLen, min((i+1)*t.gatherLen, len(t.gatherIdx))
	in, out := t.train.In, t.train.Out
	t.train.Gather(t.gatherIdx[lo:hi], t.x.Data[lo*in:hi*in], t.y.Data[lo*out:hi*out])
}

// nonFinite is a step whose summed loss is not finite; loss is "NaN",
// "+Inf" or "-Inf".
type nonFinite struct{ loss string }

func (e *nonFinite) Error() string { return "loss became " + e.loss }

// step trains on the examples idx and returns their summed clean loss, or
// a *nonFinite error (and no update) if that loss is NaN or infinite. The
// rule's feedback always learns; the forward weights only if update. If
// measure (and update), it also records the step angle of every hidden
// layer (see afterStep).
func (t *trainer) step(idx []int, update, measure bool) (float64, *nonFinite) {
	t.x.Resize(len(idx), t.train.In)
	t.y.Resize(len(idx), t.train.Out)
	t.gather(idx)
	if t.augRand != nil {
		t.augment()
	}
	if !t.sched.Constant() {
		t.opt.SetLR(t.sched.At(t.pos.Epoch, t.pos.Step))
	}
	if sd := t.c.InputNoise; sd > 0 { // targets keep the clean inputs
		for i := range t.x.Data {
			t.x.Data[i] += float32(sd * t.input.NormFloat64())
		}
	}
	t.stepAngles = t.stepAngles[:0]
	measure = measure && update
	if measure {
		t.beforeStep(len(idx))
	}
	t.net.Training = true
	losses := t.rule.Step(t.net, t.loss, t.red.Scale(len(idx)), &t.x, &t.y, t.grads, t.noise, true)
	var sum float64
	for _, l := range losses {
		sum += l
	}
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return 0, &nonFinite{fmt.Sprint(sum)}
	}
	t.net.EndStep() // batch normalisation's running statistics
	if update {
		t.rule.Move(t.net, t.move)
	}
	if measure {
		t.afterStep()
	}
	t.steps++
	t.seen += len(idx)
	return sum, nil
}

// beforeStep computes backprop's gradient on the step's batch at the
// weights before the step (the clean network, without dropout or noise, so
// no random stream is drawn) and keeps the hidden layers' weights.
func (t *trainer) beforeStep(n int) {
	t.net.Training = false
	t.bp.Step(t.net, t.loss, t.red.Scale(n), &t.x, &t.y, t.stepG, nil, false)
	for i := range t.w0 {
		copy(t.w0[i], t.net.Blocks[i].Core.Weight().Data)
	}
}

// afterStep records the step angle of each hidden layer i: the angle
// between the change ΔW^i the step made (optimiser and weight decay
// together) and −∇_{W^i}L, backprop's gradient on the step's batch at the
// weights before the step. 0° is steepest descent on that batch.
func (t *trainer) afterStep() {
	t.stepAngles = t.stepAngles[:0]
	for i, w0 := range t.w0 {
		w := t.net.Blocks[i].Core.Weight().Data
		for j := range w0 {
			w0[j] = w[j] - w0[j] // ΔW, exact in float32 for a small step
		}
		// The angle with −g is 180° less the angle with g.
		t.stepAngles = append(t.stepAngles, 180-metrics.Angle(w0, t.stepG.W[i].Data))
	}
}

// diagnose compares the rule with backprop on the diagnostic batch, at the
// current weights, without learning.
func (t *trainer) diagnose() []metrics.Layer {
	t.net.Training = false // no dropout: both passes see the same network
	scale := t.red.Scale(t.dx.Rows)
	t.rule.Step(t.net, t.loss, scale, &t.dx, &t.dy, t.diagG, t.diag, false)
	bpG := t.diagG // the rule is backprop itself: the same computation, the same bits
	if t.c.Rule != "bp" {
		bpG = t.bpG
		t.bp.Step(t.net, t.loss, scale, &t.dx, &t.dy, bpG, nil, false)
	}
	layers := metrics.Compare(t.diagG, bpG)
	t.rule.Diagnose(t.net, t.diagG, bpG, layers)
	for i, a := range t.stepAngles {
		v := metrics.Value(a)
		layers[i].StepAngle = &v
	}
	return layers
}

// evaluate measures the clean network on the whole test set and the
// diagnostics. With a validation set (--val-size) it measures that every
// epoch and the test set only at the run's last epoch (null before).
func (t *trainer) evaluate(epoch int, trainLoss float64, dur time.Duration) rundir.Epoch {
	testLoss, testErr := math.NaN(), math.NaN()
	if t.val == nil || epoch == t.c.Epochs {
		testLoss, testErr = t.measure(t.test)
	}
	layers := t.diagnose()
	t.angle = metrics.MeanDeltaAngle(layers)
	ep := rundir.Epoch{
		Epoch: epoch, Steps: t.steps, Samples: t.seen,
		TrainLoss: metrics.Value(trainLoss), TestLoss: metrics.Value(testLoss),
		TestError: metrics.Value(testErr), Seconds: dur.Seconds(), Layers: layers,
	}
	if t.val != nil {
		l, e := t.measure(t.val)
		vl, ve := metrics.Value(l), metrics.Value(e)
		ep.ValLoss, ep.ValError = &vl, &ve
	}
	return ep
}

// measure returns the clean network's mean per-example loss and error
// (NaN for regression) on the whole of ds.
func (t *trainer) measure(ds *data.Dataset) (loss, errRate float64) {
	var sum float64
	wrong := 0
	t.overSet(ds, func(lo int, y, yhat *tensor.Mat) {
		if cap(t.evalLoss) < y.Rows {
			t.evalLoss = make([]float64, y.Rows)
		}
		l := t.evalLoss[:y.Rows] // one chunk's, summed at once
		t.loss.PerSample(yhat, y, l)
		for _, v := range l {
			sum += v
		}
		if ds.Classes > 0 {
			wrong += metrics.Misclassified(yhat, ds.Labels[lo:lo+y.Rows])
		}
	})
	errRate = math.NaN()
	if ds.Classes > 0 {
		errRate = float64(wrong) / float64(ds.N)
	}
	return sum / float64(ds.N), errRate
}

// overTest runs the clean network over the whole test set in chunks and
// calls f with each chunk's first index, targets and outputs (valid until
// the next chunk). Chunks are large for dense nets and the training batch
// for conv nets, whose activations per example are large (every layer keeps
// its output for the whole chunk).
func (t *trainer) overTest(f func(lo int, y, yhat *tensor.Mat)) { t.overSet(t.test, f) }

// evalChunk is how many examples an evaluation pass of spec's network
// holds at once: 1000 for a network of plain dense layers, the training
// batch for any other (convolutions, batch normalisation, residual blocks
// keep large activations per example). The memory estimate uses it too.
func evalChunk(spec *nn.Spec, batch int) int {
	if spec.PlainDense() {
		return 1000
	}
	return batch
}

// overSet is overTest on any data set of the run's shapes.
func (t *trainer) overSet(ds *data.Dataset, f func(lo int, y, yhat *tensor.Mat)) {
	t.net.Training = false
	chunk := t.evalN
	for lo := 0; lo < ds.N; lo += chunk {
		n := min(chunk, ds.N-lo)
		x := tensor.Mat{Rows: n, Cols: ds.In, Data: ds.X[lo*ds.In : (lo+n)*ds.In]}
		y := tensor.Mat{Rows: n, Cols: ds.Out, Data: ds.Y[lo*ds.Out : (lo+n)*ds.Out]}
		f(lo, &y, t.net.Forward(&x, nil))
	}
}
