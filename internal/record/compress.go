package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// DefaultMaxDecompressedSize bounds the records section of one batch after
// decompression when the caller gives no limit. A producer batch is at most
// max.message.bytes (1 MiB by default) compressed; 64 MiB leaves room for
// very compressible data while keeping a decompression bomb from taking more
// than one such buffer per concurrent decode.
const DefaultMaxDecompressedSize = 64 << 20

// Compress returns src compressed with codec c in the form Kafka clients
// expect inside a v2 batch: a gzip stream, a plain snappy block (as
// librdkafka and franz-go send; Java's xerial framing is only decoded), an
// LZ4 frame, or a zstd frame. For CompressionNone it returns src itself, not
// a copy. An unknown codec is ErrUnsupportedCompression. Safe for concurrent
// use.
func Compress(c Compression, src []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		return src, nil
	case CompressionGzip:
		return compressGzip(src)
	case CompressionSnappy:
		return compressSnappy(src), nil
	case CompressionLZ4:
		return compressLZ4(src)
	case CompressionZstd:
		enc, err := zstdEncoder()
		if err != nil {
			return nil, fmt.Errorf("record: zstd encoder: %w", err)
		}
		return enc.EncodeAll(src, make([]byte, 0, len(src)/2+64)), nil
	}
	return nil, fmt.Errorf("%w: codec %d", ErrUnsupportedCompression, c)
}

// Decompress returns src decompressed with codec c. It fails, wrapping
// ErrCorrupt, when src is not valid for the codec, when the codec id is not
// one Kafka defines, or when the output would exceed maxSize bytes (a
// decompression bomb); maxSize <= 0 means DefaultMaxDecompressedSize.
// Memory use stays within a small multiple of maxSize (of 8 MiB for zstd
// when maxSize is smaller: see zstdMinWindow), never what the input claims.
// For CompressionNone it returns src itself. Snappy input may be a plain block or xerial-framed. Safe for
// concurrent use.
func Decompress(c Compression, src []byte, maxSize int) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxDecompressedSize
	}
	var (
		out []byte
		err error
	)
	switch c {
	case CompressionNone:
		if len(src) > maxSize {
			return nil, fmt.Errorf("%w: %d bytes exceed the %d byte limit", ErrCorrupt, len(src), maxSize)
		}
		return src, nil
	case CompressionGzip:
		out, err = decompressGzip(src, maxSize)
	case CompressionSnappy:
		out, err = decompressSnappy(src, maxSize)
	case CompressionLZ4:
		out, err = decompressLZ4(src, maxSize)
	case CompressionZstd:
		out, err = decompressZstd(src, maxSize)
	default:
		return nil, fmt.Errorf("%w: compression codec %d is not defined", ErrCorrupt, c)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s records section: %w", ErrCorrupt, c, err)
	}
	return out, nil
}

// errTooLarge is wrapped (under ErrCorrupt) when output passes the limit.
var errTooLarge = errors.New("decompressed size exceeds the limit")

// tooLarge says by how much a decompressed section overflowed.
func tooLarge(limit int) error { return fmt.Errorf("%w of %d bytes", errTooLarge, limit) }

