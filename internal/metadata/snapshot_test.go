package metadata

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	for _, img := range []*Image{EmptyImage(), mustApply(t, EmptyImage(), 42, fullImageRecords()...)} {
		var buf bytes.Buffer
		if err := img.WriteSnapshot(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSnapshot(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got.Offset() != img.Offset() || !reflect.DeepEqual(got.Records(), img.Records()) {
			t.Fatalf("snapshot round trip: offset %d, want %d", got.Offset(), img.Offset())
		}
		b := buf.Bytes()
		for n := range len(b) {
			if _, err := ReadSnapshot(bytes.NewReader(b[:n])); !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("%d of %d bytes: %v", n, len(b), err)
			}
		}
		for i := range b {
			flipped := bytes.Clone(b)
			flipped[i] ^= 1
			if _, err := ReadSnapshot(bytes.NewReader(flipped)); err == nil {
				t.Fatalf("a flipped bit at byte %d went unnoticed", i)
			}
		}
		if _, err := ReadSnapshot(bytes.NewReader(append(bytes.Clone(b), 0))); !errors.Is(err, ErrCorruptRecord) {
			t.Fatalf("trailing byte: %v", err)
		}
	}
}
