package record

import (
	"encoding/binary"
	"hash/crc32"
	"math"
)

// Byte offsets of the v2 batch header fields (docs/format/record-batch.md).
const (
	offBaseOffset           = 0
	offLength               = 8
	offPartitionLeaderEpoch = 12
	offMagic                = 16
	offCRC                  = 17
	offAttributes           = 21
	offLastOffsetDelta      = 23
	offBaseTimestamp        = 27
	offMaxTimestamp         = 35
	offProducerID           = 43
	offProducerEpoch        = 51
	offBaseSequence         = 53
	offRecordCount          = 57

	// HeaderSize is the size of a v2 batch header; records follow it.
	HeaderSize = 61
	// LogOverhead is the part of the header before and including the length
	// field: baseOffset (8) + batchLength (4). A batch is LogOverhead+Length bytes.
	LogOverhead = 12
	// Magic is the only record format version this package handles.
	Magic = 2
)

// Attribute bits.
const (
	attrCompressionMask = 0x07
	attrTimestampType   = 0x08
	attrTransactional   = 0x10
	attrControl         = 0x20
	attrDeleteHorizon   = 0x40
	attrUnusedMask      = ^int16(0x7f)
)

// Compression is a batch compression codec (attribute bits 0-2).
type Compression int8

// The codecs Kafka defines.
const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

// String names the codec as Kafka's compression.type does.
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return "unknown"
}

// castagnoli is the CRC-32C table Kafka uses for v2 batches.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// NoTimestamp is Kafka's "no timestamp" value (-1).
const NoTimestamp int64 = -1

// Batch is one v2 record batch as bytes. See the package doc for invariants.
type Batch []byte

// BaseOffset is the offset of the first record (0 from producers; the
// assigned offset once in the log).
func (b Batch) BaseOffset() int64 { return int64(binary.BigEndian.Uint64(b[offBaseOffset:])) }

// Length is the batchLength field: the size of the batch after the length field.
func (b Batch) Length() int32 { return int32(binary.BigEndian.Uint32(b[offLength:])) }

// Size is the whole batch size in bytes as its header declares it.
func (b Batch) Size() int { return LogOverhead + int(b.Length()) }

// PartitionLeaderEpoch is the leader epoch the batch was appended under.
func (b Batch) PartitionLeaderEpoch() int32 {
	return int32(binary.BigEndian.Uint32(b[offPartitionLeaderEpoch:]))
}

// MagicByte is the record format version (2 for every batch this package accepts).
func (b Batch) MagicByte() int8 { return int8(b[offMagic]) }

// CRC is the stored CRC-32C of bytes [21, end).
func (b Batch) CRC() uint32 { return binary.BigEndian.Uint32(b[offCRC:]) }

// Attributes is the raw attributes field.
func (b Batch) Attributes() int16 { return int16(binary.BigEndian.Uint16(b[offAttributes:])) }

// Compression is the codec of the records section.
func (b Batch) Compression() Compression { return Compression(b.Attributes() & attrCompressionMask) }

// LogAppendTime reports whether the timestamp type bit says LogAppendTime.
func (b Batch) LogAppendTime() bool { return b.Attributes()&attrTimestampType != 0 }

// Transactional reports whether the batch is part of a transaction.
func (b Batch) Transactional() bool { return b.Attributes()&attrTransactional != 0 }

// Control reports whether the batch is a control batch (transaction marker).
func (b Batch) Control() bool { return b.Attributes()&attrControl != 0 }

// HasDeleteHorizon reports whether compaction set the delete horizon (KIP-534).
func (b Batch) HasDeleteHorizon() bool { return b.Attributes()&attrDeleteHorizon != 0 }

// LastOffsetDelta is the offset delta of the last record (count-1 from producers).
func (b Batch) LastOffsetDelta() int32 { return int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:])) }

// LastOffset is BaseOffset + LastOffsetDelta.
func (b Batch) LastOffset() int64 { return b.BaseOffset() + int64(b.LastOffsetDelta()) }

// NextOffset is the offset after the batch's last record.
func (b Batch) NextOffset() int64 { return b.LastOffset() + 1 }

// BaseTimestamp is the timestamp records' deltas are relative to.
func (b Batch) BaseTimestamp() int64 { return int64(binary.BigEndian.Uint64(b[offBaseTimestamp:])) }

// MaxTimestamp is the largest record timestamp (or the append time).
func (b Batch) MaxTimestamp() int64 { return int64(binary.BigEndian.Uint64(b[offMaxTimestamp:])) }

// ProducerID is the idempotent producer id, or -1.
func (b Batch) ProducerID() int64 { return int64(binary.BigEndian.Uint64(b[offProducerID:])) }

// ProducerEpoch is the producer epoch, or -1.
func (b Batch) ProducerEpoch() int16 { return int16(binary.BigEndian.Uint16(b[offProducerEpoch:])) }

// BaseSequence is the sequence number of the first record, or -1.
func (b Batch) BaseSequence() int32 { return int32(binary.BigEndian.Uint32(b[offBaseSequence:])) }

// LastSequence is the sequence of the last record, wrapping at MaxInt32 as
// Kafka's DefaultRecordBatch.incrementSequence does; -1 without a producer.
func (b Batch) LastSequence() int32 {
	base := b.BaseSequence()
	if base < 0 {
		return -1
	}
	return IncrementSequence(base, b.LastOffsetDelta())
}

// IncrementSequence adds delta (>= 0) to seq (>= 0), wrapping past MaxInt32
// to 0: producer sequences are int32s that restart at 0, and Kafka's
// DefaultRecordBatch.incrementSequence computes the same.
func IncrementSequence(seq, delta int32) int32 {
	if seq > math.MaxInt32-delta {
		return delta - (math.MaxInt32 - seq) - 1
	}
	return seq + delta
}

// RecordCount is the number of records the header declares.
func (b Batch) RecordCount() int32 { return int32(binary.BigEndian.Uint32(b[offRecordCount:])) }

// RecordsSection is the (possibly compressed) records section: the bytes
// after the header, up to the declared size.
func (b Batch) RecordsSection() []byte { return b[HeaderSize:b.Size()] }

// ComputeCRC returns the CRC-32C of bytes [21, Size()).
func (b Batch) ComputeCRC() uint32 { return crc32.Checksum(b[offAttributes:b.Size()], castagnoli) }

// SetBaseOffset rewrites the base offset. It is outside the CRC.
func (b Batch) SetBaseOffset(off int64) { binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(off)) }

// SetPartitionLeaderEpoch rewrites the leader epoch. It is outside the CRC.
func (b Batch) SetPartitionLeaderEpoch(epoch int32) {
	binary.BigEndian.PutUint32(b[offPartitionLeaderEpoch:], uint32(epoch))
}

// SetLogAppendTime marks the batch as LogAppendTime with max timestamp ts,
// then recomputes the CRC (both fields are inside it).
func (b Batch) SetLogAppendTime(ts int64) {
	attrs := b.Attributes() | attrTimestampType
	binary.BigEndian.PutUint16(b[offAttributes:], uint16(attrs))
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(ts))
	b.updateCRC()
}

// SetMaxTimestamp rewrites the max timestamp and recomputes the CRC.
func (b Batch) SetMaxTimestamp(ts int64) {
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(ts))
	b.updateCRC()
}

func (b Batch) updateCRC() { binary.BigEndian.PutUint32(b[offCRC:], b.ComputeCRC()) }
