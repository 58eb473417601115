package train

import (
	"fmt"
	"strings"

	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/tensor"
)

// autoencode returns d with the inputs as targets: Y = X, Out = In, no
// classes (Labels stay, to colour latent codes by class).
func autoencode(d *data.Dataset) *data.Dataset {
	a := *d
	a.Y, a.Out, a.Classes = d.X, d.In, 0
	return &a
}

// writeAutoencoderOutputs writes, for an autoencoder, DIR/codes.csv (the
// whole test set's activity at the narrowest hidden site, one row per
// example, with its label) and DIR/reconstructions.json (the first 10 test
// inputs and their reconstructions). build registers it to run at the end
// of the run.
func (t *trainer) writeAutoencoderOutputs() error {
	site := 0
	for i := 1; i < t.net.Sites(); i++ {
		if t.net.SiteWidth(i) < t.net.SiteWidth(site) {
			site = i
		}
	}
	var b strings.Builder
	for j := 0; j < t.net.SiteWidth(site); j++ {
		fmt.Fprintf(&b, "z%d,", j+1)
	}
	b.WriteString("label\n")
	recon := rundir.Reconstructions{Height: t.test.Shape[1], Width: t.test.Shape[2]}
	t.overTest(func(lo int, x, yhat *tensor.Mat) { // autoencoder: targets are the inputs
		z := t.net.SiteOutput(site)
		for i := 0; i < x.Rows; i++ {
			for _, v := range z.Row(i) {
				fmt.Fprintf(&b, "%g,", v)
			}
			label := -1
			if t.test.Labels != nil {
				label = t.test.Labels[lo+i]
			}
			fmt.Fprintf(&b, "%d\n", label)
			if lo+i < 10 {
				recon.Inputs = append(recon.Inputs, append([]float32(nil), x.Row(i)...))
				recon.Outputs = append(recon.Outputs, append([]float32(nil), yhat.Row(i)...))
			}
		}
	})
	if err := rundir.WriteCodes(t.c.Out, []byte(b.String())); err != nil {
		return err
	}
	return rundir.WriteReconstructions(t.c.Out, &recon)
}
