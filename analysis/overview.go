package analysis

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// notSettings are the config.json keys that do not make a configuration:
// runs that differ only in them are seeds of one configuration.
var notSettings = []string{"seed", "out", "data_dir"}

// settings returns c's config.json keys, in config.json's order, and their
// values as text (strings unquoted, numbers as JSON writes them), leaving
// out the keys omit (notSettings for the reports).
func settings(c config.Config, omit ...string) (keys, vals []string) {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a struct of plain fields always encodes
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
		key := k.(string)
		if slices.Contains(omit, key) {
			continue
		}
		text := string(v)
		if s, err := strconv.Unquote(text); err == nil {
			text = s
		}
		keys, vals = append(keys, key), append(vals, text)
	}
	return keys, vals
}

// setting returns the value of c's setting key as text ("" if none).
func setting(c config.Config, key string) string {
	keys, vals := settings(c, notSettings...)
	if i := slices.Index(keys, key); i >= 0 {
		return vals[i]
	}
	return ""
}

// varying returns the settings whose values differ across rs (config.json
// keys in order, notSettings left out) and each run's values of them.
func varying(rs []experiment.Result) (keys []string, vals [][]string) {
	cs := make([]config.Config, len(rs))
	for i, r := range rs {
		cs[i] = r.Config
	}
	return Differing(cs, notSettings...)
}

// Differing returns the settings whose values differ across cs
// (config.json keys in order, the keys omit left out) and
// each configuration's values of them.
func Differing(cs []config.Config, omit ...string) (keys []string, vals [][]string) {
	all := make([][]string, len(cs))
	var names []string
	for i, c := range cs {
		names, all[i] = settings(c, omit...)
	}
	vals = make([][]string, len(cs))
	for k, name := range names {
		for i := range cs {
			if all[i][k] != all[0][k] {
				keys = append(keys, name)
				for j := range cs {
					vals[j] = append(vals[j], all[j][k])
				}
				break
			}
		}
	}
	return keys, vals
}

// ByConfig groups rs into configurations, runs whose settings differ only
// in notSettings. Each result's Group becomes the settings that vary
// across rs with its values, "key=value" joined by spaces in config.json's
// order ("rule=np noise=0.001"), or "rule=<rule>" if nothing varies. rs is
// sorted by configuration (values compared key by key, as numbers where
// both are numbers, else as text) and then by seed and directory, so
// groups() finds the configurations in that order.
func ByConfig(rs []experiment.Result) {
	keys, vals := varying(rs)
	for i := range rs {
		var parts []string
		for k, key := range keys {
			parts = append(parts, key+"="+vals[i][k])
		}
		rs[i].Group = strings.Join(parts, " ")
		if len(parts) == 0 {
			rs[i].Group = "rule=" + rs[i].Config.Rule
		}
	}
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		for k := range keys {
			x, y := vals[a][k], vals[b][k]
			fx, errx := strconv.ParseFloat(x, 64)
			fy, erry := strconv.ParseFloat(y, 64)
			c := strings.Compare(x, y)
			if errx == nil && erry == nil {
				c = cmp.Compare(fx, fy)
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(rs[a].Config.Seed, rs[b].Config.Seed), strings.Compare(rs[a].Config.Out, rs[b].Config.Out))
	})
	sorted := make([]experiment.Result, len(rs))
	for i, j := range idx {
		sorted[i] = rs[j]
	}
	copy(rs, sorted)
}

