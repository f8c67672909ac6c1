package record

import (
	"encoding/binary"
	"math"
)

// Kafka's record fields are zigzag varints (docs/format/record-batch.md,
// "Varints"): "varint" fields are int32 and may take at most 5 bytes,
// "varlong" fields are int64 and may take at most 10. Both decoders reject
// encodings that overflow their type instead of truncating them, as Java's
// ByteUtils silently does for a 5th byte above 0x0f; non-minimal encodings
// (a trailing 0x80 0x00) are accepted, as Kafka accepts them.

// varint32 decodes a zigzag int32 varint at the start of b. ok is false
// when b ends inside it or it overflows an int32.
func varint32(b []byte) (v int32, n int, ok bool) {
	if len(b) > 0 && b[0] < 0x80 {
		// One byte: nearly every delta and most lengths in a normal batch.
		u := uint32(b[0])
		return int32(u>>1) ^ -int32(u&1), 1, true
	}
	if len(b) > 1 && b[1] < 0x80 {
		// Two bytes: lengths of 64 to 8191 bytes (typical values).
		u := uint32(b[0]&0x7f) | uint32(b[1])<<7
		return int32(u>>1) ^ -int32(u&1), 2, true
	}
	u, n := binary.Uvarint(b)
	if n <= 0 || n > 5 || u > math.MaxUint32 {
		return 0, 0, false
	}
	u32 := uint32(u)
	return int32(u32>>1) ^ -int32(u32&1), n, true
}

// varint64 decodes a zigzag int64 varlong at the start of b. ok is false
// when b ends inside it or it overflows an int64.
func varint64(b []byte) (v int64, n int, ok bool) {
	if len(b) > 0 && b[0] < 0x80 {
		// One byte: the timestamp delta of records produced together.
		u := uint64(b[0])
		return int64(u>>1) ^ -int64(u&1), 1, true
	}
	v, n = binary.Varint(b)
	return v, n, n > 0
}
