package feedback

func init() {
	Register(Def{Name: "fa", Doc: "feedback alignment (Lillicrap et al. 2016): layer-wise, through fixed random B in place of Wᵀ",
		Parts: func() []Part { return []Part{&LayerWise{}} }})
}
