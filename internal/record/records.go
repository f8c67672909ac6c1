package record

import "fmt"

// DecodeOptions bound the work of decoding a batch's records.
type DecodeOptions struct {
	// MaxDecompressedSize caps the records section after decompression, in
	// bytes; <= 0 means DefaultMaxDecompressedSize. It does not apply to
	// uncompressed batches, whose records are already in memory.
	MaxDecompressedSize int
}

// DefaultDecodeOptions is what Records and EachRecord use.
func DefaultDecodeOptions() DecodeOptions {
	return DecodeOptions{MaxDecompressedSize: DefaultMaxDecompressedSize}
}

// minRecordSize is the smallest encoded record: a length, attributes,
// timestamp delta, offset delta, key length, value length and header count
// of one byte each. It bounds how many records a section can hold.
const minRecordSize = 7

// Records decodes every record of the batch, decompressing the records
// section if needed. See EachRecordWith for the checks and what the
// returned slices alias; Records keeps all records, so it suits small
// batches and tests, while EachRecord allocates far less.
func (b Batch) Records() ([]Record, error) {
	data, err := b.decodedSection(DefaultDecodeOptions())
	if err != nil {
		return nil, err
	}
	// Preallocate no more than the section could hold, whatever a corrupt
	// header claims.
	out := make([]Record, 0, min(int(max(b.RecordCount(), 0)), len(data)/minRecordSize))
	err = b.decodeRecords(data, func(r Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachRecord is EachRecordWith(DefaultDecodeOptions(), fn).
func (b Batch) EachRecord(fn func(Record) error) error {
	return b.EachRecordWith(DefaultDecodeOptions(), fn)
}

// EachRecordWith decodes the batch's records in order and calls fn with
// each. A record's Offset is BaseOffset plus its offset delta; its Timestamp
// is BaseTimestamp plus its timestamp delta, or MaxTimestamp for every
// record of a LogAppendTime batch (what Kafka clients report).
//
// It checks what Kafka's decoder checks and more: every varint fits its
// type, every length is in range and stays inside its record, each record's
// fields use exactly its declared length, there are exactly RecordCount
// records and no bytes after them, and offset deltas increase strictly
// within 0..LastOffsetDelta (gaps and a first delta above 0 are allowed:
// compaction leaves them). Decompression failures, including a section
// larger than opts.MaxDecompressedSize, wrap ErrCorrupt; malformed records
// wrap ErrInvalidRecord, which is what Kafka answers (INVALID_RECORD).
//
// The records are checked as they are decoded: fn may already have seen
// earlier records when a later one turns out malformed. An error from fn
// stops the iteration and is returned as is.
//
// Key, Value and header values alias the batch (uncompressed) or one
// buffer allocated for the decompressed section; they stay valid while the
// batch's bytes are not modified, and fn may keep them and the Record.
func (b Batch) EachRecordWith(opts DecodeOptions, fn func(Record) error) error {
	data, err := b.decodedSection(opts)
	if err != nil {
		return err
	}
	return b.decodeRecords(data, fn)
}

// decodedSection checks that b is long enough for its header's declared
// size (a Batch need not have come from ParseBatch) and returns the records
// section, decompressed.
func (b Batch) decodedSection(opts DecodeOptions) ([]byte, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a batch header (%d)", ErrCorrupt, len(b), HeaderSize)
	}
	if size := int64(LogOverhead) + int64(b.Length()); size < HeaderSize || size > int64(len(b)) {
		return nil, fmt.Errorf("%w: batch length %d does not fit the %d bytes available", ErrCorrupt, b.Length(), len(b))
	}
	if b.RecordCount() < 0 {
		return nil, fmt.Errorf("%w: negative record count %d", ErrCorrupt, b.RecordCount())
	}
	if b.Compression() == CompressionNone {
		return b.RecordsSection(), nil
	}
	return Decompress(b.Compression(), b.RecordsSection(), opts.MaxDecompressedSize)
}

// decodeRecords walks the decoded records section data of b.
func (b Batch) decodeRecords(data []byte, fn func(Record) error) error {
	var (
		base      = b.BaseOffset()
		baseTS    = b.BaseTimestamp()
		logAppend = b.LogAppendTime()
		maxTS     = b.MaxTimestamp()
		rr        = b.newRecordReader(data)
	)
	for {
		var r Record
		tsDelta, offDelta, done, err := rr.next(&r, true)
		if err != nil || done {
			return err
		}
		r.Offset = base + int64(offDelta)
		if logAppend {
			r.Timestamp = maxTS
		} else {
			r.Timestamp = baseTS + tsDelta
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// recordReader walks a decoded records section one record at a time,
// making the checks EachRecordWith documents. It is a loop state, not a
// callback, so that the produce path's per-record checks (CheckRecords)
// pay for no more than the parsing.
type recordReader struct {
	data                 []byte
	pos                  int
	i, count, lastDelta  int32
	prevDelta            int32
	headers, prevHeaders []Header // the arena of materialized headers
}

func (b Batch) newRecordReader(data []byte) recordReader {
	return recordReader{data: data, count: b.RecordCount(), lastDelta: b.LastOffsetDelta(), prevDelta: -1}
}

// next reads the next record into r (all but Offset and Timestamp) and
// returns its deltas; done reports the end of the section, once it is
// checked that no bytes trail the declared records. Without withHeaders,
// headers are checked but not materialized (r.Headers stays nil).
//
// The headers arena is one growing slice instead of an allocation per
// record. Records keep capacity-capped windows into it; growing it leaves
// them on the old array, which nothing writes to again.
func (rr *recordReader) next(r *Record, withHeaders bool) (tsDelta int64, offDelta int32, done bool, err error) {
	if rr.i == rr.count {
		if rr.pos != len(rr.data) {
			return 0, 0, false, fmt.Errorf("%w: %d trailing bytes after the %d declared records", ErrInvalidRecord, len(rr.data)-rr.pos, rr.count)
		}
		return 0, 0, true, nil
	}
	if rr.pos == len(rr.data) {
		return 0, 0, false, fmt.Errorf("%w: the records section ends after %d of %d declared records", ErrInvalidRecord, rr.i, rr.count)
	}
	arena := &rr.headers
	if !withHeaders {
		arena = nil
	}
	n, tsDelta, offDelta, err := readRecord(r, rr.data[rr.pos:], arena, rr.prevHeaders)
	if err != nil {
		return 0, 0, false, fmt.Errorf("%w: record %d at byte %d of the records section: %v", ErrInvalidRecord, rr.i, rr.pos, err)
	}
	if offDelta <= rr.prevDelta || offDelta > rr.lastDelta {
		return 0, 0, false, fmt.Errorf("%w: record %d has offset delta %d; deltas must increase within 0..%d (previous %d)", ErrInvalidRecord, rr.i, offDelta, rr.lastDelta, rr.prevDelta)
	}
	rr.prevDelta = offDelta
	if len(r.Headers) > 0 {
		rr.prevHeaders = r.Headers
	}
	rr.pos += n
	rr.i++
	return tsDelta, offDelta, false, nil
}

// readRecord decodes the record at the start of buf (docs/format/record-batch.md,
// "Record") into *r, all but Offset and Timestamp, appending its headers to
// *arena; prev are the last headers decoded before, whose keys it reuses.
// A nil arena checks the headers without keeping them. It returns the
// record's encoded size and its two deltas. Errors carry no sentinel; the
// caller adds it with the record's position.
func readRecord(r *Record, buf []byte, arena *[]Header, prev []Header) (size int, tsDelta int64, offDelta int32, err error) {
	r.Headers = nil
	length, n, ok := varint32(buf)
	if !ok {
		return 0, 0, 0, fmt.Errorf("malformed length varint")
	}
	if length < minRecordSize-1 {
		return 0, 0, 0, fmt.Errorf("length %d is below the %d byte minimum", length, minRecordSize-1)
	}
	if int64(length) > int64(len(buf)-n) {
		return 0, 0, 0, fmt.Errorf("length %d overruns the %d bytes left", length, len(buf)-n)
	}
	rec := buf[n : n+int(length)]
	size = n + int(length)

	p := 1 // attributes: unused, and ignored as Kafka ignores them
	if tsDelta, n, ok = varint64(rec[p:]); !ok {
		return 0, 0, 0, fmt.Errorf("malformed timestamp delta varlong")
	}
	p += n
	if offDelta, n, ok = varint32(rec[p:]); !ok {
		return 0, 0, 0, fmt.Errorf("malformed offset delta varint")
	}
	p += n
	if r.Key, p, err = readNullableBytes(rec, p, "key"); err != nil {
		return 0, 0, 0, err
	}
	if r.Value, p, err = readNullableBytes(rec, p, "value"); err != nil {
		return 0, 0, 0, err
	}
	count, n, ok := varint32(rec[p:])
	if !ok {
		return 0, 0, 0, fmt.Errorf("malformed header count varint")
	}
	p += n
	// A header takes at least two bytes (two one-byte lengths): this bounds
	// the loop and the arena growth by the record's real size.
	if count < 0 || int64(count) > int64(len(rec)-p)/2 {
		return 0, 0, 0, fmt.Errorf("header count %d does not fit in the %d bytes left", count, len(rec)-p)
	}
	start := 0
	if arena != nil {
		start = len(*arena)
	}
	for h := range int(count) {
		kl, n, ok := varint32(rec[p:])
		if !ok {
			return 0, 0, 0, fmt.Errorf("header %d: malformed key length varint", h)
		}
		p += n
		if kl < 0 || int64(kl) > int64(len(rec)-p) {
			return 0, 0, 0, fmt.Errorf("header %d: key length %d, %d bytes left (keys are never null)", h, kl, len(rec)-p)
		}
		rawKey := rec[p : p+int(kl)]
		p += int(kl)
		var val []byte
		if val, p, err = readNullableBytes(rec, p, "header value"); err != nil {
			return 0, 0, 0, fmt.Errorf("header %d: %v", h, err)
		}
		if arena != nil {
			*arena = append(*arena, Header{Key: headerKey(rawKey, prev, h), Value: val})
		}
	}
	if count > 0 && arena != nil {
		end := len(*arena)
		r.Headers = (*arena)[start:end:end]
	}
	if p != len(rec) {
		return 0, 0, 0, fmt.Errorf("length %d, but its fields end after %d bytes", length, p)
	}
	return size, tsDelta, offDelta, nil
}

// headerKey returns key as a string, reusing the previous record's key at
// the same position when it is equal: records of a batch usually carry the
// same header names, and this saves an allocation per header.
func headerKey(key []byte, prev []Header, i int) string {
	if i < len(prev) && prev[i].Key == string(key) {
		return prev[i].Key
	}
	return string(key)
}

// readNullableBytes reads a varint length (-1 for null) and that many bytes
// of rec from p. The result's capacity is capped so that appending to it
// cannot overwrite the bytes after it.
func readNullableBytes(rec []byte, p int, what string) ([]byte, int, error) {
	l, n, ok := varint32(rec[p:])
	if !ok {
		return nil, 0, fmt.Errorf("malformed %s length varint", what)
	}
	p += n
	switch {
	case l == -1:
		return nil, p, nil
	case l < -1:
		return nil, 0, fmt.Errorf("%s length %d (only -1 means null)", what, l)
	case int64(l) > int64(len(rec)-p):
		return nil, 0, fmt.Errorf("%s length %d overruns the %d bytes left in the record", what, l, len(rec)-p)
	}
	end := p + int(l)
	return rec[p:end:end], end, nil
}
