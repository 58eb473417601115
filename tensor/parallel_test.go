package tensor

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// Parallel calls every index once, with slots below the bound, on any
// thread count, and allocates nothing for a kept function.
func TestParallel(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		for _, slots := range []int{1, 2, 8} {
			t.Run(fmt.Sprintf("threads=%d/slots=%d", threads, slots), func(t *testing.T) {
				defer SetThreads(SetThreads(threads))
				const n = 100
				var calls [n]atomic.Int32
				var badSlot atomic.Int32
				bound := min(threads, slots)
				f := func(i, slot int) {
					calls[i].Add(1)
					if slot < 0 || slot >= bound {
						badSlot.Store(int32(slot) + 1000)
					}
				}
				for _, count := range []int{0, 1, 7, n} {
					for i := range calls {
						calls[i].Store(0)
					}
					Parallel(count, slots, f)
					for i := range calls {
						want := int32(0)
						if i < count {
							want = 1
						}
						if got := calls[i].Load(); got != want {
							t.Fatalf("n=%d: index %d called %d times", count, i, got)
						}
					}
				}
				if s := badSlot.Load(); s != 0 {
					t.Errorf("slot %d outside [0, %d)", s-1000, bound)
				}
				if a := testing.AllocsPerRun(20, func() { Parallel(n, slots, f) }); a != 0 {
					t.Errorf("%v allocations per call", a)
				}
			})
		}
	}
}

// Calls that themselves run parallel products and nested Parallel calls
// finish with the right results (no deadlock: busy workers are skipped).
func TestParallelNested(t *testing.T) {
	defer SetThreads(SetThreads(2))
	const n = 6
	m, k := 96, 500 // 2·96·96·500 ≈ 9.2 MFLOP: above parallelMinFlops, so split
	a, b := New(m, k), New(k, m)
	for i := range a.Data {
		a.Data[i] = float32(i%13) - 6
	}
	for i := range b.Data {
		b.Data[i] = float32(i%7) - 3
	}
	if 2*m*m*k < parallelMinFlops {
		t.Fatal("product below the parallel threshold")
	}
	want := New(m, m)
	NaiveGEMM{}.Sgemm(false, false, m, m, k, 1, a.Data, k, b.Data, m, 0, want.Data, m)
	outs := make([]*Mat, n)
	var inner [n]atomic.Int32
	Parallel(n, 2, func(i, _ int) {
		outs[i] = New(m, m)
		Kernel.Sgemm(false, false, m, m, k, 1, a.Data, k, b.Data, m, 0, outs[i].Data, m)
		Parallel(4, 2, func(int, int) { inner[i].Add(1) })
	})
	for i, c := range outs {
		for e := range c.Data {
			if c.Data[e] != want.Data[e] {
				t.Fatalf("call %d: C[%d] = %v, want %v", i, e, c.Data[e], want.Data[e])
			}
		}
		if inner[i].Load() != 4 {
			t.Errorf("call %d: nested Parallel made %d calls", i, inner[i].Load())
		}
	}
}
