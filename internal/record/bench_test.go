package record

import (
	"testing"
)

// benchBatch is the benchmark shape: 150 records of about 100 bytes each
// (85-byte values, keys, a header on every third), a 16 KiB batch.
func benchBatch(b *testing.B, c Compression) Batch {
	b.Helper()
	batch, err := Build(BatchOptions{Compression: c, ProducerID: 1, ProducerEpoch: 0, BaseSequence: 0}, sampleRecords(150, 85))
	if err != nil {
		b.Fatal(err)
	}
	return batch
}

func BenchmarkParseBatch(b *testing.B) {
	batch := benchBatch(b, CompressionNone)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateProduce(b *testing.B) {
	batch := benchBatch(b, CompressionNone)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ValidateProduce(batch, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecords measures decoding (and decompressing) a batch; bytes
// are the uncompressed records section, so MB/s compares across codecs.
func BenchmarkRecords(b *testing.B) {
	plain := benchBatch(b, CompressionNone)
	for _, c := range []Compression{CompressionNone, CompressionLZ4, CompressionZstd, CompressionSnappy, CompressionGzip} {
		batch := benchBatch(b, c)
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(len(plain.RecordsSection())))
			b.ReportAllocs()
			for b.Loop() {
				recs, err := batch.Records()
				if err != nil || len(recs) != 150 {
					b.Fatal(len(recs), err)
				}
			}
		})
		b.Run(c.String()+"/EachRecord", func(b *testing.B) {
			b.SetBytes(int64(len(plain.RecordsSection())))
			b.ReportAllocs()
			n := 0
			count := func(Record) error { n++; return nil }
			for b.Loop() {
				if err := batch.EachRecord(count); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	recs := sampleRecords(150, 100)
	for _, c := range []Compression{CompressionNone, CompressionLZ4, CompressionZstd} {
		b.Run(c.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(BatchOptions{Compression: c, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}, recs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckRecords: the per-record produce checks on a producer-sized
// uncompressed batch of 100-byte records (the broker benchmark's shape).
func BenchmarkCheckRecords(b *testing.B) {
	recs := make([]Record, 144)
	for i := range recs {
		recs[i] = Record{Timestamp: 1_700_000_000_000, Key: []byte("key-0001"), Value: make([]byte, 100)}
	}
	batch, err := Build(DefaultBatchOptions(), recs)
	if err != nil {
		b.Fatal(err)
	}
	checks := RecordChecks{RequireKeys: true, CheckTimestamps: true, Now: 1_700_000_000_000, BeforeMaxMs: 1 << 62, AfterMaxMs: 3_600_000}
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		if _, err := batch.CheckRecords(checks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
