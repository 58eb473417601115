package analysis

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// e3Authors are the authors' minimum test losses per batch of 32.
var e3Authors = map[string]string{
	"np": "515 ± 7", "bp": "610 ± 25 (at lr 3.7e-4)", "fa": "759 ± 6",
	"bp, lr 3.7e-4": "610 ± 25", "bp + activity noise": "537 ± 4", "denoising bp": "540 ± 16", "bp + Adam": "538",
}

// E3 (SPEC §5, configs/e3.yaml): an MNIST autoencoder with a 2-unit
// bottleneck; np against bp, fa and the controls that separate noise's
// regularising effect from learned feedback.
func init() { reportOf("e3", e3Report) }

func e3Report(dir string, rs []experiment.Result) (string, error) {
	order, by := groups(rs)
	// Loss curves: test solid, train dashed, mean ± standard error.
	panels := []report.Panel{lossPanel(order, by, 32, true, "loss per batch of 32 (test solid, train dashed; ± se)", "½‖x̂ − x‖² per 32 images")}
	// Latent codes and reconstructions of the first seed of each rule.
	var grid [][][]float32
	var rows []string
	h, w := 28, 28
	for _, g := range order {
		r := by[g][0]
		pts, err := readCodes(r.Config.Out)
		if err != nil {
			return "", err
		}
		panels = append(panels, report.Panel{Title: "2-D codes of the test set, " + g, XLabel: "z₁", YLabel: "z₂", Points: pts})
		rec, err := rundir.ReadReconstructions(r.Config.Out)
		if err != nil {
			return "", err
		}
		if grid == nil {
			grid, rows, h, w = append(grid, rec.Inputs), append(rows, "input"), rec.Height, rec.Width
		}
		grid, rows = append(grid, rec.Outputs), append(rows, g)
	}
	if err := report.TitledFigure(filepath.Join(dir, "e3"), "E3: "+dataNets(rs), 3, panels); err != nil {
		return "", err
	}
	if err := report.ImageGrid(filepath.Join(dir, "e3_reconstructions"), grid, h, w, rows, 2); err != nil {
		return "", err
	}
	md, csv := statTable("rule", order, by, []stat{
		{name: "min test loss per batch of 32", decimals: 1, of: func(r experiment.Result) float64 { return 32 * minTestLoss(r) }},
		{name: "authors", ref: e3Authors},
	}, nil)
	return writeTable(dir, "e3", md, csv)
}

// readCodes reads dir's codes.csv (z1,z2,…,label) into one point set per
// label.
func readCodes(dir string) ([]report.PointSet, error) {
	_, rows, err := rundir.ReadCodes(dir)
	if err != nil {
		return nil, err
	}
	path := rundir.Path(dir, rundir.CodesFile)
	sets := map[string]*report.PointSet{}
	var labels []string
	for i, rec := range rows {
		if len(rec) < 3 {
			return nil, fmt.Errorf("%s: line %d: want z1,z2,label", path, i+2)
		}
		x, err1 := strconv.ParseFloat(rec[0], 64)
		y, err2 := strconv.ParseFloat(rec[1], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: line %d: bad number", path, i+2)
		}
		l := rec[len(rec)-1]
		if sets[l] == nil {
			sets[l] = &report.PointSet{Label: l}
			labels = append(labels, l)
		}
		sets[l].X, sets[l].Y = append(sets[l].X, x), append(sets[l].Y, y)
	}
	sort.Strings(labels)
	var out []report.PointSet
	for _, l := range labels {
		out = append(out, *sets[l])
	}
	return out, nil
}
