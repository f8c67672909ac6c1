package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// sampleRecords makes n records with size-byte values, keys and headers on
// some, as a producer batch of small events looks.
func sampleRecords(n, size int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		val := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		copy(val, fmt.Sprintf("event-%d:", i))
		recs[i] = Record{Offset: int64(i), Timestamp: 1_700_000_000_000 + int64(i), Key: []byte(fmt.Sprintf("key-%d", i%7)), Value: val}
		if i%3 == 0 {
			recs[i].Headers = []Header{{Key: "trace-id", Value: []byte(fmt.Sprintf("%016x", i))}}
		}
	}
	return recs
}

func TestRecordsRoundTrip(t *testing.T) {
	in := []Record{
		{Timestamp: 100, Key: []byte("k"), Value: []byte("v")},
		{Timestamp: 50, Key: nil, Value: nil},
		{Timestamp: 1 << 50, Key: []byte{}, Value: []byte{}, Headers: []Header{{Key: "a", Value: nil}, {Key: "", Value: []byte{}}, {Key: "b", Value: []byte("c")}}},
	}
	for _, c := range allCodecs {
		t.Run(c.String(), func(t *testing.T) {
			b, err := Build(BatchOptions{Compression: c, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}, in)
			if err != nil {
				t.Fatal(err)
			}
			b.SetBaseOffset(500)
			got, err := b.Records()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(in) {
				t.Fatalf("%d records, want %d", len(got), len(in))
			}
			for i, r := range got {
				want := in[i]
				if r.Offset != 500+int64(i) || r.Timestamp != want.Timestamp {
					t.Errorf("record %d: offset %d timestamp %d", i, r.Offset, r.Timestamp)
				}
				for _, p := range [][2][]byte{{r.Key, want.Key}, {r.Value, want.Value}} {
					if err := sameBytes("field", p[0], p[1]); err != nil {
						t.Errorf("record %d: %v", i, err)
					}
				}
				if len(r.Headers) != len(want.Headers) {
					t.Fatalf("record %d: %d headers", i, len(r.Headers))
				}
				for j, h := range r.Headers {
					if h.Key != want.Headers[j].Key || sameBytes("header", h.Value, want.Headers[j].Value) != nil {
						t.Errorf("record %d header %d: %+v", i, j, h)
					}
				}
			}
			// Returned slices are capped: appending cannot clobber the batch.
			before := bytes.Clone(b)
			_ = append(got[0].Key, 'X', 'X', 'X')
			_ = append(got[2].Headers, Header{Key: "new"})
			if !bytes.Equal(before, b) {
				t.Fatal("appending to a returned key changed the batch")
			}
			if got[2].Headers[0].Key != "a" || len(got[1].Headers) != 0 {
				t.Fatal("appending to returned headers changed another record's")
			}
		})
	}
}

