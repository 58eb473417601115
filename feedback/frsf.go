package feedback

func init() {
	Register(Def{Name: "frsf", Doc: "fixed random-magnitude sign-concordant feedback (Liao et al. 2016, Xiao et al. 2018): B = |M₀| ∘ sign(Wᵀ), M₀ ~ N(0, 2/fan_in) drawn once",
		Parts: func() []Part { return []Part{&LayerWise{}, &Tie{Magnitude: Frozen}} }})
}
