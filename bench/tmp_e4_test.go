package bench

import "testing"

func BenchmarkTmpE4(b *testing.B) {
	ec, err := E4EpochCase(3000)
	if err != nil {
		b.Fatal(err)
	}
	c := ec.Runs[0]
	for b.Loop() {
		et, err := creditEpoch(c, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(et.train, "train-s")
		b.ReportMetric(et.total, "total-s")
	}
}
