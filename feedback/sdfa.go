package feedback

func init() {
	Register(Def{Name: "sdfa", Doc: "sign-DFA (Frenkel, Lefebvre & Bol 2021): each hidden layer gets the sign of the output error through a fixed random D",
		Parts: func() []Part { return []Part{&Projection{Signal: ErrorSign}} }})
}
