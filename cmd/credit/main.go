// Command credit trains networks with backprop and with the rules that
// replace its transposed weights, and measures how close each comes to the
// true gradient.
//
// Usage:
//
//	credit train [flags]             train one network (no flags: the main job)
//	credit train --resume DIR        continue a stopped run from its checkpoint
//	credit run FILE [flags]          train the run an experiment file describes; flags override it
//	credit sweep FILE [flags]        train every run of an experiment file, or one (--index), or emit a Slurm job array
//	credit reproduce NAME [flags]    run one of the paper's experiments (e1, e2, e2a, e2b, e3, e4), the comparison of every rule (zoo) or BioTorch's CIFAR-10 benchmark (biotorch)
//	credit report DIR... [flags]     tables and figures of finished runs, mean ± sd over seeds
//	credit serve [DIR...] [flags]    a live dashboard page of run directories, on a local address
//	credit export DIR [flags]        a run's tensors as NumPy .npz and its metrics as CSV
//	credit bench [flags]             GEMM and training speed against OpenBLAS and PyTorch
//	credit rules [--json]            list the learning rules
//	credit version                   the module version and VCS revision (also --version)
//	credit help CMD                  a command's usage and flags (also credit CMD -h)
//
// Run `credit train -h` for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/creditlab/credit/analysis"
	"github.com/creditlab/credit/bench"
	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/sweep"
	"github.com/creditlab/credit/train"
)

// Exit status: 0 done (or -h), 2 an error, 128+n a training stopped by signal n
// after writing its checkpoint (130 for SIGINT, 143 for SIGTERM).
func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h printed the usage
		}
		fmt.Fprintln(os.Stderr, "credit:", err)
		var sig signalStop
		if errors.As(err, &sig) {
			if n, ok := sig.Signal.(syscall.Signal); ok {
				os.Exit(128 + int(n))
			}
		}
		os.Exit(2)
	}
}

// signalStop is the cause of a training stopped by a signal.
type signalStop struct{ os.Signal }

func (s signalStop) Error() string { return s.String() }

