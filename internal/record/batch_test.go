package record

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// sampleKmsgRecords covers nulls, empty values, headers with null and empty
// values, negative timestamp deltas and gapped offset deltas.
func sampleKmsgRecords(gaps bool) []kmsg.Record {
	recs := []kmsg.Record{
		{TimestampDelta64: 0, OffsetDelta: 0, Key: []byte("k0"), Value: []byte("v0")},
		{TimestampDelta64: 5, OffsetDelta: 1, Key: nil, Value: []byte{}},
		{TimestampDelta64: -3, OffsetDelta: 2, Key: []byte{}, Value: nil, Headers: []kmsg.Header{
			{Key: "h0", Value: []byte("x")}, {Key: "", Value: nil}, {Key: "h2", Value: []byte{}},
		}},
		{TimestampDelta64: 1 << 40, OffsetDelta: 3, Key: bytes.Repeat([]byte("K"), 300), Value: bytes.Repeat([]byte("V"), 70000)},
	}
	if gaps {
		// What compaction leaves: the first and some middle records gone.
		recs[0].OffsetDelta, recs[1].OffsetDelta, recs[2].OffsetDelta, recs[3].OffsetDelta = 2, 5, 6, 9
	}
	return recs
}

// TestAccessorsAgainstKmsg frames batches with kmsg and checks that every
// accessor, ParseBatch and Records agree with the fields kmsg wrote.
func TestAccessorsAgainstKmsg(t *testing.T) {
	base := kmsg.RecordBatch{
		FirstOffset: 0, PartitionLeaderEpoch: -1, Magic: 2,
		LastOffsetDelta: 3, FirstTimestamp: 1_700_000_000_000, MaxTimestamp: 1_700_000_000_000 + 1<<40,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: 4,
	}
	type tc struct {
		name  string
		mod   func(*kmsg.RecordBatch)
		codec Compression
		gaps  bool
	}
	cases := []tc{
		{name: "plain", mod: func(*kmsg.RecordBatch) {}},
		{name: "idempotent", mod: func(h *kmsg.RecordBatch) { h.ProducerID, h.ProducerEpoch, h.FirstSequence = 4711, 3, 100 }},
		{name: "transactional", mod: func(h *kmsg.RecordBatch) {
			h.Attributes |= 0x10
			h.ProducerID, h.ProducerEpoch, h.FirstSequence = 1<<40, 7, 0
		}},
		{name: "log append time", mod: func(h *kmsg.RecordBatch) { h.Attributes |= 0x08; h.MaxTimestamp = 42 }},
		{name: "delete horizon", mod: func(h *kmsg.RecordBatch) { h.Attributes |= 0x40 }},
		{name: "appended", mod: func(h *kmsg.RecordBatch) { h.FirstOffset, h.PartitionLeaderEpoch = 1<<33, 17 }},
		{name: "sequence wraps", mod: func(h *kmsg.RecordBatch) { h.ProducerID, h.ProducerEpoch, h.FirstSequence = 1, 0, math.MaxInt32-1 }},
		{name: "compacted gaps", gaps: true, mod: func(h *kmsg.RecordBatch) { h.LastOffsetDelta = 11; h.FirstOffset = 1000 }},
	}
	for _, c := range []Compression{CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		cases = append(cases, tc{name: c.String(), codec: c, mod: func(*kmsg.RecordBatch) {}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := base
			c.mod(&h)
			h.Attributes |= int16(c.codec)
			recs := sampleKmsgRecords(c.gaps)
			h.Records = oracleCompress(t, c.codec, kmsgRecords(recs))
			raw := kmsgBatch(h)
			h.Length = int32(len(raw) - 12)

			b, err := ParseBatch(append(raw, 0xde, 0xad)) // a following batch's bytes
			if err != nil {
				t.Fatalf("ParseBatch: %v", err)
			}
			if !bytes.Equal(b, raw) {
				t.Fatalf("ParseBatch returned %d bytes, want the %d of the batch", len(b), len(raw))
			}
			crc := crc32c(raw[21:])
			checks := []struct {
				name      string
				got, want any
			}{
				{"BaseOffset", b.BaseOffset(), h.FirstOffset},
				{"Length", b.Length(), h.Length},
				{"Size", b.Size(), len(raw)},
				{"PartitionLeaderEpoch", b.PartitionLeaderEpoch(), h.PartitionLeaderEpoch},
				{"MagicByte", b.MagicByte(), h.Magic},
				{"CRC", b.CRC(), crc},
				{"ComputeCRC", b.ComputeCRC(), crc},
				{"Attributes", b.Attributes(), h.Attributes},
				{"Compression", b.Compression(), Compression(h.Attributes & 7)},
				{"LogAppendTime", b.LogAppendTime(), h.Attributes&0x08 != 0},
				{"Transactional", b.Transactional(), h.Attributes&0x10 != 0},
				{"Control", b.Control(), h.Attributes&0x20 != 0},
				{"HasDeleteHorizon", b.HasDeleteHorizon(), h.Attributes&0x40 != 0},
				{"LastOffsetDelta", b.LastOffsetDelta(), h.LastOffsetDelta},
				{"LastOffset", b.LastOffset(), h.FirstOffset + int64(h.LastOffsetDelta)},
				{"NextOffset", b.NextOffset(), h.FirstOffset + int64(h.LastOffsetDelta) + 1},
				{"BaseTimestamp", b.BaseTimestamp(), h.FirstTimestamp},
				{"MaxTimestamp", b.MaxTimestamp(), h.MaxTimestamp},
				{"ProducerID", b.ProducerID(), h.ProducerID},
				{"ProducerEpoch", b.ProducerEpoch(), h.ProducerEpoch},
				{"BaseSequence", b.BaseSequence(), h.FirstSequence},
				{"LastSequence", b.LastSequence(), wantLastSequence(h.FirstSequence, h.LastOffsetDelta)},
				{"RecordCount", b.RecordCount(), h.NumRecords},
				{"RecordsSection", string(b.RecordsSection()), string(h.Records)},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
				}
			}

			got, err := b.Records()
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			if len(got) != len(recs) {
				t.Fatalf("Records returned %d records, want %d", len(got), len(recs))
			}
			for i := range got {
				if err := sameRecord(got[i], recs[i], h.FirstOffset, h.FirstTimestamp, h.Attributes&0x08 != 0, h.MaxTimestamp); err != nil {
					t.Errorf("record %d: %v", i, err)
				}
			}
		})
	}
}

