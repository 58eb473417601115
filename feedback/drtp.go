package feedback

func init() {
	Register(Def{Name: "drtp", Doc: "direct random target projection (Frenkel, Lefebvre & Bol 2021): each hidden layer gets the target y*, not the error, through a fixed random D",
		Parts: func() []Part { return []Part{&Projection{Signal: Target}} }})
}
