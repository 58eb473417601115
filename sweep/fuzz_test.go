package sweep

import "testing"

// FuzzParse parses arbitrary experiment files and expands those that parse
// at every scale they define: no panic, no run beyond MaxRuns, and every
// expanded run valid.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"rule: bp\n",
		"net: 784-50-20-10\nlr: [1e-3, 1e-2]\nseeds: 2\n",
		"group: 'np c={noise}'\nvariants:\n  - {rule: np, noise: [1e-3, 1e-2]}\n  - {group: '{rule}', rule: [fa, bp]}\nscales:\n  full: {epochs: 3, seeds: 2}\n",
		"lr: &a [1, 2, 3]\nmomentum: *a\nvariants: [&v {noise: *a}, *v]\n",
		"scales: &s {a: {}}\nvariants: [&v {scales: *s}, *v]\n",
		"lr: &a [*a]\n",
		"variants: &v [*v]\n",
		"a: &a {b: *a}\n",
		"seeds: 100000\nlr: [1, 2]\n",
		"{\"rule\": \"fa\", \"lr\": 0.01}",
		"lr: 1\n---\nlr: 2\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("x.yaml", []byte(src))
		if err != nil {
			return
		}
		for _, scale := range append([]string{""}, file.scaleNames...) {
			// Expanding up to MaxRuns runs takes a second or more; the
			// fuzzer checks the refusal of larger files and expands small ones.
			if _, grids, err := file.grids(scale); err == nil {
				var n float64
				for _, g := range grids {
					k, _ := g.runs()
					n += k
				}
				if n > MaxRuns {
					if _, err := file.Expand(scale); err == nil {
						t.Fatalf("%.0f runs expanded", n)
					}
					continue
				}
				if n > 1000 {
					continue
				}
			}
			pts, err := file.Expand(scale)
			if err != nil {
				continue
			}
			if len(pts) == 0 || len(pts) > MaxRuns {
				t.Fatalf("%d runs", len(pts))
			}
		}
	})
}
