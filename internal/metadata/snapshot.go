package metadata

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The snapshot stream: an image as its Records, framed with the offset and a
// checksum (docs/format/metadata-records.md, "Snapshots"). The controller
// writes one per raft snapshot; the checksum makes the format safe on its own,
// whatever store holds it.

// snapshotMagic opens every snapshot: "SMDS" (Samsa MetaData Snapshot).
const snapshotMagic = 0x534d4453

// snapshotVersion is the only snapshot framing version.
const snapshotVersion = 0

// maxSnapshotRecord bounds one record's length in a snapshot, so a corrupt
// length cannot make ReadSnapshot allocate gigabytes. The largest real
// records (a broker with many listeners, a long config value) are kilobytes.
const maxSnapshotRecord = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes img to w as a snapshot: magic, version, offset, the
// image's Records, and a CRC-32C of all of it. ReadSnapshot reads it back.
func (img *Image) WriteSnapshot(w io.Writer) error {
	crc := crc32.New(castagnoli)
	bw := bufio.NewWriter(io.MultiWriter(w, crc))
	records := img.Records()
	var hdr [18]byte
	binary.BigEndian.PutUint32(hdr[0:], snapshotMagic)
	binary.BigEndian.PutUint16(hdr[4:], snapshotVersion)
	binary.BigEndian.PutUint64(hdr[6:], uint64(img.offset))
	binary.BigEndian.PutUint32(hdr[14:], uint32(len(records)))
	if _, err := bw.Write(hdr[:]); err != nil {
		return err
	}
	var buf []byte
	for _, r := range records {
		buf = AppendRecord(binary.BigEndian.AppendUint32(buf[:0], 0), r)
		binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// The checksum is written to w alone: it covers the bytes before it.
	_, err := w.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
	return err
}

// ReadSnapshot reads a snapshot written by WriteSnapshot and rebuilds its
// image. Errors wrap ErrCorruptRecord for malformed bytes (including a
// checksum mismatch or bytes after the checksum), ErrInvalidRecord for
// records that do not rebuild an image, or are r's read error.
func ReadSnapshot(r io.Reader) (*Image, error) {
	crc := crc32.New(castagnoli)
	br := bufio.NewReader(r)
	sr := snapshotReader{r: io.TeeReader(br, crc)}
	if magic := sr.uint32(); sr.err == nil && magic != snapshotMagic {
		return nil, fmt.Errorf("%w: snapshot magic %#x", ErrCorruptRecord, magic)
	}
	if v := sr.uint16(); sr.err == nil && v != snapshotVersion {
		return nil, fmt.Errorf("%w: %w: snapshot version %d", ErrCorruptRecord, ErrUnsupportedVersion, v)
	}
	offset := int64(sr.uint64())
	count := sr.uint32()
	if sr.err != nil {
		return nil, sr.wrap("header")
	}
	var records []Record
	for i := range count {
		n := sr.uint32()
		if sr.err == nil && n > maxSnapshotRecord {
			return nil, fmt.Errorf("%w: snapshot record %d is %d bytes", ErrCorruptRecord, i, n)
		}
		body := sr.bytes(int(n))
		if sr.err != nil {
			return nil, sr.wrap(fmt.Sprintf("record %d", i))
		}
		rec, err := Decode(body)
		if err != nil {
			return nil, fmt.Errorf("snapshot record %d: %w", i, err)
		}
		records = append(records, rec)
	}
	want := crc.Sum32()
	sr.r = br // the checksum itself is not checksummed
	if got := sr.uint32(); sr.err != nil {
		return nil, sr.wrap("checksum")
	} else if got != want {
		return nil, fmt.Errorf("%w: snapshot checksum %#x, computed %#x", ErrCorruptRecord, got, want)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: bytes after the snapshot checksum", ErrCorruptRecord)
	}
	switch {
	case offset == -1 && len(records) == 0:
		return EmptyImage(), nil
	case offset < 0:
		return nil, fmt.Errorf("%w: snapshot offset %d with %d records", ErrCorruptRecord, offset, len(records))
	}
	img, _, err := EmptyImage().Apply(records, offset)
	if err != nil {
		return nil, fmt.Errorf("snapshot at offset %d: %w", offset, err)
	}
	return img, nil
}

// snapshotReader reads big-endian fields from a stream; the first error
// sticks, as in reader.
type snapshotReader struct {
	r   io.Reader
	err error
	buf [8]byte
}

func (s *snapshotReader) read(n int) []byte {
	if s.err != nil {
		return nil
	}
	b := s.buf[:n]
	if n > len(s.buf) {
		b = make([]byte, n)
	}
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.err = err
		return nil
	}
	return b
}

func (s *snapshotReader) uint16() uint16 {
	if b := s.read(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (s *snapshotReader) uint32() uint32 {
	if b := s.read(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (s *snapshotReader) uint64() uint64 {
	if b := s.read(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// bytes returns n fresh bytes (not the shared buffer).
func (s *snapshotReader) bytes(n int) []byte {
	if s.err != nil {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.err = err
		return nil
	}
	return b
}

// wrap turns a truncated stream into ErrCorruptRecord and passes other read
// errors through.
func (s *snapshotReader) wrap(where string) error {
	if errors.Is(s.err, io.EOF) || errors.Is(s.err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: snapshot truncated in the %s", ErrCorruptRecord, where)
	}
	return fmt.Errorf("metadata: reading snapshot %s: %w", where, s.err)
}
