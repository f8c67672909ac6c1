package metadata

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode: Decode never panics, every error wraps ErrCorruptRecord, and
// whatever decodes re-encodes to the same bytes (the encoding is canonical).
func FuzzDecode(f *testing.F) {
	for _, r := range sampleRecords() {
		b := Encode(r)
		f.Add(b)
		f.Add(b[:len(b)-1])
		flipped := bytes.Clone(b)
		flipped[len(flipped)/2] ^= 0x40
		f.Add(flipped)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptRecord) || r != nil {
				t.Fatalf("Decode = %v, %v", r, err)
			}
			return
		}
		if again := Encode(r); !bytes.Equal(again, b) {
			t.Fatalf("decoded %#v re-encodes to %x, input %x", r, again, b)
		}
	})
}

// FuzzDecodeBatch: the same for batches, and a decoded batch applied to an
// image either fails cleanly or yields an image whose Records rebuild it.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(EncodeBatch(sampleRecords()))
	f.Add(EncodeBatch(sampleRecords()[:4]))
	f.Add(EncodeBatch(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		records, err := DecodeBatch(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("DecodeBatch error %v does not wrap ErrCorruptRecord", err)
			}
			return
		}
		img, _, err := EmptyImage().Apply(records, 1)
		if err != nil {
			if !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("Apply error %v does not wrap ErrInvalidRecord", err)
			}
			return
		}
		rebuilt, _, err := EmptyImage().Apply(img.Records(), 1)
		if err != nil {
			t.Fatalf("rebuilding from Records: %v", err)
		}
		if !reflect.DeepEqual(rebuilt.Records(), img.Records()) {
			t.Fatalf("rebuilt image differs")
		}
	})
}

// FuzzReadSnapshot: ReadSnapshot never panics on arbitrary bytes.
func FuzzReadSnapshot(f *testing.F) {
	var buf bytes.Buffer
	img := mustApply(f, EmptyImage(), 5, fullImageRecords()...)
	if err := img.WriteSnapshot(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := ReadSnapshot(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrCorruptRecord) && !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("ReadSnapshot error %v wraps no metadata error", err)
			}
			return
		}
		if img == nil {
			t.Fatal("nil image without an error")
		}
	})
}