// Overview writes the report common to any set of runs into dir, grouped
// by their Group labels:
//   - report.md and report.csv: per group the seeds (finished runs),
//     epochs, unfinished runs (if any), final test error (%), minimum test
//     loss of the trained network, final test loss, and per hidden layer
//     the final delta angle and, where defined, weight angle, as mean ± sd
//     over the finished runs (a column undefined for every group is left
//     out); the CSV has the mean and sd in separate columns and, after the
//     group, the settings that vary across rs;
//   - curves.png/.svg: test error (if defined) and loss (test solid, train
//     dashed) against the epoch, mean ± sd bands;
//   - alignment.png/.svg: per hidden layer the delta angle and, where
//     defined, the weight angle, against the epoch, or against optimiser
//     steps when runs recorded diag.jsonl.
//
// A run without summary.json is unfinished: counted and listed below the
// table, left out of the finals and of the curves, except that a group
// with no finished run is plotted from its unfinished runs, its label
// marked "(unfinished)". Files are replaced atomically; an alignment figure
// left by an earlier report is removed when this one has none. Returns the
// Markdown of report.md.
func Overview(dir string, rs []experiment.Result) (string, error) {
	if len(rs) == 0 {
		return "", errors.New("report: no runs")
	}
	order, by := groups(rs)
	layers := 0
	for _, r := range rs {
		layers = max(layers, len(r.Summary.Layers))
		if n := len(r.Epochs); n > 0 {
			layers = max(layers, len(r.Epochs[n-1].Layers))
		}
	}
	stats := []stat{
		{name: "test error (%)", decimals: 2, of: testErrorPct},
		{name: "min test loss", decimals: -1, of: minTestLoss},
		{name: "final test loss", decimals: -1, of: finalTestLoss},
	}
	for i := range layers {
		stats = append(stats, layerStat("delta angle", 1, i, deltaAngle))
	}
	for i := range layers {
		stats = append(stats, layerStat("weight angle", 1, i, weightAngle))
	}
	keys, _ := varying(rs)
	md, csv := statTable("configuration", order, by, stats, keys)
	text := md.Markdown()
	var unfinished []string
	for _, r := range rs {
		if !r.Finished {
			at := fmt.Sprintf("no epochs of %d", r.Config.Epochs)
			if n := len(r.Epochs); n > 0 {
				at = fmt.Sprintf("epoch %d of %d", r.Epochs[n-1].Epoch, r.Config.Epochs)
			}
			if d := r.Diverged; d != nil {
				at = fmt.Sprintf("diverged (loss %s) at epoch %d of %d, step %d", d.Loss, d.Epoch, r.Config.Epochs, d.Step)
			}
			unfinished = append(unfinished, fmt.Sprintf("- %s (%s, seed %d): %s", r.Config.Out, r.Group, r.Config.Seed, at))
		}
	}
	if len(unfinished) > 0 {
		text += fmt.Sprintf("\nUnfinished runs (no %s: interrupted, running or diverged), left out of the table's finals: %d\n%s\n", rundir.SummaryFile, len(unfinished), strings.Join(unfinished, "\n"))
	}
	if err := report.WriteFile(filepath.Join(dir, "report.md"), []byte(text)); err != nil {
		return "", err
	}
	if err := csv.WriteCSV(filepath.Join(dir, "report.csv")); err != nil {
		return "", err
	}
	curves, alignment := overviewPanels(order, by, layers)
	if err := report.TitledFigure(filepath.Join(dir, "curves"), "Test error and loss: "+dataNets(rs), len(curves), curves); err != nil {
		return "", err
	}
	align := filepath.Join(dir, "alignment")
	if len(alignment) == 0 {
		for _, ext := range []string{".png", ".svg", ".pdf"} {
			if err := os.Remove(align + ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
		}
		return text, nil
	}
	return text, report.TitledFigure(align, "Alignment with backprop: "+dataNets(rs), min(layers, 3), alignment)
}

// overviewPanels returns the panels of Overview's two figures, plotting
// each group's finished runs, or its unfinished ones if it has none.
func overviewPanels(order []string, by map[string][]experiment.Result, layers int) (curves, alignment []report.Panel) {
	var plotOrder []string
	plotBy := map[string][]experiment.Result{}
	testError := false
	for _, g := range order {
		var done, running []experiment.Result
		for _, r := range by[g] {
			if r.Finished {
				done = append(done, r)
			} else {
				running = append(running, r)
			}
		}
		label := g
		if len(done) == 0 {
			done, label = running, g+" (unfinished)"
		}
		plotOrder, plotBy[label] = append(plotOrder, label), done
		for _, r := range done {
			for _, e := range r.Epochs {
				testError = testError || !math.IsNaN(float64(e.TestError))
			}
		}
	}
	if testError {
		curves = append(curves, errorPanel(plotOrder, plotBy))
	}
	curves = append(curves, lossPanel(plotOrder, plotBy, 1, false, "loss (test solid, train dashed; ± sd)", "loss per example"))
	var weights []report.Panel
	for i := range layers {
		name := fmt.Sprintf("hidden layer %d", i+1)
		alignment = append(alignment, deltaAnglePanel(plotOrder, plotBy, i, name))
		p := layerPanel(plotOrder, plotBy, i, weightAngle, "weight angle, "+name, "angle of B to Wᵀ (°)")
		if defined(p) {
			weights = append(weights, p)
		}
	}
	return curves, append(alignment, weights...)
}

// defined reports whether any series of p has a value that is not NaN.
func defined(p report.Panel) bool {
	for _, s := range p.Series {
		for _, y := range s.Y {
			if !math.IsNaN(y) {
				return true
			}
		}
	}
	return false
}
