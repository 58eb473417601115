package feedback

func init() {
	Register(Def{Name: "brsf", Doc: "batchwise random-magnitude sign-concordant feedback (Liao et al. 2016, Xiao et al. 2018): B = |M| ∘ sign(Wᵀ), M ~ N(0, 2/fan_in) redrawn every step",
		Parts: func() []Part { return []Part{&LayerWise{}, &Tie{Magnitude: Redrawn}} }})
}
