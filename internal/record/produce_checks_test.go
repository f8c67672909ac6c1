package record

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func checksBatch(t *testing.T, c Compression, records ...Record) Batch {
	t.Helper()
	b, err := Build(BatchOptions{Compression: c, ProducerID: 7, ProducerEpoch: 2, BaseSequence: 40}, records)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckRecords(t *testing.T) {
	const now = 1_700_000_000_000
	keyed := []Record{{Timestamp: now - 10, Key: []byte("a")}, {Timestamp: now + 5, Key: []byte("b")}}
	unkeyed := []Record{{Timestamp: now, Key: []byte("a")}, {Timestamp: now, Value: []byte("no key")}}
	future := []Record{{Timestamp: now}, {Timestamp: now}, {Timestamp: now + 3_600_001}}
	past := []Record{{Timestamp: now - 61_000}, {Timestamp: now}}
	noTS := []Record{{Timestamp: -1, Key: []byte("k")}}
	bounds := RecordChecks{CheckTimestamps: true, Now: now, BeforeMaxMs: 60_000, AfterMaxMs: 3_600_000}
	never := RecordChecks{CheckTimestamps: true, Now: now, BeforeMaxMs: math.MaxInt64, AfterMaxMs: math.MaxInt64}
	for _, c := range []Compression{CompressionNone, CompressionZstd} {
		for _, tc := range []struct {
			name    string
			records []Record
			checks  RecordChecks
			wantIdx int32 // -1: accepted
			wantErr error
			wantMax int64
		}{
			{"keyed, compacted", keyed, RecordChecks{RequireKeys: true}, -1, nil, now + 5},
			{"null key, compacted", unkeyed, RecordChecks{RequireKeys: true}, 1, ErrInvalidRecord, 0},
			{"null key, not compacted", unkeyed, RecordChecks{}, -1, nil, now},
			{"in range", keyed, bounds, -1, nil, now + 5},
			{"too far ahead", future, bounds, 2, ErrInvalidTimestamp, 0},
			{"too far behind", past, bounds, 0, ErrInvalidTimestamp, 0},
			{"behind, no before bound", past, RecordChecks{CheckTimestamps: true, Now: now, BeforeMaxMs: math.MaxInt64, AfterMaxMs: 0}, -1, nil, now},
			{"never bounds do not overflow", future, never, -1, nil, now + 3_600_001},
			{"no timestamp passes", noTS, bounds, -1, nil, -1},
		} {
			t.Run(c.String()+"/"+tc.name, func(t *testing.T) {
				b := checksBatch(t, c, tc.records...)
				maxTS, err := b.CheckRecords(tc.checks)
				if tc.wantIdx < 0 {
					if err != nil {
						t.Fatalf("CheckRecords: %v", err)
					}
					if maxTS != tc.wantMax {
						t.Fatalf("max timestamp %d, want %d", maxTS, tc.wantMax)
					}
					return
				}
				var re *RecordError
				if !errors.As(err, &re) || re.Index != tc.wantIdx || !errors.Is(err, tc.wantErr) {
					t.Fatalf("CheckRecords = %v, want record %d: %v", err, tc.wantIdx, tc.wantErr)
				}
			})
		}
	}
}

func TestCheckRecordsMalformed(t *testing.T) {
	b := checksBatch(t, CompressionNone, Record{Key: []byte("k"), Value: []byte("v")}, Record{Key: []byte("k2")})
	// Claim one more record than the section holds.
	put32(b, offRecordCount, 3)
	put32(b, offLastOffsetDelta, 2)
	fixCRC(b)
	_, err := b.CheckRecords(RecordChecks{})
	var re *RecordError
	if !errors.Is(err, ErrInvalidRecord) || errors.As(err, &re) {
		t.Fatalf("CheckRecords = %v, want a batch-level ErrInvalidRecord", err)
	}
}

func TestRecompress(t *testing.T) {
	in := []Record{
		{Timestamp: 100, Key: []byte("a"), Value: []byte("one"), Headers: []Header{{Key: "h", Value: []byte("x")}}},
		{Timestamp: 90, Value: []byte("two")},
		{Timestamp: 120, Key: []byte("c"), Value: bytes.Repeat([]byte("z"), 500)},
	}
	src := checksBatch(t, CompressionSnappy, in...)
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionLZ4, CompressionZstd} {
		out, err := src.Recompress(c)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if _, err := ValidateProduce(out, true); err != nil {
			t.Fatalf("%v: recompressed batch is not a valid produce batch: %v", c, err)
		}
		if out.Compression() != c || out.ProducerID() != 7 || out.ProducerEpoch() != 2 || out.BaseSequence() != 40 ||
			out.RecordCount() != 3 || out.MaxTimestamp() != 120 || out.BaseTimestamp() != 100 {
			t.Fatalf("%v: header %+v", c, []any{out.Compression(), out.ProducerID(), out.ProducerEpoch(), out.BaseSequence(), out.RecordCount(), out.MaxTimestamp()})
		}
		got, err := out.Records()
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			w := in[i]
			if r.Offset != int64(i) || r.Timestamp != w.Timestamp || !bytes.Equal(r.Key, w.Key) || (r.Key == nil) != (w.Key == nil) ||
				!bytes.Equal(r.Value, w.Value) || len(r.Headers) != len(w.Headers) {
				t.Fatalf("%v: record %d = %+v, want %+v", c, i, r, w)
			}
		}
	}
}
