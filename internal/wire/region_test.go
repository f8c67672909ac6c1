package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRegionResponseMatchesPlainEncoding: a fetch response whose records
// are file regions, once its parts are concatenated (regions read from the
// file), must be byte-identical to the same response encoded with the
// records inline, for non-flexible and flexible versions.
func TestRegionResponseMatchesPlainEncoding(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	path := filepath.Join(dir, "seg")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	regions := []Region{{File: f, Offset: 10, Size: 300}, {File: f, Offset: 5000, Size: 200}, {File: f, Offset: 0, Size: 16000}}
	for _, version := range []int16{4, 11, 12, 13, 16} {
		build := func(wrapped *RegionResponse) *kmsg.FetchResponse {
			resp := kmsg.NewPtrFetchResponse()
			resp.Version = version
			for ti, name := range []string{"a", "b"} {
				rt := kmsg.NewFetchResponseTopic()
				rt.Topic = name
				for pi := range 2 {
					p := kmsg.NewFetchResponseTopicPartition()
					p.Partition = int32(pi)
					p.HighWatermark = 99
					idx := ti*2 + pi
					if idx < len(regions) {
						if wrapped != nil {
							p.RecordBatches = wrapped.AddRegion(regions[idx])
						} else {
							r := regions[idx]
							p.RecordBatches = data[r.Offset : r.Offset+r.Size]
						}
					}
					rt.Partitions = append(rt.Partitions, p)
				}
				resp.Topics = append(resp.Topics, rt)
			}
			return resp
		}
		hdr := RequestHeader{APIKey: 1, APIVersion: version, CorrelationID: 42}
		want := AppendResponse(nil, hdr, build(nil))
		wrapped := NewRegionResponse(nil)
		wrapped.Response = build(wrapped)
		parts, _, err := AppendRegionResponse(nil, hdr, wrapped)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		for _, p := range parts {
			if p.Region != nil {
				io.Copy(&got, io.NewSectionReader(p.Region.File, p.Region.Offset, p.Region.Size))
			} else {
				got.Write(p.Bytes)
			}
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("v%d: region encoding (%d bytes, size field %d) differs from the plain one (%d bytes)",
				version, got.Len(), binary.BigEndian.Uint32(got.Bytes()), len(want))
		}
	}
}
