package feedback

func init() {
	register("fa", "feedback alignment (Lillicrap et al. 2016): layer-wise, through fixed random B in place of Wᵀ",
		Spec{Topology: LayerWise})
}
