package record

import (
	"encoding/binary"
	"fmt"
)

// Header is a record header: a non-null key and a nullable value.
type Header struct {
	Key   string
	Value []byte
}

// Record is one decoded record. Offset and Timestamp are absolute (the
// batch's base plus the record's deltas). A nil Key or Value is null.
type Record struct {
	Offset    int64
	Timestamp int64
	Key       []byte
	Value     []byte
	Headers   []Header
}

// BatchOptions are the producer fields of a batch a Builder makes.
type BatchOptions struct {
	Compression   Compression
	ProducerID    int64 // -1 for none
	ProducerEpoch int16 // -1 for none
	BaseSequence  int32 // -1 for none
	Transactional bool
	Control       bool
	LogAppendTime bool
}

// DefaultBatchOptions is an uncompressed batch without a producer.
func DefaultBatchOptions() BatchOptions {
	return BatchOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
}

// Build encodes records into one v2 batch with base offset 0 (record offsets
// and timestamps are taken relative to the first record), as a producer
// would. It is used by tests, benchmarks and the broker's own writers (control
// markers, coordinator records).
func Build(opts BatchOptions, records []Record) (Batch, error) {
	if len(records) == 0 {
		return nil, fmt.Errorf("%w: a batch needs at least one record", ErrInvalidRecord)
	}
	baseTS := records[0].Timestamp
	maxTS := baseTS
	baseOff := records[0].Offset
	var body []byte
	for i, r := range records {
		if r.Timestamp > maxTS {
			maxTS = r.Timestamp
		}
		body = appendRecord(body, r, r.Timestamp-baseTS, int32(r.Offset-baseOff))
		_ = i
	}
	payload, err := compress(opts.Compression, body)
	if err != nil {
		return nil, err
	}
	lastDelta := int32(records[len(records)-1].Offset - baseOff)
	b := make(Batch, HeaderSize, HeaderSize+len(payload))
	b = append(b, payload...)
	binary.BigEndian.PutUint64(b[offBaseOffset:], 0)
	binary.BigEndian.PutUint32(b[offLength:], uint32(len(b)-LogOverhead))
	binary.BigEndian.PutUint32(b[offPartitionLeaderEpoch:], 0xffffffff)
	b[offMagic] = Magic
	attrs := int16(opts.Compression) & attrCompressionMask
	if opts.LogAppendTime {
		attrs |= attrTimestampType
	}
	if opts.Transactional {
		attrs |= attrTransactional
	}
	if opts.Control {
		attrs |= attrControl
	}
	binary.BigEndian.PutUint16(b[offAttributes:], uint16(attrs))
	binary.BigEndian.PutUint32(b[offLastOffsetDelta:], uint32(lastDelta))
	binary.BigEndian.PutUint64(b[offBaseTimestamp:], uint64(baseTS))
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(maxTS))
	binary.BigEndian.PutUint64(b[offProducerID:], uint64(opts.ProducerID))
	binary.BigEndian.PutUint16(b[offProducerEpoch:], uint16(opts.ProducerEpoch))
	binary.BigEndian.PutUint32(b[offBaseSequence:], uint32(opts.BaseSequence))
	binary.BigEndian.PutUint32(b[offRecordCount:], uint32(len(records)))
	b.updateCRC()
	return b, nil
}

// appendRecord encodes one record (docs/format/record-batch.md, "Record").
func appendRecord(dst []byte, r Record, tsDelta int64, offDelta int32) []byte {
	var body []byte
	body = append(body, 0) // attributes
	body = binary.AppendVarint(body, tsDelta)
	body = binary.AppendVarint(body, int64(offDelta))
	body = appendNullableBytes(body, r.Key)
	body = appendNullableBytes(body, r.Value)
	body = binary.AppendVarint(body, int64(len(r.Headers)))
	for _, h := range r.Headers {
		body = binary.AppendVarint(body, int64(len(h.Key)))
		body = append(body, h.Key...)
		body = appendNullableBytes(body, h.Value)
	}
	dst = binary.AppendVarint(dst, int64(len(body)))
	return append(dst, body...)
}

func appendNullableBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}