func TestEachRecord(t *testing.T) {
	b, err := Build(DefaultBatchOptions(), sampleRecords(10, 20))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("stops on error", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := b.EachRecord(func(r Record) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		if err != stop || n != 3 {
			t.Fatalf("returned %v after %d records", err, n)
		}
	})
	t.Run("matches Records", func(t *testing.T) {
		all, err := b.Records()
		if err != nil {
			t.Fatal(err)
		}
		var each []Record
		if err := b.EachRecord(func(r Record) error { each = append(each, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(all) != fmt.Sprint(each) {
			t.Fatal("EachRecord and Records disagree")
		}
	})
	t.Run("no allocations uncompressed", func(t *testing.T) {
		plain, err := Build(DefaultBatchOptions(), []Record{{Value: []byte("a")}, {Key: []byte("k"), Value: []byte("b")}})
		if err != nil {
			t.Fatal(err)
		}
		var sink int
		fn := func(r Record) error { sink += len(r.Value); return nil }
		if n := testing.AllocsPerRun(100, func() { _ = plain.EachRecord(fn) }); n != 0 {
			t.Fatalf("%v allocations per EachRecord, want 0", n)
		}
	})
}

// section wraps a hand-written records section in a batch with a valid CRC
// and the given count and last offset delta.
func section(count, lastDelta int32, attrs int16, body []byte) Batch {
	b := make(Batch, HeaderSize, HeaderSize+len(body))
	b = append(b, body...)
	put32(b, offLength, int32(len(b)-LogOverhead))
	b[offMagic] = Magic
	put16(b, offAttributes, attrs)
	put32(b, offLastOffsetDelta, lastDelta)
	put64(b, offBaseTimestamp, 1000)
	put64(b, offMaxTimestamp, 2000)
	put64(b, offProducerID, -1)
	put16(b, offProducerEpoch, -1)
	put32(b, offBaseSequence, -1)
	put32(b, offRecordCount, count)
	fixCRC(b)
	return b
}

// rec encodes one record from raw field bytes, with a correct length prefix.
func rec(fields ...[]byte) []byte {
	body := bytes.Join(fields, nil)
	return append(binary.AppendVarint(nil, int64(len(body))), body...)
}

func vi(v int64) []byte { return binary.AppendVarint(nil, v) }

// okRec is a valid record with offset delta d: attrs, ts 0, key "k", value null, no headers.
func okRec(d int64) []byte { return rec([]byte{0}, vi(0), vi(d), vi(1), []byte("k"), vi(-1), vi(0)) }

func TestRecordsMalformed(t *testing.T) {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name      string
		count     int32
		lastDelta int32
		body      []byte
		want      error // nil: valid
		n         int
	}{
		{name: "valid", count: 2, lastDelta: 1, body: cat(okRec(0), okRec(1)), n: 2},
		{name: "valid gaps", count: 2, lastDelta: 9, body: cat(okRec(3), okRec(7)), n: 2},
		{name: "valid empty (compacted)", count: 0, lastDelta: 4, body: nil, n: 0},
		{name: "non-minimal varint", count: 1, lastDelta: 0, n: 1,
			body: rec([]byte{0}, []byte{0x80, 0x00}, vi(0), vi(-1), vi(-1), vi(0))},
		{name: "no records but count 1", count: 1, body: nil, want: ErrInvalidRecord},
		{name: "fewer records than count", count: 3, lastDelta: 2, body: cat(okRec(0), okRec(1)), want: ErrInvalidRecord},
		{name: "more records than count", count: 1, lastDelta: 1, body: cat(okRec(0), okRec(1)), want: ErrInvalidRecord},
		{name: "trailing garbage", count: 1, body: cat(okRec(0), []byte{0}), want: ErrInvalidRecord},
		{name: "length varint cut", count: 1, body: []byte{0x80}, want: ErrInvalidRecord},
		{name: "length varint overflows int32", count: 1, body: []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, want: ErrInvalidRecord},
		{name: "length varint 6 bytes", count: 1, body: []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, want: ErrInvalidRecord},
		{name: "negative length", count: 1, body: cat(vi(-1), okRec(0)), want: ErrInvalidRecord},
		{name: "length below minimum", count: 1, body: cat(vi(5), []byte{0, 0, 0, 1, 1}), want: ErrInvalidRecord},
		{name: "length overruns", count: 1, body: okRec(0)[:len(okRec(0))-1], want: ErrInvalidRecord},
		{name: "length longer than fields", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(0), []byte{7}), want: ErrInvalidRecord},
		{name: "fields longer than length", count: 1,
			body: cat(vi(6), []byte{0}, vi(0), vi(0), vi(1), []byte("k"), vi(-1), vi(0)), want: ErrInvalidRecord},
		{name: "timestamp varlong cut", count: 1,
			body: rec([]byte{0}, bytes.Repeat([]byte{0xff}, 10), vi(0), vi(-1), vi(-1), vi(0)), want: ErrInvalidRecord},
		{name: "offset delta varint overflow", count: 1,
			body: rec([]byte{0}, vi(0), []byte{0xff, 0xff, 0xff, 0xff, 0x7f}, vi(-1), vi(-1), vi(0)), want: ErrInvalidRecord},
		{name: "offset delta above last", count: 1, lastDelta: 0, body: okRec(1), want: ErrInvalidRecord},
		{name: "negative offset delta", count: 1, lastDelta: 0, body: okRec(-1), want: ErrInvalidRecord},
		{name: "offset deltas repeat", count: 2, lastDelta: 1, body: cat(okRec(0), okRec(0)), want: ErrInvalidRecord},
		{name: "offset deltas decrease", count: 2, lastDelta: 1, body: cat(okRec(1), okRec(0)), want: ErrInvalidRecord},
		{name: "key length -2", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-2), vi(-1), vi(0)), want: ErrInvalidRecord},
		{name: "key overruns record", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(40), []byte("k"), vi(-1), vi(0)), want: ErrInvalidRecord},
		{name: "value overruns record", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(3), []byte("v")), want: ErrInvalidRecord},
		{name: "value length -3", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-3), vi(0)), want: ErrInvalidRecord},
		{name: "header count missing", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1)), want: ErrInvalidRecord},
		{name: "negative header count", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(-1)), want: ErrInvalidRecord},
		{name: "header count too large", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1<<30), vi(0), vi(-1)), want: ErrInvalidRecord},
		{name: "null header key", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(-1), vi(-1)), want: ErrInvalidRecord},
		{name: "header key overruns", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(9), []byte("ab")), want: ErrInvalidRecord},
		{name: "header value length -2", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(1), []byte("a"), vi(-2)), want: ErrInvalidRecord},
		{name: "header value overruns", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(1), []byte("a"), vi(5), []byte("x")), want: ErrInvalidRecord},
		{name: "second header missing", count: 1,
			body: rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(2), vi(1), []byte("a"), vi(-1), []byte{0}), want: ErrInvalidRecord},
		{name: "count far above content", count: 1 << 30, lastDelta: 1<<30 - 1, body: okRec(0), want: ErrInvalidRecord},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := section(c.count, c.lastDelta, 0, c.body)
			got, err := b.Records()
			if c.want == nil {
				if err != nil || len(got) != c.n {
					t.Fatalf("%d records, %v; want %d", len(got), err, c.n)
				}
			} else if !errors.Is(err, c.want) || got != nil {
				t.Fatalf("error %v (records %v), want %v", err, got, c.want)
			}
			// The kmsg-based strict oracle must agree wherever it accepts.
			if recs, ok := oracleRecords(c.body, c.count, c.lastDelta); ok {
				if err != nil {
					t.Fatalf("oracle accepts %d records, we reject: %v", len(recs), err)
				}
				for i := range recs {
					if e := sameRecord(got[i], recs[i], 0, 1000, false, 0); e != nil {
						t.Errorf("record %d: %v", i, e)
					}
				}
			}
		})
	}
}