// signalContext returns a context that SIGINT or SIGTERM cancels with a
// signalStop cause. After the first signal the default handling returns,
// so a second one ends the process at once (the previous checkpoint stays).
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			fmt.Fprintf(os.Stderr, "\ncredit: %v: finishing the step and writing a checkpoint (again to quit at once)\n", s)
			cancel(signalStop{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

const usage = `usage: credit <command> [flags]

commands:
  train      train one network (with no flags: the paper's 784-50-20-10 MNIST network);
             credit train --resume DIR continues a stopped run
  run        train the run an experiment file describes: credit run FILE [train's flags]
  sweep      train the runs of an experiment file: credit sweep FILE [--jobs N] [--index i] [--list] [--emit slurm]
  reproduce  run one of the paper's experiments: credit reproduce e1|e2|e2a|e2b|e3|e4|zoo|biotorch [--scale quick|full|medium (e4)]
  report     gather run directories into a table and figures: credit report DIR... [--out OUT] [--force]
  serve      a live dashboard of run directories: credit serve [DIR...] [--addr 127.0.0.1:8150] [--public]
  export     a run's tensors as NumPy .npz and metrics as CSV: credit export DIR [--npz FILE] [--csv FILE]
  bench      GEMM and training speed, side by side with PyTorch (and OpenBLAS under -tags openblas)
  rules      list the learning rules: credit rules [--json]
  version    the module version and VCS revision (also: credit --version)
  help       a command's usage and flags: credit help CMD (also: credit CMD -h)
`

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(args[1:], stdout)
	}
	switch args[0] {
	case "version", "-version", "--version":
		if len(args) > 1 {
			return fmt.Errorf("version: unexpected argument %q", args[1])
		}
		fmt.Fprintln(stdout, version())
		return nil
	case "help":
		if len(args) > 2 {
			return fmt.Errorf("help: unexpected argument %q (credit help CMD shows one command's help)", args[2])
		}
		if len(args) == 2 && args[1] != "help" {
			if args[1] == "version" {
				fmt.Fprintln(stdout, "usage: credit version (or credit --version): the module version, the VCS revision and the Go version of this binary")
				return nil
			}
			if _, ok := commands[args[1]]; !ok {
				return fmt.Errorf("help: unknown command %q (want one of %s)", args[1], strings.Join(commandNames, ", "))
			}
			return run([]string{args[1], "-h"}, stdout)
		}
		fmt.Fprint(stdout, usage)
		return nil
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (want one of %s; credit -h lists them)", args[0], strings.Join(commandNames, ", "))
}

// trainFlags binds the train flags to c.
func trainFlags(c *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("credit train", flag.ContinueOnError)
	fs.StringVar(&c.Data, "data", c.Data, "data set: mnist, fashion-mnist, cifar10 or linear (x ~ N(0,I), y = T x)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory holding the data set's files (default: the built-in location)")
	fs.IntVar(&c.TrainSize, "train-size", c.TrainSize, "use the first `N` training examples (after --train-offset; 0: all)")
	fs.IntVar(&c.TrainOffset, "train-offset", c.TrainOffset, "skip the first `N` training examples (5000: TensorFlow's MNIST training split)")
	fs.StringVar(&c.BiasInit, "bias-init", c.BiasInit, "initial biases: zero (the default) or normal (N(0, 2/fan_in), as the weights)")
	fs.StringVar(&c.Net, "net", c.Net, "layer widths, input to output, or layers such as conv5x5x16,pool3s2,fc128,drop0.5,fc10 (see README)")
	fs.StringVar(&c.Act, "act", c.Act, "hidden activation: sigmoid, tanh, relu, linear (default for a network with a convolution: tanh)")
	fs.StringVar(&c.OutAct, "out-act", c.OutAct, "output activation: sigmoid, tanh, relu, linear")
	fs.StringVar(&c.Loss, "loss", c.Loss, "loss: mse (½‖ŷ−y‖²), ce (softmax cross-entropy) or softmax-mse (½‖softmax(ŷ)−y‖²) (default for a network with a convolution: ce)")
	fs.StringVar(&c.Reduction, "reduction", c.Reduction, "loss reduction over the batch: sum (the paper's) or mean")
	fs.StringVar(&c.Rule, "rule", c.Rule, "learning rule (credit rules lists them)")
	fs.StringVar(&c.Opt, "opt", c.Opt, "optimiser: sgd, momentum, adam (default for a network with a convolution: adam)")
	fs.Float64Var(&c.LR, "lr", c.LR, fmt.Sprintf("learning rate (per summed loss when --reduction sum); default %g, and for a network whose widest hidden layer w exceeds %d units %g·%d/w (784-500-500-10: %g), except with adam",
		config.DefaultLR, config.RefWidth, config.DefaultLR, config.RefWidth, config.DefaultLR*config.RefWidth/500))
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum coefficient for --opt momentum")
	fs.Float64Var(&c.AdamEps, "adam-eps", c.AdamEps, "Adam's ε")
	fs.IntVar(&c.Batch, "batch", c.Batch, "minibatch size")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "passes over the training set")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of every random stream")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "per-step decay λ of the forward weights, W ← (1−λ)W before each optimiser step (the feedback of kp, dkp and pfa shares it)")
	fs.Float64Var(&c.Noise, "noise", c.Noise, "node-perturbation noise scale c (np, npdfa, nodepert)")
	fs.StringVar(&c.FeedbackSolver, "feedback-solver", c.FeedbackSolver, fmt.Sprintf("how np and npdfa learn feedback: sgd or ridge (least squares over all history; the default unless np's regressors, the dense layers above the first hidden one, or npdfa's, the output, are wider than %d units, then sgd)", config.MaxRidgeWidth))
	fs.Float64Var(&c.FeedbackLR, "feedback-lr", c.FeedbackLR, "feedback learning rate η_B for --feedback-solver sgd, wm's mirror and dkp")
	fs.Float64Var(&c.FeedbackDecay, "feedback-decay", c.FeedbackDecay, "wm: per-step decay λ of the feedback, which settles at (η_B/λ)·Wᵀ")
	fs.Float64Var(&c.Ridge, "ridge", c.Ridge, "ridge regulariser γ for --feedback-solver ridge")
	fs.StringVar(&c.NPLoss, "np-loss", c.NPLoss, "loss in node perturbation's loss difference, if not the training loss (e.g. softmax-mse, as the paper's CNN code)")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "first `epochs` update only the feedback, not the forward weights")
	fs.BoolVar(&c.FreezeWeights, "freeze-weights", c.FreezeWeights, "never update the forward weights (fixed-W experiments)")
	fs.BoolVar(&c.Autoencoder, "autoencoder", c.Autoencoder, "train to reconstruct the inputs (targets = inputs)")
	fs.Float64Var(&c.InputNoise, "input-noise", c.InputNoise, "sd of Gaussian noise added to training inputs (a denoising autoencoder)")
	fs.Float64Var(&c.ActivityNoise, "activity-noise", c.ActivityNoise, "noise scale at hidden layers in training passes, for bp, fa, dfa (the control for np's noise)")
	fs.IntVar(&c.Directions, "directions", c.Directions, "fgw, fga: random directions `k` whose forward gradients are averaged per step")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "learning-rate schedule: constant (default), step (--milestones, --gamma) or cosine (annealed per step to 0)")
	fs.IntVar(&c.WarmupEpochs, "warmup-epochs", c.WarmupEpochs, "ramp the learning rate up linearly over the first `epochs`, step by step")
	fs.StringVar(&c.Milestones, "milestones", c.Milestones, "step schedule: comma-separated `epochs` after which the rate is multiplied by --gamma (100,150)")
	fs.Float64Var(&c.Gamma, "gamma", c.Gamma, "step schedule's factor (0: 0.1)")
	fs.Float64Var(&c.L2, "l2", c.L2, "coupled L2 weight decay: l2·W added to the weights' gradient (SGD's weight_decay)")
	fs.StringVar(&c.Init, "init", c.Init, "weight initialisation: normal (default, N(0, 2/fan_in)), xavier or kaiming (uniform)")
	fs.IntVar(&c.ValSize, "val-size", c.ValSize, "hold out the last `N` training examples for validation (the test set is then measured at the last epoch only)")
	fs.BoolVar(&c.Augment, "augment", c.Augment, "random crop after 4-pixel padding and horizontal flip of training images")
	fs.IntVar(&c.DiagBatch, "diag-batch", c.DiagBatch, "size of the held-out diagnostic batch (the first test examples)")
	fs.IntVar(&c.DiagEvery, "diag-every", c.DiagEvery, "also record diagnostics every `k` steps in diag.jsonl (0: per epoch only)")
	fs.StringVar(&c.Out, "out", c.Out, "run directory (default runs/<time>-<rule>-seed<seed>)")
	return fs
}

