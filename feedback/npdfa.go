package feedback

func init() {
	Register(Def{Name: "npdfa", Doc: "node perturbation learns direct feedback D (Lansdell, Prakash & Kording 2020, the paper's CNN method)",
		Parts: func() []Part { return []Part{&Direct{}, &Perturbation{}, &Regression{}} }})
}
