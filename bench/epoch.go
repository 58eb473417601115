package bench

import (
	"bufio"
	"cmp"
	"context"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/train"
)

//go:embed peers/torch_epoch.py
var torchEpoch []byte

// EpochCase is one row of the whole-epoch tables: a training setup run by
// credit (train.Train, for each of Runs: bp, then the rule compared with
// it) and by the PyTorch peer (bp with Runs[0]'s settings).
type EpochCase struct {
	Name string
	Runs []config.Config // Data, Net, Rule, Act, Loss, Reduction, Opt, LR, Batch, …; Out and Epochs are set per run
}

// MLPEpochCases are the MNIST rows: 784-256-256-10 with ReLU and softmax
// cross-entropy (mean over the batch, SGD lr 0.05) and with sigmoid and
// squared error (summed, SGD lr 1e-4), at batches 32 and 256; np learns
// its feedback by SGD (η_B 1e-4, c 1e-3).
func MLPEpochCases() []EpochCase {
	var cs []EpochCase
	for _, pair := range []struct{ act, loss, red string }{{"relu", "ce", "mean"}, {"sigmoid", "mse", "sum"}} {
		for _, batch := range []int{32, 256} {
			c := config.Default()
			c.Data, c.Net, c.Act, c.OutAct, c.Loss, c.Reduction = "mnist", "784-256-256-10", pair.act, "linear", pair.loss, pair.red
			c.Opt, c.LR, c.Batch = "sgd", 0.05, batch
			if pair.loss == "mse" {
				c.LR = 1e-4
			}
			c.FeedbackSolver, c.FeedbackLR = "sgd", 1e-4
			bp, np := c, c
			bp.Rule, np.Rule = "bp", "np"
			cs = append(cs, EpochCase{Name: fmt.Sprintf("784-256-256-10 %s+%s", pair.act, pair.loss), Runs: []config.Config{bp, np}})
		}
	}
	return cs
}

// E4EpochCase is the CIFAR-10 row: configs/e4.yaml's quick scale (E4-small,
// tanh, cross-entropy summed, Adam lr 1e-3, batch 128) on the first
// trainSize training images (0: all 50,000) and the whole test set; bp and
// npdfa as E4 runs them.
func E4EpochCase(trainSize int) (EpochCase, error) {
	es, err := experiment.Lookup("e4")
	if err != nil {
		return EpochCase{}, err
	}
	ec := EpochCase{Name: "E4-small"}
	for _, rule := range []string{"bp", "npdfa"} {
		for _, r := range es[0].Runs(experiment.Quick) {
			if r.Config.Rule == rule {
				c := r.Config
				c.TrainSize = trainSize
				ec.Runs = append(ec.Runs, c)
				break
			}
		}
	}
	if len(ec.Runs) != 2 {
		return EpochCase{}, fmt.Errorf("bench: e4 has no bp or npdfa run")
	}
	return ec, nil
}

// epochTime is one whole epoch as a user sees it: the training steps, then
// the per-epoch evaluation (the whole test set, the diagnostic batch, the
// metrics line and the checkpoint).
type epochTime struct {
	train, total float64 // seconds
	testError    float64
}

// creditEpoch trains c for one epoch in a temporary run directory under
// dir and times it from the end of epoch 0 (the untrained network's
// evaluation, which also sizes every buffer) to the end of epoch 1.
func creditEpoch(c config.Config, dir string) (epochTime, error) {
	c.Epochs = 1
	out, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		return epochTime{}, err
	}
	defer os.RemoveAll(out)
	c.Out = out
	var t0 time.Time
	var et epochTime
	_, err = train.Train(context.Background(), c, train.Options{OnEpoch: func(e rundir.Epoch, _ train.Model) {
		if e.Epoch == 0 {
			t0 = time.Now()
			return
		}
		et = epochTime{train: e.Seconds, total: time.Since(t0).Seconds(), testError: float64(e.TestError)}
	}})
	return et, err
}