// wantLastSequence is the wrap-around rule written out independently.
func wantLastSequence(base, delta int32) int32 {
	if base < 0 {
		return -1
	}
	return int32((int64(base) + int64(delta)) % (math.MaxInt32 + 1))
}

// TestBuildAgainstKmsg builds batches with Build and reads them back with
// kmsg and the codec libraries.
func TestBuildAgainstKmsg(t *testing.T) {
	records := []Record{
		{Timestamp: 1000, Key: []byte("a"), Value: []byte("1")},
		{Timestamp: 990, Key: nil, Value: nil, Headers: []Header{{Key: "trace", Value: []byte("t1")}, {Key: "n", Value: nil}}},
		{Timestamp: 1500, Key: []byte{}, Value: bytes.Repeat([]byte("xyz"), 40000)},
	}
	optsCases := []struct {
		name string
		opts BatchOptions
	}{
		{"default", DefaultBatchOptions()},
		{"idempotent", BatchOptions{ProducerID: 9, ProducerEpoch: 2, BaseSequence: 77}},
		{"transactional", BatchOptions{ProducerID: 9, ProducerEpoch: 2, BaseSequence: 0, Transactional: true}},
		{"log append time", BatchOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, LogAppendTime: true}},
	}
	for _, codec := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		for _, oc := range optsCases {
			t.Run(fmt.Sprintf("%s/%s", codec, oc.name), func(t *testing.T) {
				opts := oc.opts
				opts.Compression = codec
				b, err := Build(opts, records)
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				h, recs, err := kmsgParse(b)
				if err != nil {
					t.Fatalf("kmsg cannot read the batch: %v", err)
				}
				wantAttrs := int16(codec)
				if opts.LogAppendTime {
					wantAttrs |= 0x08
				}
				if opts.Transactional {
					wantAttrs |= 0x10
				}
				checks := []struct {
					name      string
					got, want any
				}{
					{"FirstOffset", h.FirstOffset, int64(0)},
					{"Length", int(h.Length), len(b) - 12},
					{"PartitionLeaderEpoch", h.PartitionLeaderEpoch, int32(-1)},
					{"Magic", h.Magic, int8(2)},
					{"CRC", uint32(h.CRC), crc32c(b[21:])},
					{"Attributes", h.Attributes, wantAttrs},
					{"LastOffsetDelta", h.LastOffsetDelta, int32(2)},
					{"FirstTimestamp", h.FirstTimestamp, int64(1000)},
					{"MaxTimestamp", h.MaxTimestamp, int64(1500)},
					{"ProducerID", h.ProducerID, opts.ProducerID},
					{"ProducerEpoch", h.ProducerEpoch, opts.ProducerEpoch},
					{"FirstSequence", h.FirstSequence, opts.BaseSequence},
					{"NumRecords", h.NumRecords, int32(3)},
					{"decoded records", len(recs), 3},
				}
				for _, ch := range checks {
					if ch.got != ch.want {
						t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
					}
				}
				for i, r := range recs {
					want := records[i]
					want.Offset = int64(i)
					// kmsg reports the stored timestamps; the LogAppendTime
					// substitution is EachRecord's, so compare as CreateTime.
					if err := sameRecord(want, r, 0, 1000, false, 0); err != nil {
						t.Errorf("record %d: %v", i, err)
					}
				}
				if _, err := ValidateProduce(b, true); err != nil && !opts.LogAppendTime {
					t.Errorf("ValidateProduce rejects a Build batch: %v", err)
				}
			})
		}
	}
}