// readLimited reads r to EOF into a buffer of initial capacity hint and
// fails once more than limit bytes come out. Reading to EOF matters: the
// gzip, lz4 and zstd readers verify their checksums only there.
func readLimited(r io.Reader, hint, limit int) ([]byte, error) {
	buf := make([]byte, 0, min(max(hint, 512), limit))
	for {
		if len(buf) >= limit {
			// Full at the limit: one more byte means the stream is too big.
			var probe [1]byte
			n, err := io.ReadFull(r, probe[:])
			if n > 0 {
				return nil, tooLarge(limit)
			}
			if err == io.EOF {
				return buf, nil
			}
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// gzip

// The gzip codec keeps its readers and writers in pools: both carry
// sizeable window state, and Reset reuses it.
var (
	gzipWriters sync.Pool // *gzip.Writer
	gzipReaders sync.Pool // *gzip.Reader
)

func compressGzip(src []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(src)/2 + 64)
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw = gzip.NewWriter(&buf)
	} else {
		zw.Reset(&buf)
	}
	defer gzipWriters.Put(zw)
	if _, err := zw.Write(src); err != nil {
		return nil, fmt.Errorf("record: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("record: gzip: %w", err)
	}
	return buf.Bytes(), nil
}

func decompressGzip(src []byte, limit int) ([]byte, error) {
	br := bytes.NewReader(src)
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(br)
	} else {
		err = zr.Reset(br)
	}
	if err != nil {
		return nil, err
	}
	defer gzipReaders.Put(zr)
	// The trailer's ISIZE is the last member's size mod 2^32: a good
	// capacity hint for the single-member streams every client writes.
	// Deflate cannot expand more than about 1032:1, which bounds what a
	// lying trailer can make us allocate up front.
	hint := 0
	if len(src) >= 18 {
		hint = min(int(binary.LittleEndian.Uint32(src[len(src)-4:])), 1032*len(src))
	}
	// Concatenated members are accepted, as Java's GZIPInputStream does.
	return readLimited(zr, hint, limit)
}

// lz4

var (
	lz4Writers sync.Pool // *lz4.Writer
	lz4Readers sync.Pool // *lz4.Reader
)

func compressLZ4(src []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(src)/2 + 64)
	zw, _ := lz4Writers.Get().(*lz4.Writer)
	if zw == nil {
		zw = lz4.NewWriter(&buf)
		// 64 KiB blocks, as Kafka's Java producer writes: smaller block
		// buffers for the small inputs batches usually are.
		if err := zw.Apply(lz4.BlockSizeOption(lz4.Block64Kb)); err != nil {
			return nil, fmt.Errorf("record: lz4 options: %w", err)
		}
	} else {
		zw.Reset(&buf)
	}
	if _, err := zw.Write(src); err != nil {
		return nil, fmt.Errorf("record: lz4: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("record: lz4: %w", err)
	}
	lz4Writers.Put(zw)
	return buf.Bytes(), nil
}

func decompressLZ4(src []byte, limit int) ([]byte, error) {
	zr, _ := lz4Readers.Get().(*lz4.Reader)
	if zr == nil {
		zr = lz4.NewReader(nil)
	}
	zr.Reset(bytes.NewReader(src))
	out, err := readLimited(zr, 4*len(src), limit)
	zr.Reset(nil) // drop the reference to src before pooling
	lz4Readers.Put(zr)
	return out, err
}

// zstd

// zstdEncoder is shared: EncodeAll is safe for concurrent use and keeps its
// own pool of block encoders, so one encoder serves every goroutine.
var zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault))
})

// zstdDecoder is a pooled single-threaded decoder with the output limit it
// was last configured for. The limit is per decoder in klauspost/zstd, so a
// decoder is not shared between calls with different limits; pooling keeps
// the common case (same limit every time) free of reconfiguration.
type zstdDecoder struct {
	d     *zstd.Decoder
	limit int
}

var zstdDecoders sync.Pool // *zstdDecoder

// zstdMinWindow is the window every zstd decoder should support (RFC 8878
// §3.1.1.1.2). klauspost/zstd refuses frames whose declared window exceeds
// the decoder's output limit, so the decoder limit never goes below it: a
// small caller limit must not refuse ordinary frames from Java clients,
// whose streaming encoder declares a window rather than a content size. The
// caller's limit is then checked on the output.
const zstdMinWindow = 8 << 20

func decompressZstd(src []byte, outLimit int) ([]byte, error) {
	limit := max(outLimit, zstdMinWindow)
	zd, _ := zstdDecoders.Get().(*zstdDecoder)
	if zd == nil {
		// Concurrency 1: DecodeAll runs on the calling goroutine and the
		// decoder starts no goroutines, so dropping it from the pool leaks
		// nothing.
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(limit)))
		if err != nil {
			return nil, err
		}
		zd = &zstdDecoder{d: d, limit: limit}
	} else if zd.limit != limit {
		// WithDecoderMaxMemory also caps the window, so a frame header
		// declaring a huge window is refused before anything is allocated.
		if err := zd.d.ResetWithOptions(nil, zstd.WithDecoderMaxMemory(uint64(limit))); err != nil {
			return nil, err
		}
		zd.limit = limit
	}
	defer zstdDecoders.Put(zd)
	out, err := zd.d.DecodeAll(src, nil)
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, tooLarge(outLimit)
	}
	if err != nil {
		return nil, err
	}
	if len(out) > outLimit {
		// Also catches several frames that each passed the decoder's limit.
		return nil, tooLarge(outLimit)
	}
	return out, nil
}
