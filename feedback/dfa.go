package feedback

func init() {
	Register(Def{Name: "dfa", Doc: "direct feedback alignment (Nøkland 2016): each hidden layer gets the output error through a fixed random D",
		Parts: func() []Part { return []Part{&Direct{}} }})
}