func trainCmd(args []string, stdout io.Writer) error {
	c := config.Default()
	fs := trainFlags(&c)
	resume := fs.String("resume", "", "continue the run in `DIR` from its checkpoint, with its config.json (only --epochs may be given too, to change its length)")
	if err := parseNone(fs, args, stdout, "usage: credit train [flags]"); err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	if *resume != "" {
		epochs := 0 // keep config.json's
		var other []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "resume":
			case "epochs":
				epochs = c.Epochs
			default:
				other = append(other, "--"+f.Name)
			}
		})
		if len(other) > 0 {
			return fmt.Errorf("--resume: a resumed run keeps the settings in %s; only --epochs may change, not %s", rundir.Path(*resume, rundir.ConfigFile), strings.Join(other, ", "))
		}
		if epochs < 0 || (epochs == 0 && c.Epochs == 0) {
			return fmt.Errorf("--epochs: must be positive, got %d", c.Epochs)
		}
		_, err := train.Resume(ctx, *resume, epochs, stdout)
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[strings.ReplaceAll(f.Name, "-", "_")] = true })
	c.NetDefaults(func(key string) bool { return given[key] })
	if c.Out == "" {
		c.Out = defaultOut(c)
	}
	_, err := train.RunContext(ctx, c, stdout)
	return err
}

// defaultOut is a new run's directory when none is given.
func defaultOut(c config.Config) string {
	return fmt.Sprintf("runs/%s-%s-seed%d", time.Now().Format("20060102-150405"), c.Rule, c.Seed)
}

// parse parses args into fs, flags and other arguments in any order, and
// returns the other arguments. With -h it prints usage and fs's flags to
// stdout and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, usage)
				fs.SetOutput(stdout)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, fmt.Errorf("%s: %v (credit %s -h lists the flags)", command(fs), err, command(fs))
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
}

// command is the command fs parses for ("train" for "credit train"), as
// errors name it after main's "credit: ".
func command(fs *flag.FlagSet) string { return strings.TrimPrefix(fs.Name(), "credit ") }

// parseNone is parse for a command that takes flags only.
func parseNone(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) error {
	rest, err := parse(fs, args, stdout, usage)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%s: unexpected argument %q", command(fs), rest[0])
	}
	return err
}

// parseOne is parse for a command that takes one argument, what, among
// its flags, and returns it.
func parseOne(fs *flag.FlagSet, args []string, stdout io.Writer, usage, what string) (string, error) {
	rest, err := parse(fs, args, stdout, usage)
	switch {
	case err != nil:
		return "", err
	case len(rest) == 0:
		return "", fmt.Errorf("%s: name %s (%s)", command(fs), what, usage)
	case len(rest) > 1:
		return "", fmt.Errorf("%s: unexpected argument %q", command(fs), rest[1])
	}
	return rest[0], nil
}

