package feedback

func init() {
	register("usf", "uniform sign-concordant feedback (Liao et al. 2016, Xiao et al. 2018): layer-wise B = s·sign(Wᵀ), s = √(2/fan_in) the init scale",
		Spec{Topology: LayerWise, Tie: Uniform})
}
