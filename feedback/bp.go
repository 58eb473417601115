package feedback

func init() {
	Register(Def{Name: "bp", Doc: "backprop: the error reaches each layer through the transposed forward weights Wᵀ",
		Parts: func() []Part { return []Part{Exact{}} }})
}
