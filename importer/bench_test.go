package importer

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/haven-dv/haven"
)

// BenchmarkParseChicago reads, decompresses and maps the real 100,000-row
// gzip file, with a sink that stores nothing: the importer's own cost.
func BenchmarkParseChicago(b *testing.B) {
	data, err := os.ReadFile(sharedData(b, "chicago_crimes_100k.csv.gz"))
	if err != nil {
		b.Fatal(err)
	}
	sink := func(ctx context.Context, batch []*haven.Incident) (haven.ImportResult, error) {
		return haven.ImportResult{Imported: len(batch)}, nil
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		sum, err := Run(context.Background(), bytes.NewReader(data), Options{Format: Chicago(), Sink: sink})
		if err != nil || sum.Imported != 100000 {
			b.Fatalf("%+v, %v", sum, err)
		}
		rows += sum.Imported
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
