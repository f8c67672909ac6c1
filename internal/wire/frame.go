package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// sizeLen is the length of the big-endian int32 size prefix of every Kafka
// request and response.
const sizeLen = 4

// ReadFrame reads one size-prefixed frame from r and returns its body (the
// bytes after the size).
//
// The declared size is checked before any allocation: a size of zero or less
// returns an error wrapping ErrInvalidFrame, a size above maxSize one wrapping
// ErrFrameTooLarge, so a peer cannot make the broker allocate more than
// maxSize (socket.request.max.bytes) with four bytes. Neither case consumes
// more than the size prefix; the stream is out of sync afterwards and the
// caller must close the connection.
//
// The body is read into buf when cap(buf) is large enough, otherwise into a
// new slice that grows as the bytes arrive, up to exactly the declared size:
// a peer that declares a large frame and stalls holds 64 KiB or twice what
// it actually sent, not the declared size. The caller owns the result and
// may pass it back as buf on the next call once it is done with everything
// decoded from the previous body (buf's contents are overwritten, even by a
// call that fails). When cap(buf) suffices the call does not allocate.
//
// A clean end of stream before the first byte of the size returns io.EOF; an
// end of stream inside the size or the body returns io.ErrUnexpectedEOF.
// Other read errors are returned as they are.
func ReadFrame(r io.Reader, maxSize int32, buf []byte) ([]byte, error) {
	// Read the prefix through buf when it fits: a local array passed to
	// an io.Reader escapes to the heap, one allocation per frame.
	var prefix []byte
	if cap(buf) >= sizeLen {
		prefix = buf[:sizeLen]
	} else {
		prefix = make([]byte, sizeLen)
	}
	if _, err := io.ReadFull(r, prefix); err != nil {
		return nil, err // io.EOF only if no byte was read
	}
	size := int32(binary.BigEndian.Uint32(prefix))
	switch {
	case size <= 0:
		return nil, fmt.Errorf("%w: declared size %d", ErrInvalidFrame, size)
	case size > maxSize:
		return nil, fmt.Errorf("%w: declared size %d exceeds the limit of %d bytes", ErrFrameTooLarge, size, maxSize)
	}
	if cap(buf) >= int(size) {
		body := buf[:size]
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, bodyErr(err)
		}
		return body, nil
	}
	return readGrowing(r, int(size))
}

// growChunk is the first allocation for a body that does not fit the
// caller's buffer.
const growChunk = 64 << 10

// readGrowing reads a size-byte body into memory that grows as the bytes
// arrive, doubling from growChunk up to size: a peer that declares a large
// frame and then sends nothing (or trickles) holds at most twice what it
// actually sent, not the declared size. Kafka allocates the declared size
// at once; this costs at most one extra copy of a large body.
func readGrowing(r io.Reader, size int) ([]byte, error) {
	body := make([]byte, 0, min(size, growChunk))
	for len(body) < size {
		if len(body) == cap(body) {
			grown := make([]byte, len(body), min(size, 2*cap(body)))
			copy(grown, body)
			body = grown
		}
		n, err := io.ReadFull(r, body[len(body):cap(body)])
		body = body[:len(body)+n]
		if err != nil {
			return nil, bodyErr(err)
		}
	}
	return body, nil
}

// bodyErr reports an end of stream inside a body as io.ErrUnexpectedEOF:
// the size prefix promised more.
func bodyErr(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// BeginFrame appends a placeholder for a frame's size prefix to dst and
// returns the extended slice and the offset of the placeholder. Append the
// frame's contents to the returned slice, then call FinishFrame with that
// offset. Frames may follow one another in the same dst.
func BeginFrame(dst []byte) ([]byte, int) {
	start := len(dst)
	return append(dst, 0, 0, 0, 0), start
}

// FinishFrame writes the size of the frame begun at start by BeginFrame,
// counting every byte appended to dst since, and returns dst. It panics if
// start does not leave room for a prefix or if the frame exceeds the int32
// sizes the protocol can express: both are caller bugs.
func FinishFrame(dst []byte, start int) []byte {
	size := len(dst) - start - sizeLen
	if start < 0 || size < 0 {
		panic(fmt.Sprintf("wire: FinishFrame: start %d does not begin a frame in %d bytes", start, len(dst)))
	}
	if size > math.MaxInt32 {
		panic(fmt.Sprintf("wire: FinishFrame: frame of %d bytes exceeds the protocol's int32 size", size))
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(size))
	return dst
}
