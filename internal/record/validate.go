package record

import (
	"encoding/binary"
	"fmt"
)

// ParseBatch reads the batch at the start of buf, which may hold more bytes
// after it (as a log segment does). It checks that the header is complete,
// the declared length fits in buf, the magic is 2, the CRC matches and the
// record count and last offset delta are not negative. It returns the batch
// trimmed to its declared size, aliasing buf. Errors wrap ErrCorrupt. It is
// what recovery and log reads use; producer rules are in ValidateProduce.
func ParseBatch(buf []byte) (Batch, error) {
	b, err := parseFramed(buf)
	if err != nil {
		return nil, err
	}
	if b.RecordCount() < 0 || b.LastOffsetDelta() < 0 {
		return nil, fmt.Errorf("%w: negative record count %d or last offset delta %d", ErrCorrupt, b.RecordCount(), b.LastOffsetDelta())
	}
	return b, nil
}

// parseFramed is ParseBatch without the field checks, which ValidateProduce
// makes itself and reports as Kafka does (INVALID_RECORD, not CORRUPT_MESSAGE).
func parseFramed(buf []byte) (Batch, error) {
	if len(buf) < HeaderSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a batch header (%d)", ErrCorrupt, len(buf), HeaderSize)
	}
	length := int32(binary.BigEndian.Uint32(buf[offLength:]))
	if length < HeaderSize-LogOverhead {
		return nil, fmt.Errorf("%w: batch length %d is shorter than a header", ErrCorrupt, length)
	}
	size := int64(LogOverhead) + int64(length)
	if size > int64(len(buf)) {
		return nil, fmt.Errorf("%w: batch length %d runs past the %d bytes available", ErrCorrupt, length, len(buf)-LogOverhead)
	}
	b := Batch(buf[:size])
	if m := b.MagicByte(); m != Magic {
		return nil, fmt.Errorf("%w: magic %d, only 2 is supported", ErrCorrupt, m)
	}
	if got, want := b.ComputeCRC(), b.CRC(); got != want {
		return nil, fmt.Errorf("%w: crc32c %08x does not match stored %08x", ErrCorrupt, got, want)
	}
	return b, nil
}

// ValidateProduce checks that buf is exactly one batch a producer may send
// (shared/reference/kafka-protocol.md §4.4, the checks that need no topic or
// producer state), in the order of that table: the request-level checks
// (magic, zstd before Produce v7) first, then framing and CRC, then the
// header fields. allowZstd is false below Produce v7. It does not decode
// the records; callers that check keys or timestamps use EachRecord.
//
// Errors wrap ErrInvalidRecord (INVALID_RECORD), ErrCorrupt
// (CORRUPT_MESSAGE: short, bad length or CRC, codec 5-7),
// ErrUnsupportedCompression or ErrInvalidTimestamp.
func ValidateProduce(buf []byte, allowZstd bool) (Batch, error) {
	if len(buf) > offMagic && buf[offMagic] != Magic {
		return nil, fmt.Errorf("%w: magic %d, only 2 is supported", ErrInvalidRecord, int8(buf[offMagic]))
	}
	if !allowZstd && len(buf) >= offAttributes+2 && Batch(buf).Compression() == CompressionZstd {
		return nil, fmt.Errorf("%w: zstd needs Produce v7 or later", ErrUnsupportedCompression)
	}
	b, err := parseFramed(buf)
	if err != nil {
		return nil, err
	}
	if len(b) != len(buf) {
		return nil, fmt.Errorf("%w: %d trailing bytes after the batch; exactly one batch is allowed", ErrInvalidRecord, len(buf)-len(b))
	}
	if off := b.BaseOffset(); off != 0 {
		return nil, fmt.Errorf("%w: base offset %d, producers must send 0", ErrInvalidRecord, off)
	}
	if n := b.RecordCount(); n <= 0 {
		return nil, fmt.Errorf("%w: record count %d, must be positive", ErrInvalidRecord, n)
	}
	if int64(b.LastOffsetDelta())+1 != int64(b.RecordCount()) {
		return nil, fmt.Errorf("%w: last offset delta %d does not match record count %d", ErrInvalidRecord, b.LastOffsetDelta(), b.RecordCount())
	}
	if b.Control() {
		return nil, fmt.Errorf("%w: clients may not send control batches", ErrInvalidRecord)
	}
	if b.Attributes()&attrUnusedMask != 0 {
		return nil, fmt.Errorf("%w: unused attribute bits set (%#x)", ErrInvalidRecord, b.Attributes())
	}
	if c := b.Compression(); c > CompressionZstd {
		return nil, fmt.Errorf("%w: compression codec %d is not defined", ErrCorrupt, c)
	}
	if b.ProducerID() >= 0 && b.BaseSequence() < 0 {
		return nil, fmt.Errorf("%w: producer id %d with base sequence %d", ErrInvalidRecord, b.ProducerID(), b.BaseSequence())
	}
	if b.LogAppendTime() {
		return nil, fmt.Errorf("%w: producers may not set the LogAppendTime attribute", ErrInvalidTimestamp)
	}
	return b, nil
}
