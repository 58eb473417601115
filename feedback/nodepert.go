package feedback

func init() {
	Register(Def{Name: "nodepert", Doc: "plain node perturbation (REINFORCE, the paper's RL baseline): each hidden layer gets the estimate λ̂ = (L̃−L)ξ/c itself",
		Parts: func() []Part { return []Part{&Estimated{}, &Perturbation{}} }})
}
