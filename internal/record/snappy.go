package record

import (
	"encoding/binary"
	"fmt"

	"github.com/klauspost/compress/snappy"
)

// xerialMagic opens a snappy payload in the framing of the xerial
// snappy-java library, which Kafka's Java producer writes (see
// docs/format/record-batch.md, "Snappy").
var xerialMagic = [8]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// xerialHeaderSize is the magic plus the version and compatible-version
// int32s that follow it.
const xerialHeaderSize = len(xerialMagic) + 8

// compressSnappy writes one plain snappy block, as librdkafka and franz-go
// do; every Kafka client decodes it.
func compressSnappy(src []byte) []byte { return snappy.Encode(nil, src) }

// decompressSnappy decodes a plain snappy block or an xerial-framed stream
// of blocks, whichever src is. A raw block cannot be mistaken for xerial in
// practice: its uvarint length would have to decode from the magic bytes,
// and Kafka's Java and C clients use the same test.
func decompressSnappy(src []byte, limit int) ([]byte, error) {
	if len(src) >= len(xerialMagic) && [8]byte(src[:8]) == xerialMagic {
		return decompressXerial(src, limit)
	}
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, tooLarge(limit)
	}
	return decodeSnappyBlock(make([]byte, 0, n), src)
}

// decompressXerial decodes [magic][version int32][compat int32] followed by
// [int32 big-endian chunk length][snappy block] chunks. The version fields
// are not checked: writers set both to 1 and readers have never relied on
// them. A first pass validates the framing and sums the decoded lengths, so
// the output is allocated once and a bomb is refused before any decoding.
func decompressXerial(src []byte, limit int) ([]byte, error) {
	if len(src) < xerialHeaderSize {
		return nil, fmt.Errorf("xerial header needs %d bytes, have %d", xerialHeaderSize, len(src))
	}
	chunks := src[xerialHeaderSize:]
	total := 0
	for rest := chunks; len(rest) > 0; {
		chunk, next, err := nextXerialChunk(rest, len(src)-len(rest))
		if err != nil {
			return nil, err
		}
		n, err := snappy.DecodedLen(chunk)
		if err != nil {
			return nil, fmt.Errorf("xerial chunk at byte %d: %w", len(src)-len(rest), err)
		}
		if n > limit-total {
			return nil, tooLarge(limit)
		}
		total += n
		rest = next
	}
	out := make([]byte, 0, total)
	for rest := chunks; len(rest) > 0; {
		chunk, next, _ := nextXerialChunk(rest, 0) // validated above
		var err error
		if out, err = decodeSnappyBlock(out, chunk); err != nil {
			return nil, fmt.Errorf("xerial chunk at byte %d: %w", len(src)-len(rest), err)
		}
		rest = next
	}
	return out, nil
}

// nextXerialChunk splits the first length-prefixed chunk off buf; at is
// buf's position in the payload, for error messages.
func nextXerialChunk(buf []byte, at int) (chunk, rest []byte, err error) {
	if len(buf) < 4 {
		return nil, nil, fmt.Errorf("xerial chunk length at byte %d is cut short (%d bytes)", at, len(buf))
	}
	n := binary.BigEndian.Uint32(buf)
	if uint64(n) > uint64(len(buf)-4) {
		return nil, nil, fmt.Errorf("xerial chunk at byte %d declares %d bytes, %d remain", at, n, len(buf)-4)
	}
	return buf[4 : 4+n], buf[4+n:], nil
}

// decodeSnappyBlock appends the decoding of one block to dst, whose spare
// capacity the caller has sized with snappy.DecodedLen. It uses the strict
// decoder: the s2 "repeat offset" extension the fast decoder tolerates is
// not snappy, and Java or C consumers could not read such a batch.
func decodeSnappyBlock(dst, block []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > cap(dst)-len(dst) {
		return nil, fmt.Errorf("snappy block of %d bytes overruns its %d byte sizing", n, cap(dst)-len(dst))
	}
	// With capacity for the declared length, DecodeStrict decodes in place.
	out, err := snappy.DecodeStrict(dst[len(dst):len(dst)+n], block)
	if err != nil {
		return nil, err
	}
	if len(out) != n {
		return nil, fmt.Errorf("snappy block decoded to %d bytes, declared %d", len(out), n)
	}
	return dst[:len(dst)+n], nil
}
