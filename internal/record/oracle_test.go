package record

// Independent encoders and decoders used as oracles: batches are framed by
// kmsg (franz-go's generated protocol code), CRCs computed here from the
// spec, and records sections compressed or decompressed by calling the codec
// libraries directly, never through this package's code.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var oracleCRCTable = crc32.MakeTable(crc32.Castagnoli)

// kmsgRecords encodes records with kmsg, filling in each Length.
func kmsgRecords(recs []kmsg.Record) []byte {
	var body []byte
	for _, r := range recs {
		r.Length = 0
		r.Length = int32(len(r.AppendTo(nil)) - 1) // varint 0 is one byte
		body = r.AppendTo(body)
	}
	return body
}

// oracleCompress compresses a records section by calling the libraries.
func oracleCompress(t testing.TB, c Compression, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch c {
	case CompressionNone:
		return body
	case CompressionGzip:
		w := gzip.NewWriter(&buf)
		mustWrite(t, w, body)
	case CompressionSnappy:
		return snappy.Encode(nil, body)
	case CompressionLZ4:
		w := lz4.NewWriter(&buf)
		mustWrite(t, w, body)
	case CompressionZstd:
		// The streaming writer, as Java's zstd-jni does: no content size.
		w, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, w, body)
	default:
		t.Fatalf("oracleCompress: codec %d", c)
	}
	return buf.Bytes()
}

func mustWrite(t testing.TB, w io.WriteCloser, b []byte) {
	t.Helper()
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// oracleDecompress decompresses a records section by calling the libraries.
func oracleDecompress(c Compression, src []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		return src, nil
	case CompressionGzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	case CompressionSnappy:
		return xerial.Decode(src)
	case CompressionLZ4:
		return io.ReadAll(lz4.NewReader(bytes.NewReader(src)))
	case CompressionZstd:
		d, err := zstd.NewReader(nil)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.DecodeAll(src, nil)
	}
	return nil, fmt.Errorf("codec %d", c)
}

// kmsgBatch frames h with kmsg, setting Length and computing the CRC.
func kmsgBatch(h kmsg.RecordBatch) []byte {
	h.Length = int32(49 + len(h.Records))
	h.CRC = 0
	raw := h.AppendTo(nil)
	binary.BigEndian.PutUint32(raw[17:], crc32.Checksum(raw[21:], oracleCRCTable))
	return raw
}

// kmsgParse reads a batch and its records with kmsg. Each record is sliced
// by its own length prefix, since kmsg.Record.ReadFrom reads one record.
func kmsgParse(raw []byte) (kmsg.RecordBatch, []kmsg.Record, error) {
	var h kmsg.RecordBatch
	if err := h.ReadFrom(raw); err != nil {
		return h, nil, err
	}
	body, err := oracleDecompress(Compression(h.Attributes&7), h.Records)
	if err != nil {
		return h, nil, err
	}
	recs, err := kmsgSplit(body)
	return h, recs, err
}

// kmsgSplit reads a decompressed records section with kmsg.
func kmsgSplit(body []byte) ([]kmsg.Record, error) {
	var recs []kmsg.Record
	for len(body) > 0 {
		l, n := binary.Varint(body)
		if n <= 0 || l < 0 || int64(len(body)-n) < l {
			return nil, fmt.Errorf("record %d: bad length", len(recs))
		}
		var r kmsg.Record
		if err := r.ReadFrom(body[:n+int(l)]); err != nil {
			return nil, fmt.Errorf("record %d: %w", len(recs), err)
		}
		recs = append(recs, r)
		body = body[n+int(l):]
	}
	return recs, nil
}

// oracleRecords is a strict decoder built on kmsg: it accepts a section only
// if every record re-encodes byte for byte (so lengths and varints are
// canonical and in range), the count matches and the deltas increase within
// 0..lastDelta. Anything it accepts, EachRecord must accept.
func oracleRecords(body []byte, count, lastDelta int32) ([]kmsg.Record, bool) {
	var recs []kmsg.Record
	prev := int32(-1)
	for len(body) > 0 {
		l, n := binary.Varint(body)
		if n <= 0 || n > 5 || l < 0 || int64(len(body)-n) < l {
			return nil, false
		}
		var r kmsg.Record
		one := body[:n+int(l)]
		if r.ReadFrom(one) != nil || !bytes.Equal(r.AppendTo(nil), one) {
			return nil, false
		}
		if r.OffsetDelta <= prev || r.OffsetDelta > lastDelta {
			return nil, false
		}
		prev = r.OffsetDelta
		recs = append(recs, r)
		body = body[n+int(l):]
	}
	return recs, int32(len(recs)) == count
}

// sameRecord compares a decoded record with kmsg's, given the batch fields
// it is relative to.
func sameRecord(got Record, want kmsg.Record, baseOffset, baseTS int64, logAppend bool, maxTS int64) error {
	wantTS := baseTS + want.TimestampDelta64
	if logAppend {
		wantTS = maxTS
	}
	if got.Offset != baseOffset+int64(want.OffsetDelta) {
		return fmt.Errorf("offset %d, want %d", got.Offset, baseOffset+int64(want.OffsetDelta))
	}
	if got.Timestamp != wantTS {
		return fmt.Errorf("timestamp %d, want %d", got.Timestamp, wantTS)
	}
	if err := sameBytes("key", got.Key, want.Key); err != nil {
		return err
	}
	if err := sameBytes("value", got.Value, want.Value); err != nil {
		return err
	}
	if len(got.Headers) != len(want.Headers) {
		return fmt.Errorf("%d headers, want %d", len(got.Headers), len(want.Headers))
	}
	for i, h := range got.Headers {
		if h.Key != want.Headers[i].Key {
			return fmt.Errorf("header %d key %q, want %q", i, h.Key, want.Headers[i].Key)
		}
		if err := sameBytes(fmt.Sprintf("header %d value", i), h.Value, want.Headers[i].Value); err != nil {
			return err
		}
	}
	return nil
}

// sameBytes compares nullable byte strings: nil (null) differs from empty.
func sameBytes(what string, got, want []byte) error {
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		return fmt.Errorf("%s %q (nil %v), want %q (nil %v)", what, got, got == nil, want, want == nil)
	}
	return nil
}
