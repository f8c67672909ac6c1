package record

import "fmt"

// compress encodes a records section with codec c.
// TODO(record helper): gzip, snappy, lz4, zstd.
func compress(c Compression, body []byte) ([]byte, error) {
	if c == CompressionNone {
		return body, nil
	}
	return nil, fmt.Errorf("%w: %s not implemented", ErrUnsupportedCompression, c)
}
