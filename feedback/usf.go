package feedback

func init() {
	Register(Def{Name: "usf", Doc: "uniform sign-concordant feedback (Liao et al. 2016, Xiao et al. 2018): layer-wise B = s·sign(Wᵀ), s = √(2/fan_in) the init scale",
		Parts: func() []Part { return []Part{&LayerWise{}, &Tie{Magnitude: Uniform}} }})
}