// crc32c is the spec's checksum, computed with the oracle's own table.
func crc32c(b []byte) uint32 { return crc32.Checksum(b, oracleCRCTable) }

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name    string
		opts    BatchOptions
		records []Record
		want    error
	}{
		{"no records", DefaultBatchOptions(), nil, ErrInvalidRecord},
		{"codec 5", BatchOptions{Compression: 5}, []Record{{}}, ErrUnsupportedCompression},
		{"negative codec", BatchOptions{Compression: -1}, []Record{{}}, ErrUnsupportedCompression},
		{"offsets repeat", DefaultBatchOptions(), []Record{{Offset: 1}, {Offset: 1}}, ErrInvalidRecord},
		{"offsets decrease", DefaultBatchOptions(), []Record{{Offset: 5}, {Offset: 3}}, ErrInvalidRecord},
		{"offset delta overflows int32", DefaultBatchOptions(), []Record{{Offset: 0}, {Offset: 1 << 31}}, ErrInvalidRecord},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(c.opts, c.records)
			if !errors.Is(err, c.want) {
				t.Fatalf("Build error %v, want %v", err, c.want)
			}
		})
	}
}

// TestBuildOffsets covers the two offset modes: unset offsets are numbered,
// explicit ones keep their gaps.
func TestBuildOffsets(t *testing.T) {
	cases := []struct {
		name      string
		offsets   []int64
		wantDelta int32
		want      []int64
	}{
		{"unset", []int64{0, 0, 0}, 2, []int64{0, 1, 2}},
		{"single", []int64{0}, 0, []int64{0}},
		{"explicit", []int64{0, 1, 2}, 2, []int64{0, 1, 2}},
		{"relative to first", []int64{100, 101}, 1, []int64{0, 1}},
		{"gaps", []int64{0, 3, 7}, 7, []int64{0, 3, 7}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var recs []Record
			for _, o := range c.offsets {
				recs = append(recs, Record{Offset: o, Value: []byte("v")})
			}
			b, err := Build(DefaultBatchOptions(), recs)
			if err != nil {
				t.Fatal(err)
			}
			if b.LastOffsetDelta() != c.wantDelta || b.RecordCount() != int32(len(recs)) {
				t.Fatalf("lastOffsetDelta %d count %d, want %d %d", b.LastOffsetDelta(), b.RecordCount(), c.wantDelta, len(recs))
			}
			got, err := b.Records()
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range got {
				if r.Offset != c.want[i] {
					t.Errorf("record %d offset %d, want %d", i, r.Offset, c.want[i])
				}
			}
		})
	}
}

