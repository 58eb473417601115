// Package analysis turns run directories into tables and figures: it
// groups runs by the settings that vary across them, aggregates each
// group's seeds (mean ± sd), and writes the common report of
// `credit report` (ByConfig, Overview) and each experiment's own tables
// and figures. Package report draws them.
//
// Each experiment of package experiment has a report function here (e1.go
// … e4.go, zoo.go). Experiment cannot import analysis, which needs its
// Result and Lookup, so the link goes the other way: analysis's init gives
// each experiment its report by experiment.RegisterReport, as image/png
// registers its decoder with package image. A program that reproduces
// experiments imports analysis (cmd/credit does, for credit report too);
// experiment.Reproduce refuses an experiment that has no report before it
// trains anything. The function registered writes the experiment's own
// files into the reproduction's directory and the common report, grouped
// by the experiment's labels, into its report/ subdirectory.
package analysis

import (
	"path/filepath"

	"github.com/creditlab/credit/experiment"
)

// reportOf registers report, with the common report after it, as the
// report of the experiment name.
func reportOf(name string, report func(dir string, rs []experiment.Result) (string, error)) {
	experiment.RegisterReport(name, func(dir string, rs []experiment.Result) (string, error) {
		table, err := report(dir, rs)
		if err != nil {
			return "", err
		}
		if _, err := Overview(filepath.Join(dir, "report"), rs); err != nil {
			return "", err
		}
		return table, nil
	})
}
