package record

import (
	"encoding/binary"
	"fmt"
	"math"
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

// BatchOptions are the producer and attribute fields of a batch Build makes.
type BatchOptions struct {
	Compression   Compression // codec of the records section
	ProducerID    int64       // -1 for none
	ProducerEpoch int16       // -1 for none
	BaseSequence  int32       // -1 for none
	Transactional bool        // attribute bit 4
	Control       bool        // attribute bit 5: the records are markers (see ControlRecord)
	LogAppendTime bool        // attribute bit 3; the broker sets it, producers may not
}

// DefaultBatchOptions is an uncompressed batch without a producer.
func DefaultBatchOptions() BatchOptions {
	return BatchOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
}

// Build encodes records into one v2 batch with base offset 0, as a producer
// would, compressing the records section with opts.Compression. It is used
// by tests, benchmarks and the broker's own writers (control markers,
// coordinator records).
//
// Offsets and timestamps are taken relative to the first record: its
// Timestamp becomes the base timestamp and the largest Timestamp the max
// timestamp. If every record has Offset 0 (left unset), the records are
// numbered 0..n-1, which is what producers send; otherwise offsets must
// increase strictly and lie within an int32 of the first, and gaps are
// kept (as in a compacted batch). Errors wrap ErrInvalidRecord, or
// ErrUnsupportedCompression for an unknown codec.
func Build(opts BatchOptions, records []Record) (Batch, error) {
	if len(records) == 0 {
		return nil, fmt.Errorf("%w: a batch needs at least one record", ErrInvalidRecord)
	}
	if opts.Compression < CompressionNone || opts.Compression > CompressionZstd {
		return nil, fmt.Errorf("%w: codec %d", ErrUnsupportedCompression, opts.Compression)
	}
	numbered := true
	for _, r := range records {
		if r.Offset != 0 {
			numbered = false
			break
		}
	}
	baseTS := records[0].Timestamp
	maxTS := baseTS
	baseOff := records[0].Offset
	lastDelta := int32(-1)
	// Uncompressed, the records are encoded straight after the header
	// space; compressed, the same buffer is the compressor's input.
	size := HeaderSize
	for _, r := range records {
		size += 24 + len(r.Key) + len(r.Value) // 24: lengths, deltas, attributes
		for _, h := range r.Headers {
			size += 10 + len(h.Key) + len(h.Value)
		}
	}
	body := make([]byte, HeaderSize, size)
	var scratch []byte
	for i, r := range records {
		delta := int64(i)
		if !numbered {
			delta = r.Offset - baseOff
			if delta <= int64(lastDelta) || delta > math.MaxInt32 {
				return nil, fmt.Errorf("%w: record %d has offset %d after %d; offsets must increase within an int32 of the first", ErrInvalidRecord, i, r.Offset, baseOff+int64(lastDelta))
			}
		}
		lastDelta = int32(delta)
		maxTS = max(maxTS, r.Timestamp)
		body, scratch = appendRecord(body, scratch, r, r.Timestamp-baseTS, lastDelta)
	}
	b := Batch(body)
	if opts.Compression != CompressionNone {
		payload, err := Compress(opts.Compression, body[HeaderSize:])
		if err != nil {
			return nil, err
		}
		b = make(Batch, HeaderSize, HeaderSize+len(payload))
		b = append(b, payload...)
	}
	binary.BigEndian.PutUint64(b[offBaseOffset:], 0)
	binary.BigEndian.PutUint32(b[offLength:], uint32(len(b)-LogOverhead))
	binary.BigEndian.PutUint32(b[offPartitionLeaderEpoch:], 0xffffffff) // -1: not yet appended
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

// appendRecord appends one encoded record to dst (docs/format/record-batch.md,
// "Record"). The body is built in scratch first because its length prefix
// is a varint whose size depends on it; scratch is returned for reuse.
func appendRecord(dst, scratch []byte, r Record, tsDelta int64, offDelta int32) (out, scratchOut []byte) {
	body := scratch[:0]
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
	return append(dst, body...), body
}

// appendNullableBytes appends a varint length and b; a nil b is null (-1).
func appendNullableBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

// Recompress re-encodes b's records with codec c, keeping the fields a
// producer sets (producer id, epoch, base sequence, the transactional bit)
// and every record's offset delta, timestamp, key, value and headers. A
// broker does this when a topic's compression.type names a codec other
// than the producer's. Errors are those of Records and Build.
func (b Batch) Recompress(c Compression) (Batch, error) {
	records, err := b.Records()
	if err != nil {
		return nil, err
	}
	// Offsets relative to the base: Build keeps them (numbered 0..n-1 for
	// a produced batch, whose base offset is 0).
	base := b.BaseOffset()
	for i := range records {
		records[i].Offset -= base
	}
	return Build(BatchOptions{
		Compression:   c,
		ProducerID:    b.ProducerID(),
		ProducerEpoch: b.ProducerEpoch(),
		BaseSequence:  b.BaseSequence(),
		Transactional: b.Transactional(),
	}, records)
}
