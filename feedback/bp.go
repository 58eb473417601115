package feedback

func init() {
	register("bp", "backprop: the error reaches each layer through the transposed forward weights Wᵀ",
		Spec{Topology: Exact})
}