// parseFile is parse for a command that takes an experiment file among its
// flags, and reads the file.
func parseFile(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) (*sweep.File, error) {
	file, err := parseOne(fs, args, stdout, usage, "an experiment file")
	if err != nil {
		return nil, err
	}
	return sweep.Load(file)
}

// runCmd trains the one run an experiment file describes; the flags given
// override its values. SIGINT and SIGTERM stop it as they stop credit
// train.
func runCmd(args []string, stdout io.Writer) error {
	flags := config.Default()
	fs := trainFlags(&flags)
	fs.Init("credit run", flag.ContinueOnError)
	f, err := parseFile(fs, args, stdout, "usage: credit run FILE [flags]")
	if err != nil {
		return err
	}
	fs.Visit(func(fl *flag.Flag) {
		if err == nil {
			err = f.Override(fl.Name, fl.Value.(flag.Getter).Get())
		}
	})
	if err != nil {
		return err
	}
	pts, err := f.Expand("")
	if err != nil {
		return err
	}
	if len(pts) != 1 {
		return fmt.Errorf("%s: describes %d runs (lists of values or several seeds); credit run trains one: use credit sweep", f.Path, len(pts))
	}
	c := pts[0].Config
	if c.Out = f.Out; c.Out == "" {
		c.Out = defaultOut(c)
	}
	ctx, stop := signalContext()
	defer stop()
	_, err = train.RunContext(ctx, c, stdout)
	return pts[0].Locate(err)
}

// sweepCmd trains the runs of an experiment file, lists them, or writes a
// Slurm job array that trains them.
func sweepCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit sweep", flag.ContinueOnError)
	o := experiment.SweepOptions{Log: stdout}
	fs.StringVar(&o.Scale, "scale", "", "the file's scale (from its scales:) to lay over its settings")
	fs.StringVar(&o.Dir, "out", "", "the sweep's directory; run i goes to `DIR`/runs/<name> (default: the file's out, or runs/<file's name>)")
	fs.IntVar(&o.Jobs, "jobs", runtime.GOMAXPROCS(0), "runs trained at once; each run's kernels get cores/jobs threads")
	fs.IntVar(&o.Index, "index", -1, "train only the run of this 0-based `index` (a Slurm array task's $SLURM_ARRAY_TASK_ID)")
	list := fs.Bool("list", false, "print the runs (index, directory, state) and train nothing")
	asJSON := fs.Bool("json", false, "with --list: print a JSON array of {\"index\", \"run\", \"state\"} objects, for scripts")
	emit := fs.String("emit", "", "write a job script instead of training: slurm (DIR/sweep.sbatch, a job array with one task per run)")
	cpus := fs.Int("cpus-per-task", 1, "with --emit slurm: CPUs of each task, used as its kernels' threads")
	f, err := parseFile(fs, args, stdout, "usage: credit sweep FILE [flags]")
	if err != nil {
		return err
	}
	if o.Dir == "" {
		if o.Dir = f.Out; o.Dir == "" {
			o.Dir = filepath.Join("runs", f.Name)
		}
	}
	switch {
	case *list:
		runs, err := experiment.SweepRuns(f, o.Scale, o.Dir)
		if err != nil {
			return err
		}
		if *asJSON {
			type entry struct {
				Index int    `json:"index"`
				Run   string `json:"run"`
				State string `json:"state"`
			}
			es := []entry{}
			for i, r := range runs {
				es = append(es, entry{i, r.Config.Out, experiment.State(r)})
			}
			return writeJSON(stdout, es)
		}
		tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "index\trun\tstate")
		for i, r := range runs {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", i, r.Config.Out, experiment.State(r))
		}
		return tw.Flush()
	case *emit == "slurm":
		exe, err := os.Executable()
		if err == nil {
			exe, err = filepath.EvalSymlinks(exe)
		}
		if err != nil {
			return fmt.Errorf("--emit slurm: cannot find the credit binary: %v", err)
		}
		if strings.Contains(exe, string(filepath.Separator)+"go-build") {
			return fmt.Errorf("--emit slurm: this credit is go run's temporary binary, gone when it exits; build one (go build -o credit ./cmd/credit) and run that")
		}
		path, err := experiment.EmitSlurm(f, o.Scale, o.Dir, exe, *cpus)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s; submit it with: sbatch %s\n", path, path)
		return nil
	case *emit != "":
		return fmt.Errorf("--emit: unknown target %q (want slurm)", *emit)
	case *asJSON:
		return errors.New("--json: only with --list")
	}
	ctx, stop := signalContext()
	defer stop()
	return continueWith(experiment.Sweep(ctx, f, o), "sweep", args)
}

