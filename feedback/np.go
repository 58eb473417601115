package feedback

func init() {
	Register(Def{Name: "np", Doc: "node perturbation learns layer-wise feedback B (Lansdell, Prakash & Kording 2020, the paper's MLP method; conv, batch-normalised and residual-block feedback by --feedback-solver sgd)",
		Parts: func() []Part { return []Part{&LayerWise{}, &Perturbation{}, &Regression{}} }})
}
