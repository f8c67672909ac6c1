package storage

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/samsa-io/samsa/internal/record"
)

// recoverReadSize is how much of a segment recovery reads per ReadAt: large
// enough that 1 GiB is a few hundred sequential reads.
const recoverReadSize = 4 << 20

// recoveryResult says what recovering one segment found.
type recoveryResult struct {
	// nextOffset is the offset after the last valid batch (baseOffset if none).
	nextOffset int64
	// validBytes is where the valid data ends; the file was truncated there.
	validBytes int64
	// truncatedBytes is how many bytes after validBytes were cut.
	truncatedBytes int64
	// cause says why the scan stopped early (nil when the whole file was valid).
	cause error
}

// recover rescans the whole segment: every batch's CRC and framing is
// checked, both indexes are rebuilt, each batch is handed to onBatch (the
// producer state replay), and the file is cut at the first invalid byte.
// Batches must also be contiguous: the first starts at the segment's base
// offset (and at or after minOffset, the previous segment's end) and each
// next one where the last ended. The base offset field is outside the CRC,
// so this is what catches a corrupted one. (Compaction, when it arrives,
// leaves gaps between batches and will relax this to "increasing".)
func (s *segment) recover(minOffset int64, indexInterval int, onBatch func(record.Batch)) (recoveryResult, error) {
	if err := errors.Join(s.offIdx.reset(), s.timeIdx.reset()); err != nil {
		return recoveryResult{}, fmt.Errorf("storage: reset indexes of %s: %w", s.file.Name(), err)
	}
	s.maxTimestamp.Store(-1)
	s.offsetOfMaxTimestamp.Store(s.baseOffset)
	s.bytesSinceLastIndexEntry = 0
	s.rollBase = -1

	st, err := s.file.Stat()
	if err != nil {
		return recoveryResult{}, fmt.Errorf("storage: stat %s: %w", s.file.Name(), err)
	}
	fileSize := st.Size()
	res := recoveryResult{nextOffset: s.baseOffset}
	expect := max(minOffset, s.baseOffset)

	buf := make([]byte, 0, recoverReadSize)
	bufStart := int64(0) // file position of buf[0]
	pos := int64(0)
	for pos < fileSize {
		// Make sure buf holds the batch header and then the whole batch at pos.
		need := int64(record.HeaderSize)
		if pos+need > fileSize {
			res.cause = fmt.Errorf("%d trailing bytes are shorter than a batch header", fileSize-pos)
			break
		}
		if buf, bufStart, err = s.fill(buf, bufStart, pos, need, fileSize); err != nil {
			return res, err
		}
		size := int64(record.Batch(buf[pos-bufStart:]).Size())
		if size < record.HeaderSize || pos+size > fileSize {
			res.cause = fmt.Errorf("batch length %d runs past the end of the file (%d bytes left)", size-record.LogOverhead, fileSize-pos)
			break
		}
		if buf, bufStart, err = s.fill(buf, bufStart, pos, size, fileSize); err != nil {
			return res, err
		}
		b, perr := record.ParseBatch(buf[pos-bufStart : pos-bufStart+size])
		if perr != nil {
			res.cause = perr
			break
		}
		if b.BaseOffset() != expect || b.LastOffset()-s.baseOffset > math.MaxUint32 {
			res.cause = fmt.Errorf("batch offsets [%d, %d] out of sequence (expected base %d)", b.BaseOffset(), b.LastOffset(), expect)
			break
		}
		s.indexBatch(b, pos, indexInterval)
		if onBatch != nil {
			onBatch(b)
		}
		expect = b.NextOffset()
		res.nextOffset = expect
		pos += size
	}
	res.validBytes = pos
	res.truncatedBytes = fileSize - pos
	if res.truncatedBytes > 0 {
		if err := s.file.Truncate(pos); err != nil {
			return res, fmt.Errorf("storage: truncate %s to %d: %w", s.file.Name(), pos, err)
		}
		s.dirty.Store(true)
	}
	s.size.Store(pos)
	return res, nil
}

// fill makes buf hold the file bytes [pos, pos+need), reading ahead up to
// recoverReadSize, and returns the buffer and the file position of buf[0].
func (s *segment) fill(buf []byte, bufStart, pos, need, fileSize int64) ([]byte, int64, error) {
	if pos >= bufStart && pos+need <= bufStart+int64(len(buf)) {
		return buf, bufStart, nil
	}
	want := max(need, recoverReadSize)
	want = min(want, fileSize-pos)
	if int64(cap(buf)) < want {
		buf = make([]byte, want)
	}
	buf = buf[:want]
	n, err := s.file.ReadAt(buf, pos)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) >= need) {
		return buf, pos, fmt.Errorf("storage: read %s at %d: %w", s.file.Name(), pos, err)
	}
	return buf[:n], pos, nil
}
