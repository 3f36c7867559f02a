package edxml

import "testing"

// BenchmarkBuildParseVerify: one document package with a 200 KB PDF,
// signed (RSA 2048), read and verified.
func BenchmarkBuildParseVerify(b *testing.B) {
	k, chain, roots := fixture(b)
	m := sampleMessage()
	m.Attachments[0].Data = make([]byte, 200<<10)
	copy(m.Attachments[0].Data, samplePDF)
	b.ReportAllocs()
	for b.Loop() {
		pkg, err := Build(m, k, chain)
		if err != nil {
			b.Fatal(err)
		}
		p, err := Parse(pkg, DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Verify(p, roots, verifyAt); err != nil {
			b.Fatal(err)
		}
	}
}
