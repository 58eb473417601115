// Package configs ships the paper's experiments (SPEC §5) and the zoo as
// experiment files, the ones credit reproduce runs: e1.yaml, e2a.yaml,
// e2b.yaml, e3.yaml, e4.yaml, zoo.yaml and biotorch.yaml. Their format is package
// sweep's; each has a quick and a full scale. Package experiment
// registers them; package analysis holds their reports.
package configs

import "embed"

// FS holds the files, at its root.
//
//go:embed *.yaml
var FS embed.FS
