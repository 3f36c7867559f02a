package edxml

import "testing"

// benchMessage is a document package with one 200 KB PDF, the size the
// exchange bench sends.
func benchMessage() *Message {
	m := sampleMessage()
	m.Attachments[0].Data = make([]byte, 200<<10)
	copy(m.Attachments[0].Data, samplePDF)
	return m
}

// BenchmarkBuildParseVerify: one document package with a 200 KB PDF,
// signed (RSA 2048), read and verified.
func BenchmarkBuildParseVerify(b *testing.B) {
	k, chain, roots := fixture(b)
	m := benchMessage()
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

func BenchmarkBuild(b *testing.B) {
	k, chain, _ := fixture(b)
	m := benchMessage()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(m, k, chain); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	k, chain, _ := fixture(b)
	pkg, err := Build(benchMessage(), k, chain)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pkg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(pkg, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies one parsed package again and again, as the
// exchange does with each package it receives.
func BenchmarkVerify(b *testing.B) {
	k, chain, roots := fixture(b)
	pkg, err := Build(benchMessage(), k, chain)
	if err != nil {
		b.Fatal(err)
	}
	p, err := Parse(pkg, DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(p, roots, verifyAt); err != nil {
			b.Fatal(err)
		}
	}
}
