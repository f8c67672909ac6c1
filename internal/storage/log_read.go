package storage

import (
	"fmt"
	"sort"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// FileRegion is a byte range of a segment file: what a fetch sends. The
// plaintext listener hands it to sendfile (File implements
// fileutil.OSFile on the real file system), so record bytes go from the page
// cache to the socket without passing through Go buffers.
//
// A region stays readable for at least file.delete.delay.ms after its
// segment is deleted by retention or truncation.
type FileRegion struct {
	File     fileutil.File
	Position int64
	Size     int64
}

// ReadAll copies the region into memory (for tests, replication checks and
// consumers inside the broker that must look at records).
func (r FileRegion) ReadAll() ([]byte, error) {
	buf := make([]byte, r.Size)
	if r.Size == 0 {
		return buf, nil
	}
	n, err := r.File.ReadAt(buf, r.Position)
	if n == len(buf) {
		return buf, nil
	}
	return buf[:n], fmt.Errorf("storage: read region of %s: %w", r.File.Name(), err)
}

// ReadResult is what Read returns.
type ReadResult struct {
	// Region holds whole batches starting with the one that contains the
	// requested offset; the last batch may be cut short by maxBytes. Size 0
	// means there is nothing to read yet.
	Region FileRegion
	// FirstOffset is the base offset of the first batch in Region (it may be
	// below the requested offset, which can fall inside a batch).
	FirstOffset int64
	// LogStartOffset and LogEndOffset are the log's bounds at read time.
	LogStartOffset, LogEndOffset int64
}

// Read returns the batches from offset onward, at most maxBytes of them, and
// none at or beyond maxOffset (the high watermark, for consumers; pass
// LogEndOffset to read everything). With minOneBatch the first batch is
// returned whole even when it is larger than maxBytes (KIP-74), so a
// consumer always makes progress. Reading at maxOffset returns an empty
// region; reading below the log start or past the log end returns
// ErrOffsetOutOfRange. Read takes no lock.
func (l *Log) Read(offset int64, maxBytes int, maxOffset int64, minOneBatch bool) (ReadResult, error) {
	segs := l.segs()
	res := ReadResult{LogStartOffset: l.logStartOffset.Load(), LogEndOffset: l.logEndOffset.Load()}
	if offset < res.LogStartOffset || offset > res.LogEndOffset {
		return res, fmt.Errorf("%w: offset %d is outside [%d, %d]", ErrOffsetOutOfRange, offset, res.LogStartOffset, res.LogEndOffset)
	}
	maxOffset = min(maxOffset, res.LogEndOffset)
	if offset >= maxOffset {
		return res, nil
	}
	// The last segment whose base is <= offset holds offset, unless offset
	// falls past its data (then the next segment does).
	i := sort.Search(len(segs), func(i int) bool { return segs[i].baseOffset > offset }) - 1
	for i = max(i, 0); i < len(segs); i++ {
		s := segs[i]
		limit := s.size.Load()
		first, found, err := s.translateOffset(offset, limit)
		if err != nil {
			return res, err
		}
		if !found {
			continue
		}
		if first.baseOffset >= maxOffset {
			return res, nil
		}
		end := limit
		if maxOffset < res.LogEndOffset {
			if bound, ok, err := s.translateOffset(maxOffset, limit); err != nil {
				return res, err
			} else if ok {
				end = bound.pos
			}
		}
		size := end - first.pos
		allowed := int64(maxBytes)
		if minOneBatch {
			allowed = max(allowed, first.size)
		}
		size = min(size, allowed)
		if size <= 0 {
			return res, nil
		}
		res.Region = FileRegion{File: s.file, Position: first.pos, Size: size}
		res.FirstOffset = first.baseOffset
		l.metrics.readBytes.Add(float64(size))
		return res, nil
	}
	return res, nil
}

// ReadBatches is Read followed by a copy and a parse of the whole batches in
// the region, for callers that need the records rather than a file range.
func (l *Log) ReadBatches(offset int64, maxBytes int, maxOffset int64) ([]record.Batch, error) {
	rr, err := l.Read(offset, maxBytes, maxOffset, true)
	if err != nil || rr.Region.Size == 0 {
		return nil, err
	}
	buf, err := rr.Region.ReadAll()
	if err != nil {
		return nil, err
	}
	var out []record.Batch
	for len(buf) > 0 {
		b, err := record.ParseBatch(buf)
		if err != nil {
			break // the trailing batch was cut by maxBytes
		}
		out = append(out, b)
		buf = buf[len(b):]
	}
	return out, nil
}
