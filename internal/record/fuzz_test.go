package record

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzLimit keeps decompression bombs cheap while fuzzing.
const fuzzLimit = 1 << 20

// seedBatches are valid batches of every codec and shape, for the corpora.
func seedBatches(t testing.TB) []Batch {
	var out []Batch
	for _, c := range allCodecs {
		for _, opts := range []BatchOptions{
			{Compression: c, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1},
			{Compression: c, ProducerID: 3, ProducerEpoch: 1, BaseSequence: 42, Transactional: true},
		} {
			b, err := Build(opts, sampleRecords(5, 30))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	marker, err := Build(BatchOptions{ProducerID: 3, BaseSequence: -1, Control: true, Transactional: true}, []Record{ControlRecord(ControlCommit, 1, 5)})
	if err != nil {
		t.Fatal(err)
	}
	xerialBatch := section(5, 4, int16(CompressionSnappy), handXerial(mustBody(Build(DefaultBatchOptions(), sampleRecords(5, 30))), 64))
	return append(out, marker, xerialBatch)
}

// addMutations seeds f with each batch whole, truncated and bit-flipped.
func addMutations(seeds []Batch, add func(b []byte)) {
	for _, b := range seeds {
		add(b)
		add(b[:len(b)-1])
		add(b[:HeaderSize])
		add(b[:HeaderSize/2])
		for _, at := range []int{offLength + 3, offMagic, offCRC, offAttributes + 1, offRecordCount + 3, HeaderSize, len(b) - 1} {
			flipped := bytes.Clone(b)
			flipped[at] ^= 0x01
			add(flipped)
		}
		add(append(bytes.Clone(b), b...))
	}
}

// checkSentinel fails unless err wraps one of the package's sentinels.
func checkSentinel(t *testing.T, err error, allowed ...error) {
	t.Helper()
	for _, s := range allowed {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error %q wraps none of %v", err, allowed)
}

// checkRecords decodes b's records and cross-checks them with the kmsg
// oracle: whatever we accept, kmsg reads the same way; whatever the strict
// oracle accepts, we accept.
func checkRecords(t *testing.T, b Batch) {
	t.Helper()
	var got []Record
	err := b.EachRecordWith(DecodeOptions{MaxDecompressedSize: fuzzLimit}, func(r Record) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		checkSentinel(t, err, ErrCorrupt, ErrInvalidRecord)
	}
	_, _ = b.ControlType()
	if errors.Is(err, errTooLarge) {
		return // a bomb: do not hand it to the unbounded library decoders
	}
	body, derr := oracleDecompress(b.Compression(), b.RecordsSection())
	if derr != nil {
		if err == nil {
			t.Fatalf("we decoded %d records from a section the codec library rejects: %v", len(got), derr)
		}
		return
	}
	if err == nil && len(body) > fuzzLimit {
		t.Fatalf("decoded a %d byte section past the %d byte limit", len(body), fuzzLimit)
	}
	// The strict oracle's verdict binds only uncompressed sections: the
	// codec libraries are more lenient than we are on purpose (s2
	// extensions in snappy, odd xerial tails, huge zstd windows).
	want, ok := oracleRecords(body, b.RecordCount(), b.LastOffsetDelta())
	if ok && err != nil && b.Compression() == CompressionNone {
		t.Fatalf("the strict oracle accepts %d records, we reject: %v", len(want), err)
	}
	if err != nil {
		return
	}
	if len(got) != int(b.RecordCount()) {
		t.Fatalf("decoded %d records, header says %d", len(got), b.RecordCount())
	}
	// kmsg, reading each record by its length prefix, is lenient where we
	// are strict, so it must read what we read, and the same way.
	recs, kerr := kmsgSplit(body)
	if kerr != nil || len(recs) != len(got) {
		t.Fatalf("kmsg reads %d records (%v) where we read %d", len(recs), kerr, len(got))
	}
	for i := range got {
		if e := sameRecord(got[i], recs[i], b.BaseOffset(), b.BaseTimestamp(), b.LogAppendTime(), b.MaxTimestamp()); e != nil {
			t.Fatalf("record %d: %v", i, e)
		}
	}
}

func FuzzParseBatch(f *testing.F) {
	addMutations(seedBatches(f), func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBatch(data)
		if err != nil {
			checkSentinel(t, err, ErrCorrupt)
			return
		}
		if len(b) != b.Size() || len(b) > len(data) || !bytes.Equal(b, data[:len(b)]) {
			t.Fatalf("batch of %d bytes, Size %d, input %d", len(b), b.Size(), len(data))
		}
		if crc32c(b[offAttributes:]) != b.CRC() || b.MagicByte() != 2 || b.RecordCount() < 0 || b.LastOffsetDelta() < 0 {
			t.Fatal("accepted a batch with a bad CRC, magic, count or last offset delta")
		}
		h, _, _ := kmsgParse(b)
		if h.FirstOffset != b.BaseOffset() || h.NumRecords != b.RecordCount() || h.Attributes != b.Attributes() ||
			uint32(h.CRC) != b.CRC() || int(h.Length) != len(b)-LogOverhead {
			t.Fatalf("kmsg reads the header differently: %+v", h)
		}
		checkRecords(t, b)
	})
}

func FuzzValidateProduce(f *testing.F) {
	addMutations(seedBatches(f), func(b []byte) {
		f.Add(b, true, false)
		f.Add(b, false, true)
	})
	f.Fuzz(func(t *testing.T, data []byte, allowZstd, fix bool) {
		if fix && len(data) >= HeaderSize {
			// Repair length and CRC so that the fuzzer reaches the checks
			// behind them, which random bytes almost never would.
			data = bytes.Clone(data)
			put32(data, offLength, int32(len(data)-LogOverhead))
			fixCRC(data)
		}
		b, err := ValidateProduce(data, allowZstd)
		if err != nil {
			checkSentinel(t, err, ErrCorrupt, ErrInvalidRecord, ErrUnsupportedCompression, ErrInvalidTimestamp)
			return
		}
		// The minimum promise: one whole batch whose CRC verifies.
		if len(b) != len(data) || b.Size() != len(data) || crc32c(data[offAttributes:]) != b.CRC() {
			t.Fatalf("accepted %d bytes declaring %d with stored CRC %08x, computed %08x",
				len(data), b.Size(), b.CRC(), crc32c(data[offAttributes:]))
		}
		switch {
		case b.MagicByte() != 2, b.BaseOffset() != 0, b.RecordCount() <= 0,
			int64(b.LastOffsetDelta())+1 != int64(b.RecordCount()), b.Control(), b.LogAppendTime(),
			b.Compression() > CompressionZstd, b.Compression() == CompressionZstd && !allowZstd,
			b.Attributes()&^0x7f != 0, b.ProducerID() >= 0 && b.BaseSequence() < 0:
			t.Fatalf("accepted a batch breaking a producer rule: attributes %#x, header % x", b.Attributes(), []byte(b[:HeaderSize]))
		}
		h, _, _ := kmsgParse(b)
		if h.FirstOffset != 0 || h.Magic != 2 || h.LastOffsetDelta != b.LastOffsetDelta() || h.FirstTimestamp != b.BaseTimestamp() ||
			h.MaxTimestamp != b.MaxTimestamp() || h.ProducerID != b.ProducerID() || h.ProducerEpoch != b.ProducerEpoch() ||
			h.FirstSequence != b.BaseSequence() || h.NumRecords != b.RecordCount() || uint32(h.CRC) != b.CRC() ||
			h.PartitionLeaderEpoch != b.PartitionLeaderEpoch() || !bytes.Equal(h.Records, b.RecordsSection()) {
			t.Fatalf("kmsg reads the header differently: %+v", h)
		}
		checkRecords(t, b)
	})
}

// FuzzRecords fuzzes the records section alone, wrapped in a header with a
// valid CRC so that every input reaches the record decoder.
func FuzzRecords(f *testing.F) {
	for _, b := range seedBatches(f) {
		f.Add(uint8(b.Compression()), b.RecordCount(), b.LastOffsetDelta(), []byte(b.RecordsSection()))
	}
	f.Add(uint8(0), int32(2), int32(1), bytes.Join([][]byte{okRec(0), okRec(1)}, nil))
	f.Add(uint8(0), int32(1), int32(0), rec([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(1), []byte("a"), vi(-1)))
	f.Add(uint8(0), int32(1), int32(0), []byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add(uint8(2), int32(1), int32(0), handXerial(okRec(0), 3))
	f.Fuzz(func(t *testing.T, codec uint8, count, lastDelta int32, body []byte) {
		b := section(count, lastDelta, int16(codec&7), body)
		checkRecords(t, b)
	})
}