func TestRecordsBadBatch(t *testing.T) {
	good := section(1, 0, 0, okRec(0))
	cases := []struct {
		name string
		b    Batch
		want error
	}{
		{"nil", nil, ErrCorrupt},
		{"short", good[:HeaderSize-1], ErrCorrupt},
		{"length past end", good[:len(good)-1], ErrCorrupt},
		{"length below header", func() Batch { b := bytes.Clone(good); put32(b, offLength, 10); return b }(), ErrCorrupt},
		{"negative count", section(-1, 0, 0, okRec(0)), ErrCorrupt},
		{"codec 6", section(1, 0, 6, okRec(0)), ErrCorrupt},
		{"gzip garbage", section(1, 0, int16(CompressionGzip), okRec(0)), ErrCorrupt},
		{"zstd garbage", section(1, 0, int16(CompressionZstd), okRec(0)), ErrCorrupt},
		{"zstd empty", section(1, 0, int16(CompressionZstd), nil), ErrInvalidRecord},
		{"lz4 of a bad section", section(2, 1, int16(CompressionLZ4), mustCompress(t, CompressionLZ4, okRec(0))), ErrInvalidRecord},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.b.Records(); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if _, err := c.b.ControlType(); err == nil {
				t.Fatal("ControlType accepted a broken batch")
			}
		})
	}
}

