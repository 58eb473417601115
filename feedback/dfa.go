package feedback

func init() {
	register("dfa", "direct feedback alignment (Nøkland 2016): each hidden layer gets the output error through a fixed random D",
		Spec{Topology: Direct})
}