// TestRewrites checks which rewrites touch the CRC: the base offset and
// leader epoch lie outside it, the timestamp type and max timestamp inside.
func TestRewrites(t *testing.T) {
	build := func(t *testing.T) Batch {
		b, err := Build(BatchOptions{Compression: CompressionLZ4, ProducerID: 1, ProducerEpoch: 0, BaseSequence: 0},
			[]Record{{Timestamp: 10, Value: []byte("a")}, {Timestamp: 20, Value: []byte("b")}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Run("outside the CRC", func(t *testing.T) {
		b := build(t)
		crc, covered := b.CRC(), bytes.Clone(b[offAttributes:])
		b.SetBaseOffset(1 << 40)
		b.SetPartitionLeaderEpoch(12)
		if b.CRC() != crc || !bytes.Equal(b[offAttributes:], covered) {
			t.Fatal("SetBaseOffset/SetPartitionLeaderEpoch changed the CRC or the bytes it covers")
		}
		if b.BaseOffset() != 1<<40 || b.PartitionLeaderEpoch() != 12 {
			t.Fatalf("base offset %d epoch %d", b.BaseOffset(), b.PartitionLeaderEpoch())
		}
		if _, err := ParseBatch(b); err != nil {
			t.Fatalf("ParseBatch after rewrite: %v", err)
		}
		recs, err := b.Records()
		if err != nil || recs[0].Offset != 1<<40 || recs[1].Offset != 1<<40+1 {
			t.Fatalf("Records after rewrite: %v %v", recs, err)
		}
	})
	t.Run("SetLogAppendTime", func(t *testing.T) {
		b := build(t)
		b.SetLogAppendTime(99)
		if _, err := ParseBatch(b); err != nil {
			t.Fatalf("CRC invalid after SetLogAppendTime: %v", err)
		}
		h, _, err := kmsgParse(b)
		if err != nil || uint32(h.CRC) != crc32c(b[21:]) || h.Attributes&0x08 == 0 || h.MaxTimestamp != 99 {
			t.Fatalf("kmsg sees %+v, %v", h, err)
		}
		if b.Compression() != CompressionLZ4 || b.ProducerID() != 1 {
			t.Fatal("SetLogAppendTime disturbed other attributes")
		}
		recs, err := b.Records()
		if err != nil || recs[0].Timestamp != 99 || recs[1].Timestamp != 99 {
			t.Fatalf("LogAppendTime records %v, %v", recs, err)
		}
	})
	t.Run("SetMaxTimestamp", func(t *testing.T) {
		b := build(t)
		old := b.CRC()
		b.SetMaxTimestamp(12345)
		if _, err := ParseBatch(b); err != nil {
			t.Fatalf("CRC invalid after SetMaxTimestamp: %v", err)
		}
		if b.CRC() == old || b.MaxTimestamp() != 12345 || b.LogAppendTime() {
			t.Fatalf("crc %x (was %x) max %d", b.CRC(), old, b.MaxTimestamp())
		}
	})
}

func TestIncrementSequence(t *testing.T) {
	cases := []struct {
		seq, delta, want int32
	}{
		{0, 0, 0},
		{0, 4, 4},
		{100, 9, 109},
		{math.MaxInt32, 0, math.MaxInt32},
		{math.MaxInt32 - 5, 5, math.MaxInt32},
		{math.MaxInt32, 1, 0},
		{math.MaxInt32 - 1, 3, 1},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32 - 1},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d+%d", c.seq, c.delta), func(t *testing.T) {
			if got := IncrementSequence(c.seq, c.delta); got != c.want {
				t.Fatalf("IncrementSequence = %d, want %d", got, c.want)
			}
			if got := wantLastSequence(c.seq, c.delta); got != c.want {
				t.Fatalf("independent rule = %d, want %d", got, c.want)
			}
		})
	}
}

func TestLastSequence(t *testing.T) {
	cases := []struct {
		name       string
		base       int32
		n          int
		wantLast   int32
		wantDelta  int32
		producerID int64
	}{
		{"no producer", -1, 3, -1, 2, -1},
		{"plain", 10, 3, 12, 2, 1},
		{"at max", math.MaxInt32, 1, math.MaxInt32, 0, 1},
		{"wraps", math.MaxInt32 - 1, 4, 1, 3, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := make([]Record, c.n)
			b, err := Build(BatchOptions{ProducerID: c.producerID, BaseSequence: c.base}, recs)
			if err != nil {
				t.Fatal(err)
			}
			if b.LastOffsetDelta() != c.wantDelta || b.LastSequence() != c.wantLast {
				t.Fatalf("delta %d last sequence %d, want %d %d", b.LastOffsetDelta(), b.LastSequence(), c.wantDelta, c.wantLast)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	cases := []struct{ got, want string }{
		{CompressionNone.String(), "none"},
		{CompressionGzip.String(), "gzip"},
		{CompressionSnappy.String(), "snappy"},
		{CompressionLZ4.String(), "lz4"},
		{CompressionZstd.String(), "zstd"},
		{Compression(6).String(), "unknown"},
		{ControlAbort.String(), "ABORT"},
		{ControlCommit.String(), "COMMIT"},
		{ControlType(4).String(), "UNKNOWN(4)"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("String() = %q, want %q", c.got, c.want)
		}
	}
}

// TestDocExample keeps the worked example in docs/format/record-batch.md
// true.
func TestDocExample(t *testing.T) {
	const want = "0000000000000000" + "0000003f" + "ffffffff" + "02" + "f0e32625" + "0000" + "00000000" +
		"0000018bcfe56800" + "0000018bcfe56800" + "00000000000003e8" + "0000" + "00000000" + "00000001" +
		"1a" + "00" + "00" + "00" + "026b" + "046869" + "02" + "0268" + "0276"
	b, err := Build(BatchOptions{ProducerID: 1000, ProducerEpoch: 0, BaseSequence: 0},
		[]Record{{Timestamp: 1700000000000, Key: []byte("k"), Value: []byte("hi"), Headers: []Header{{Key: "h", Value: []byte("v")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", []byte(b)); got != want {
		t.Fatalf("Build wrote\n%s\nthe doc shows\n%s", got, want)
	}
}
