package record

import (
	"encoding/binary"
	"errors"
	"testing"
)

// validBatch is a producer batch every ValidateProduce case starts from.
func validBatch(t testing.TB, c Compression) []byte {
	t.Helper()
	b, err := Build(BatchOptions{Compression: c, ProducerID: 5, ProducerEpoch: 1, BaseSequence: 0},
		[]Record{{Timestamp: 1, Key: []byte("k"), Value: []byte("v")}, {Timestamp: 2, Value: []byte("w")}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Helpers that edit header fields and keep the CRC valid, so each case
// reaches the check it is about.
func put16(b []byte, off int, v int16) { binary.BigEndian.PutUint16(b[off:], uint16(v)) }
func put32(b []byte, off int, v int32) { binary.BigEndian.PutUint32(b[off:], uint32(v)) }
func put64(b []byte, off int, v int64) { binary.BigEndian.PutUint64(b[off:], uint64(v)) }
func fixCRC(b []byte)                  { Batch(b).updateCRC() }
func setAttrs(b []byte, set int16) {
	put16(b, offAttributes, Batch(b).Attributes()|set)
	fixCRC(b)
}
func setCodec(b []byte, c int16) {
	put16(b, offAttributes, Batch(b).Attributes()&^7|c)
	fixCRC(b)
}

func TestValidateProduce(t *testing.T) {
	cases := []struct {
		name      string
		edit      func(b []byte) []byte
		allowZstd bool
		want      error // nil: accepted
	}{
		{name: "valid", edit: func(b []byte) []byte { return b }},
		{name: "valid without producer", edit: func(b []byte) []byte {
			put64(b, offProducerID, -1)
			put16(b, offProducerEpoch, -1)
			put32(b, offBaseSequence, -1)
			fixCRC(b)
			return b
		}},
		{name: "magic 1", want: ErrInvalidRecord, edit: func(b []byte) []byte { b[offMagic] = 1; return b }},
		{name: "magic 3", want: ErrInvalidRecord, edit: func(b []byte) []byte { b[offMagic] = 3; return b }},
		{name: "bad crc", want: ErrCorrupt, edit: func(b []byte) []byte { b[len(b)-1] ^= 1; return b }},
		{name: "bad stored crc", want: ErrCorrupt, edit: func(b []byte) []byte { b[offCRC] ^= 0x80; return b }},
		{name: "empty", want: ErrCorrupt, edit: func(b []byte) []byte { return nil }},
		{name: "shorter than magic", want: ErrCorrupt, edit: func(b []byte) []byte { return b[:10] }},
		{name: "shorter than header", want: ErrCorrupt, edit: func(b []byte) []byte { return b[:HeaderSize-1] }},
		{name: "truncated", want: ErrCorrupt, edit: func(b []byte) []byte { return b[:len(b)-1] }},
		{name: "length below header", want: ErrCorrupt, edit: func(b []byte) []byte { put32(b, offLength, 48); return b }},
		{name: "negative length", want: ErrCorrupt, edit: func(b []byte) []byte { put32(b, offLength, -1); return b }},
		{name: "length past end", want: ErrCorrupt, edit: func(b []byte) []byte { put32(b, offLength, int32(len(b))); return b }},
		{name: "trailing bytes", want: ErrInvalidRecord, edit: func(b []byte) []byte { return append(b, 0) }},
		{name: "two batches", want: ErrInvalidRecord, edit: func(b []byte) []byte { return append(b, b...) }},
		{name: "base offset not 0", want: ErrInvalidRecord, edit: func(b []byte) []byte { put64(b, offBaseOffset, 1); return b }},
		{name: "count 0", want: ErrInvalidRecord, edit: func(b []byte) []byte {
			put32(b, offRecordCount, 0)
			put32(b, offLastOffsetDelta, -1)
			fixCRC(b)
			return b
		}},
		{name: "count negative", want: ErrInvalidRecord, edit: func(b []byte) []byte {
			put32(b, offRecordCount, -1)
			put32(b, offLastOffsetDelta, -2)
			fixCRC(b)
			return b
		}},
		{name: "last offset delta too small", want: ErrInvalidRecord, edit: func(b []byte) []byte {
			put32(b, offLastOffsetDelta, 0)
			fixCRC(b)
			return b
		}},
		{name: "last offset delta too large", want: ErrInvalidRecord, edit: func(b []byte) []byte {
			put32(b, offLastOffsetDelta, 2)
			fixCRC(b)
			return b
		}},
		{name: "last offset delta overflows", want: ErrInvalidRecord, edit: func(b []byte) []byte {
			put32(b, offRecordCount, -1<<31)
			put32(b, offLastOffsetDelta, 1<<31-1)
			fixCRC(b)
			return b
		}},
		{name: "control batch", want: ErrInvalidRecord, edit: func(b []byte) []byte { setAttrs(b, attrControl); return b }},
		{name: "unused attribute bit", want: ErrInvalidRecord, edit: func(b []byte) []byte { setAttrs(b, 0x80); return b }},
		{name: "top attribute bit", want: ErrInvalidRecord, edit: func(b []byte) []byte { setAttrs(b, -1<<15); return b }},
		{name: "codec 5", want: ErrCorrupt, edit: func(b []byte) []byte { setCodec(b, 5); return b }},
		{name: "codec 6", want: ErrCorrupt, edit: func(b []byte) []byte { setCodec(b, 6); return b }},
		{name: "codec 7", want: ErrCorrupt, edit: func(b []byte) []byte { setCodec(b, 7); return b }, allowZstd: true},
		{name: "zstd below v7", want: ErrUnsupportedCompression, edit: func(b []byte) []byte { setCodec(b, 4); return b }},
		{name: "zstd below v7, corrupt too", want: ErrUnsupportedCompression, edit: func(b []byte) []byte {
			setCodec(b, 4)
			b[offCRC] ^= 1
			return b
		}},
		{name: "zstd from v7", allowZstd: true, edit: func(b []byte) []byte { setCodec(b, 4); return b }},
		{name: "producer id without sequence", want: ErrInvalidRecord, edit: func(b []byte) []byte {
			put32(b, offBaseSequence, -1)
			fixCRC(b)
			return b
		}},
		{name: "sequence without producer id", edit: func(b []byte) []byte {
			// Kafka checks only the direction PID >= 0 => seq >= 0.
			put64(b, offProducerID, -1)
			fixCRC(b)
			return b
		}},
		{name: "log append time", want: ErrInvalidTimestamp, edit: func(b []byte) []byte { setAttrs(b, attrTimestampType); return b }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			buf := c.edit(validBatch(t, CompressionNone))
			b, err := ValidateProduce(buf, c.allowZstd)
			if c.want == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if len(b) != len(buf) {
					t.Fatalf("returned %d bytes of %d", len(b), len(buf))
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if b != nil {
				t.Fatal("returned a batch with an error")
			}
		})
	}
}

func TestValidateProduceEveryCodec(t *testing.T) {
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		t.Run(c.String(), func(t *testing.T) {
			if _, err := ValidateProduce(validBatch(t, c), true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseBatch(t *testing.T) {
	cases := []struct {
		name string
		edit func(b []byte) []byte
		want error
		size int // accepted: expected size, -1 for the whole input
	}{
		{name: "valid", edit: func(b []byte) []byte { return b }, size: -1},
		{name: "followed by more", edit: func(b []byte) []byte { return append(b, 1, 2, 3) }, size: -4},
		{name: "appended batch", edit: func(b []byte) []byte {
			Batch(b).SetBaseOffset(1000)
			Batch(b).SetPartitionLeaderEpoch(3)
			return b
		}, size: -1},
		{name: "control batch", edit: func(b []byte) []byte { setAttrs(b, attrControl); return b }, size: -1},
		{name: "empty (compacted)", edit: func(b []byte) []byte {
			put32(b, offRecordCount, 0)
			fixCRC(b)
			return b
		}, size: -1},
		{name: "short", edit: func(b []byte) []byte { return b[:HeaderSize-1] }, want: ErrCorrupt},
		{name: "length below header", edit: func(b []byte) []byte { put32(b, offLength, HeaderSize-LogOverhead-1); return b }, want: ErrCorrupt},
		{name: "length past end", edit: func(b []byte) []byte { return b[:len(b)-1] }, want: ErrCorrupt},
		{name: "magic", edit: func(b []byte) []byte { b[offMagic] = 1; return b }, want: ErrCorrupt},
		{name: "crc", edit: func(b []byte) []byte { b[offAttributes+1] ^= 0x10; return b }, want: ErrCorrupt},
		{name: "negative count", edit: func(b []byte) []byte { put32(b, offRecordCount, -1); fixCRC(b); return b }, want: ErrCorrupt},
		{name: "negative last offset delta", edit: func(b []byte) []byte { put32(b, offLastOffsetDelta, -1); fixCRC(b); return b }, want: ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			buf := c.edit(validBatch(t, CompressionNone))
			b, err := ParseBatch(buf)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("error %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if want := len(buf) + c.size + 1; len(b) != want || b.Size() != want {
				t.Fatalf("batch of %d bytes (Size %d), want %d", len(b), b.Size(), want)
			}
		})
	}
}
