package feedback

func init() {
	register("kp", "Kolen–Pollack (Akrout et al. 2019): layer-wise B receives the same update as Wᵀ and the same weight decay λ (--weight-decay), so B − Wᵀ shrinks by (1−λ) each step; with λ = 0 it stays at its random start",
		Spec{Topology: LayerWise, Learn: Track})
}
