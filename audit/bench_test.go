package audit

import (
	"testing"
)

// BenchmarkChain measures appending: one canonical encoding and SHA-256 per
// entry.
func BenchmarkChain(b *testing.B) {
	proto := makeChain(4)[3] // an entry with details, a reason, a basis
	prev := Chain(nil, proto)
	b.ReportAllocs()
	for b.Loop() {
		prev = Chain(&prev, proto)
	}
}

// BenchmarkVerify measures verification per entry of a long chain.
func BenchmarkVerify(b *testing.B) {
	chain := makeChain(1000)
	v := NewVerifier()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == len(chain) {
			v, i = NewVerifier(), 0
		}
		if err := v.Next(chain[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
