package forms

import "testing"

// BenchmarkReceipt prints the receipt with its QR code.
func BenchmarkReceipt(b *testing.B) {
	d := receiptData()
	for b.Loop() {
		if _, err := Receipt(d); err != nil {
			b.Fatal(err)
		}
	}
}