// continueWith adds to err, when it is the *experiment.Stopped of a sweep
// or reproduction stopped by a signal, how to continue: the same command
// again (credit cmd args…), which skips the finished runs and resumes the
// stopped ones from their checkpoints. Other errors are returned as they
// are.
func continueWith(err error, cmd string, args []string) error {
	var stop *experiment.Stopped
	if !errors.As(err, &stop) {
		return err
	}
	line := []string{"credit", cmd}
	for _, a := range args {
		line = append(line, shellQuote(a))
	}
	return fmt.Errorf("%w; continue with the same command, which skips the finished runs and resumes the stopped ones from their checkpoints: %s", err, strings.Join(line, " "))
}

// shellQuote quotes s for a POSIX shell when it holds more than letters,
// digits and -_./=:,+@%.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func reproduceCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit reproduce", flag.ContinueOnError)
	scale := fs.String("scale", "quick", "quick (also small: minutes to an hour on 2 cores), full (the paper's schedule), or a scale of the experiment's own (e4: medium, paired seeds with confidence intervals)")
	out := fs.String("out", "", "output directory (default runs/reproduce-<name>-<scale>)")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "runs trained at once")
	names := strings.Join(experiment.Names(), ", ")
	name, err := parseOne(fs, args, stdout, "usage: credit reproduce NAME [flags], NAME one of "+names, "an experiment")
	if err != nil {
		return err
	}
	if _, err := experiment.Lookup(name); err != nil {
		return fmt.Errorf("reproduce: %v", err)
	}
	if *out == "" {
		*out = fmt.Sprintf("runs/reproduce-%s-%s", name, *scale)
	}
	ctx, stop := signalContext()
	defer stop()
	err = experiment.Reproduce(ctx, name, experiment.Options{Scale: experiment.Scale(*scale), Dir: *out, Jobs: *jobs, Log: stdout})
	return continueWith(err, "reproduce", args)
}

func reportCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit report", flag.ContinueOnError)
	out := fs.String("out", "report", "output directory")
	force := fs.Bool("force", false, "replace the report already in --out")
	dirs, err := parse(fs, args, stdout, "usage: credit report DIR... [flags]; each DIR a run directory or a directory holding run directories (at any depth)")
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return errors.New("report: name one or more run directories, or directories holding them")
	}
	rs, err := experiment.Gather(dirs...)
	if err != nil {
		return fmt.Errorf("report: %v", err)
	}
	if _, err := os.Stat(filepath.Join(*out, "report.md")); err == nil && !*force {
		return fmt.Errorf("--out: %s already holds a report (report.md); pass --force to replace it, or choose another --out", *out)
	}
	analysis.ByConfig(rs)
	md, err := analysis.Overview(*out, rs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\nTables and figures are in %s\n", md, *out)
	return nil
}

func benchCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit bench", flag.ContinueOnError)
	o := bench.Options{Out: stdout}
	fs.Float64Var(&o.Seconds, "seconds", 2, "measuring time per entry")
	fs.Float64Var(&o.Peak, "peak", 144, "the machine's fp32 peak in GFLOP/s (2 cores × 2 FMA units × 8 lanes × 2 flops × 2.25 GHz: 144)")
	fs.StringVar(&o.Python, "python", "/usr/bin/python3", "Python with PyTorch for the peer (\"\" skips it)")
	only := fs.String("only", strings.Join(bench.Sections, ","), "the parts to run, comma-separated: "+strings.Join(bench.Sections, ", "))
	fs.StringVar(&o.Rows, "rows", "", "only the whole-epoch rows whose \"data net batch\" contains this, e.g. \"relu+ce 256\"")
	fs.IntVar(&o.Repeats, "repeats", 1, "runs of each whole epoch, alternating credit and PyTorch (cells are medians)")
	fs.IntVar(&o.MNISTTrain, "mnist-train", 0, "MNIST training images in the MLP epochs (0: all 60,000)")
	fs.IntVar(&o.CIFARTrain, "cifar-train", 10000, "CIFAR-10 training images in the E4-small epoch (0: all 50,000; -1: no CIFAR-10 row)")
	if err := parseNone(fs, args, stdout, "usage: credit bench [flags]"); err != nil {
		return err
	}
	for _, s := range strings.Split(*only, ",") {
		if !slices.Contains(bench.Sections, s) {
			return fmt.Errorf("bench: --only: unknown part %q (want some of %s)", s, strings.Join(bench.Sections, ","))
		}
		o.Sections = append(o.Sections, s)
	}
	if !(o.Seconds > 0) || !(o.Peak > 0) {
		return fmt.Errorf("bench: --seconds and --peak must be positive")
	}
	return bench.Run(o)
}
