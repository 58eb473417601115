package feedback

func init() {
	register("np", "node perturbation learns layer-wise feedback B (Lansdell, Prakash & Kording 2020, the paper's MLP method)",
		Spec{Topology: LayerWise, Perturb: true, Learn: Regress})
}