// writeArrays writes the training and test sets that the peer reads with
// numpy.fromfile: prefix.xtr and prefix.xte (float32 little-endian, N×In
// row-major, exactly credit's inputs) and prefix.ytr and prefix.yte (the
// labels, int32 little-endian).
func writeArrays(prefix string, tr, te *data.Dataset) error {
	for _, f := range []struct {
		ext string
		d   *data.Dataset
	}{{"tr", tr}, {"te", te}} {
		if err := writeLE(prefix+".x"+f.ext, f.d.X); err != nil {
			return err
		}
		lab := make([]int32, len(f.d.Labels))
		for i, l := range f.d.Labels {
			lab[i] = int32(l)
		}
		if err := writeLE(prefix+".y"+f.ext, lab); err != nil {
			return err
		}
	}
	return nil
}

func writeLE(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := binary.Write(w, binary.LittleEndian, v); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// peerEpochs runs the PyTorch peer on the arrays at prefix with the
// settings of c, at each thread count, and returns its epoch times by
// thread count.
func peerEpochs(o Options, c config.Config, prefix string, tr, te *data.Dataset, threads []int) (map[int]epochTime, error) {
	var ts []string
	for _, t := range threads {
		ts = append(ts, fmt.Sprint(t))
	}
	net := c.Net
	if strings.Contains(net, "conv") {
		net = "e4-small"
		if c.Net != experiment.E4Small().Net {
			return nil, fmt.Errorf("the peer knows only E4-small, not %s", c.Net)
		}
	}
	lines, err := runScript(o, torchEpoch, "torch_epoch.py", "--data", prefix,
		"--ntrain", fmt.Sprint(tr.N), "--ntest", fmt.Sprint(te.N), "--shape", fmt.Sprintf("%d,%d,%d", tr.Shape[0], tr.Shape[1], tr.Shape[2]),
		"--net", net, "--act", c.Act, "--loss", c.Loss, "--reduction", c.Reduction, "--opt", c.Opt,
		"--lr", fmt.Sprint(c.LR), "--momentum", fmt.Sprint(c.Momentum), "--eps", fmt.Sprint(c.AdamEps),
		"--batch", fmt.Sprint(c.Batch), "--threads", strings.Join(ts, ","))
	if err != nil {
		return nil, err
	}
	res := map[int]epochTime{}
	for _, l := range lines {
		th, _ := l["threads"].(float64)
		trS, _ := l["train_s"].(float64)
		teS, _ := l["test_s"].(float64)
		e, _ := l["test_error"].(float64)
		res[int(th)] = epochTime{train: trS, total: trS + teS, testError: e}
	}
	return res, nil
}

// torchAvailable reports whether o.Python imports torch and numpy, and
// why not.
func torchAvailable(o Options) error {
	if o.Python == "" {
		return fmt.Errorf("no --python given")
	}
	_, err := runScript(o, []byte("import torch, numpy\n"), "probe.py")
	if err != nil {
		return fmt.Errorf("%s cannot import torch and numpy (apt-get install python3-torch python3-numpy)", o.Python)
	}
	return nil
}

// runEpochs prints the whole-epoch tables: each case trained by credit
// (per rule) and by PyTorch (bp, at 1 thread and at all cores) on the
// same arrays, one row after the other (credit, then its peer), so that
// drifts in the machine's load hit neighbours alike.
func runEpochs(o Options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "credit-bench-epoch")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	threads := []int{1}
	if n := runtime.NumCPU(); n > 1 {
		threads = append(threads, n)
	}
	peerErr := torchAvailable(o)
	cases := MLPEpochCases()
	for i := range cases {
		for r := range cases[i].Runs {
			cases[i].Runs[r].TrainSize = o.MNISTTrain
		}
	}
	if o.CIFARTrain >= 0 {
		e4, err := E4EpochCase(o.CIFARTrain)
		if err != nil {
			return err
		}
		cases = append(cases, e4)
	}
	fmt.Fprintf(w, "\n## Whole epochs on real data (seconds per epoch: training steps, then the test pass over the whole test set, the diagnostic batch and the checkpoint; samples/s of the training set over that)\n\n")
	fmt.Fprintf(w, "credit: train.Train, one epoch after the untrained network's evaluation. PyTorch: the same arrays (written by credit, read with numpy.fromfile), the same shuffled batches per epoch (its own order), the same loss, reduction, optimiser and learning rate, then the test pass under torch.no_grad; at 1 thread and at %d.\n", threads[len(threads)-1])
	if peerErr != nil {
		fmt.Fprintf(w, "\nPyTorch skipped: %v\n", peerErr)
	}
	fmt.Fprintf(w, "\n| data | net | batch | credit bp s | credit np/npdfa s | time vs bp | PyTorch 1t s | PyTorch %dt s | credit bp samples/s | credit / best PyTorch |\n|---|---|---|---|---|---|---|---|---|---|\n", threads[len(threads)-1])
	loaded := map[string][2]*data.Dataset{}
	for i, ec := range cases {
		c := ec.Runs[0]
		if o.Rows != "" && !strings.Contains(fmt.Sprintf("%s %s %d", c.Data, ec.Name, c.Batch), o.Rows) {
			continue
		}
		key := fmt.Sprintf("%s/%d", c.Data, c.TrainSize)
		sets, ok := loaded[key]
		prefix := filepath.Join(dir, strings.ReplaceAll(key, "/", "-"))
		if !ok {
			tr, te, err := data.Load(data.Options{Name: c.Data, Dir: c.DataDir, TrainSize: c.TrainSize})
			if err != nil {
				fmt.Fprintf(w, "| %s | %s | %d | skipped: %v |\n", c.Data, ec.Name, c.Batch, err)
				continue
			}
			sets = [2]*data.Dataset{tr, te}
			loaded[key] = sets
			if peerErr == nil {
				if err := writeArrays(prefix, tr, te); err != nil {
					return err
				}
			}
		}
		// Repeats alternate credit's runs and the peer's, and each cell
		// is the median over them.
		ct := make([][]epochTime, len(ec.Runs))
		pt := map[int][]epochTime{}
		var rowErr error
		for rep := 0; rep < max(1, o.Repeats); rep++ {
			for r, rc := range ec.Runs {
				et, err := creditEpoch(rc, dir)
				if err != nil {
					return fmt.Errorf("bench: %s batch %d, %s: %v", ec.Name, c.Batch, rc.Rule, err)
				}
				ct[r] = append(ct[r], et)
			}
			if peerErr == nil && rowErr == nil {
				var peer map[int]epochTime
				if peer, rowErr = peerEpochs(o, c, prefix, sets[0], sets[1], threads); rowErr == nil {
					for th, et := range peer {
						pt[th] = append(pt[th], et)
					}
				}
			}
		}
		var times []epochTime
		for _, ts := range ct {
			times = append(times, median(ts))
		}
		peer := map[int]epochTime{}
		for th, ts := range pt {
			peer[th] = median(ts)
		}
		bp, other := times[0], times[1]
		cells := []string{c.Data, ec.Name, fmt.Sprint(c.Batch), secs(bp.total, bp.train), secs(other.total, other.train), fmt.Sprintf("%.2f× (%s)", other.total/bp.total, ec.Runs[1].Rule)}
		best := math.Inf(1)
		for _, th := range threads {
			if p, ok := peer[th]; ok {
				cells = append(cells, secs(p.total, p.train))
				best = min(best, p.total)
			} else {
				cells = append(cells, "–")
			}
		}
		cells = append(cells, fmt.Sprintf("%.0f", float64(sets[0].N)/bp.total))
		if math.IsInf(best, 1) {
			cells = append(cells, "–")
		} else {
			cells = append(cells, fmt.Sprintf("**%.2f×**", best/bp.total))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		if rowErr != nil {
			fmt.Fprintf(w, "\nrow %d: PyTorch peer failed: %v\n\n", i+1, rowErr)
		}
	}
	fmt.Fprintf(w, "\nEach cell: epoch seconds with the test pass (training steps alone in brackets), the median of %d runs alternating credit's and PyTorch's. The last column is PyTorch's faster thread count's epoch time over credit bp's.\n", max(1, o.Repeats))
	return nil
}

// median returns the run of median total time.
func median(ts []epochTime) epochTime {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(a, b epochTime) int { return cmp.Compare(a.total, b.total) })
	return s[len(s)/2]
}

func secs(total, train float64) string { return fmt.Sprintf("%.2f (%.2f)", total, train) }
