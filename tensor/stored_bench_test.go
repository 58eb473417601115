package tensor

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkStoredA times products of the MNIST MLP's shapes (784-256-256-10
// at batches 32 to 256) with op(A) packed and read where it is stored,
// alternating the two every 20 ms, at the default thread count. The Aᵀ
// rows (dyᵀ·x, dyᵀ·h) are packed either way since the stored path is for a
// non-transposed A only; they show the machine's noise. Run e.g.
//
//	go test ./tensor -run '^$' -bench StoredA -benchtime 20x
func BenchmarkStoredA(b *testing.B) {
	var shapes []benchShape
	for _, bt := range []int{32, 64, 128, 256} {
		shapes = append(shapes,
			benchShape{fmt.Sprintf("b%d/x·W1ᵀ", bt), false, true, bt, 256, 784},
			benchShape{fmt.Sprintf("b%d/h·W2ᵀ", bt), false, true, bt, 256, 256},
			benchShape{fmt.Sprintf("b%d/dy·W2", bt), false, false, bt, 256, 256},
			benchShape{fmt.Sprintf("b%d/dyᵀ·x", bt), true, false, 256, 784, bt},
			benchShape{fmt.Sprintf("b%d/dyᵀ·h", bt), true, false, 256, 256, bt},
		)
	}
	for _, s := range shapes {
		A, B, C := s.operands()
		flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(s.name, func(b *testing.B) {
			var spent [2]time.Duration
			var calls [2]int
			for b.Loop() {
				for i, packed := range []bool{true, false} {
					prev := packAllA.Swap(packed)
					t0 := time.Now()
					for time.Since(t0) < 20*time.Millisecond {
						FastGEMM{}.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, A.Data, A.Cols, B.Data, B.Cols, 0, C.Data, C.Cols)
						calls[i]++
					}
					spent[i] += time.Since(t0)
					packAllA.Store(prev)
				}
			}
			for i, name := range []string{"packed", "stored"} {
				b.ReportMetric(flop*float64(calls[i])/spent[i].Seconds()/1e9, name+"-GFLOP/s")
			}
			b.ReportMetric(spent[0].Seconds()/float64(calls[0])/(spent[1].Seconds()/float64(calls[1])), "packed/stored-time")
			b.ReportMetric(0, "ns/op")
		})
	}
}