func TestControlType(t *testing.T) {
	marker := func(t *testing.T, typ ControlType) Batch {
		b, err := Build(BatchOptions{ProducerID: 7, ProducerEpoch: 3, BaseSequence: -1, Control: true, Transactional: true},
			[]Record{ControlRecord(typ, 12, 555)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, typ := range []ControlType{ControlAbort, ControlCommit} {
		t.Run(typ.String(), func(t *testing.T) {
			b := marker(t, typ)
			got, err := b.ControlType()
			if err != nil || got != typ {
				t.Fatalf("ControlType = %v, %v; want %v", got, err, typ)
			}
			// The layout, read independently with kmsg.
			h, recs, err := kmsgParse(b)
			if err != nil || len(recs) != 1 || h.Attributes&0x30 != 0x30 {
				t.Fatalf("kmsg: %+v %v", h, err)
			}
			var key kmsg.ControlRecordKey
			if err := key.ReadFrom(recs[0].Key); err != nil || key.Version != 0 || int16(key.Type) != int16(typ) {
				t.Fatalf("control key %+v, %v", key, err)
			}
			var val kmsg.EndTxnMarker
			if err := val.ReadFrom(recs[0].Value); err != nil || val.Version != 0 || val.CoordinatorEpoch != 12 {
				t.Fatalf("control value %+v, %v", val, err)
			}
		})
	}
	// A marker written by kmsg, as another broker would write it.
	t.Run("kmsg marker", func(t *testing.T) {
		key := (&kmsg.ControlRecordKey{Version: 0, Type: kmsg.ControlRecordKeyTypeCommit}).AppendTo(nil)
		val := (&kmsg.EndTxnMarker{Version: 0, CoordinatorEpoch: 4}).AppendTo(nil)
		raw := kmsgBatch(kmsg.RecordBatch{Magic: 2, Attributes: 0x30, ProducerID: 1, ProducerEpoch: 0, FirstSequence: -1,
			NumRecords: 1, Records: kmsgRecords([]kmsg.Record{{Key: key, Value: val}})})
		b, err := ParseBatch(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.ControlType(); err != nil || got != ControlCommit {
			t.Fatalf("ControlType = %v, %v", got, err)
		}
	})
	ctl := func(key []byte, n int) Batch {
		recs := make([]Record, n)
		for i := range recs {
			recs[i] = Record{Key: key, Value: []byte{0, 0, 0, 0, 0, 0}}
		}
		b, err := Build(BatchOptions{ProducerID: 1, BaseSequence: -1, Control: true}, recs)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		b    Batch
		want ControlType
		err  error
	}{
		{"future key version", ctl([]byte{0, 1, 0, 1, 9, 9}, 1), ControlCommit, nil},
		{"kraft type", ctl([]byte{0, 0, 0, 3}, 1), ControlType(3), nil},
		{"not control", func() Batch { b, _ := Build(DefaultBatchOptions(), []Record{ControlRecord(1, 0, 0)}); return b }(), 0, ErrInvalidRecord},
		{"two records", ctl([]byte{0, 0, 0, 1}, 2), 0, ErrInvalidRecord},
		{"short key", ctl([]byte{0, 0, 1}, 1), 0, ErrInvalidRecord},
		{"null key", ctl(nil, 1), 0, ErrInvalidRecord},
		{"negative version", ctl([]byte{0xff, 0xff, 0, 1}, 1), 0, ErrInvalidRecord},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.b.ControlType()
			if c.err == nil && (err != nil || got != c.want) {
				t.Fatalf("ControlType = %v, %v; want %v", got, err, c.want)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
		})
	}
}
