package dp

import "testing"

// BenchmarkEpsilonRDPMillionSteps is one epsilon for a million steps over the default grid
// (the target is under 50 ms). Run: go test -bench . ./assessments/dp
func BenchmarkEpsilonRDPMillionSteps(b *testing.B) {
	for b.Loop() {
		if _, _, err := EpsilonRDP(256.0/60000, 1.1, 1_000_000, 1e-5, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/epsilon")
}

// BenchmarkEpsilonPLD10kSteps is one PLD epsilon for 10,000 steps (the target is under 2 s).
func BenchmarkEpsilonPLD10kSteps(b *testing.B) {
	for b.Loop() {
		if _, _, err := EpsilonPLD(256.0/60000, 1.1, 10_000, 1e-5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/epsilon")
}
