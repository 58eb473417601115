package feedback

func init() {
	register("npdfa", "node perturbation learns direct feedback D (Lansdell, Prakash & Kording 2020, the paper's CNN method)",
		Spec{Topology: Direct, Perturb: true, Learn: Regress})
}
