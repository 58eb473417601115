package feedback

func init() {
	register("frsf", "fixed random-magnitude sign-concordant feedback (Liao et al. 2016, Xiao et al. 2018): B = |M₀| ∘ sign(Wᵀ), M₀ ~ N(0, 2/fan_in) drawn once",
		Spec{Topology: LayerWise, Tie: Frozen})
}
