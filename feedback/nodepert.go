package feedback

func init() {
	register("nodepert", "plain node perturbation (REINFORCE, the paper's RL baseline): each hidden layer gets the estimate λ̂ = (L̃−L)ξ/c itself",
		Spec{Topology: Estimate, Perturb: true})
}
