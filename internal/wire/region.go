package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Region is a byte range of a file that goes into a response as is: the
// record batches of a fetch, sent from the page cache to the socket with
// sendfile(2) instead of being copied through Go buffers.
type Region struct {
	File   *os.File
	Offset int64
	Size   int64
}

// MarkerSize is the length of a region placeholder.
const MarkerSize = 16

// RegionResponse is a response whose bytes fields (a fetch's records) hold
// placeholders for file regions: NewMarker makes a placeholder to put in the
// field, and the Regions, in encoding order, say what replaces each one.
// package server recognizes it and sends the regions with sendfile.
type RegionResponse struct {
	kmsg.Response
	Regions []Region
	// marker is random per response, so that it cannot collide with
	// anything else the response encodes.
	marker [MarkerSize - 4]byte
}

// NewRegionResponse wraps resp.
func NewRegionResponse(resp kmsg.Response) *RegionResponse {
	r := &RegionResponse{Response: resp}
	binary.LittleEndian.PutUint64(r.marker[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(r.marker[8:], rand.Uint32())
	return r
}

// AddRegion records a region and returns the placeholder to store in the
// response field it replaces. Fields must be encoded in the order their
// regions were added (the order kmsg encodes them: topics, then partitions).
func (r *RegionResponse) AddRegion(reg Region) []byte {
	m := make([]byte, MarkerSize)
	copy(m, r.marker[:])
	binary.BigEndian.PutUint32(m[len(r.marker):], uint32(len(r.Regions)))
	r.Regions = append(r.Regions, reg)
	return m
}

// Part is one piece of a response frame: bytes, or a file region.
type Part struct {
	Bytes  []byte
	Region *Region
}

// AppendRegionResponse encodes resp as a whole frame, split into parts at
// its placeholders: each placeholder and its length prefix are replaced by
// the region's real length prefix (int32 for non-flexible versions, compact
// uvarint for flexible ones) and the region itself. The frame's size field
// counts the regions' bytes. The byte parts alias the returned buffer, which
// is dst grown as needed: the caller may reuse it once the parts are written.
func AppendRegionResponse(dst []byte, hdr RequestHeader, resp *RegionResponse) ([]Part, []byte, error) {
	enc := AppendResponse(dst[:0], hdr, resp.Response)
	flexible := resp.Response.IsFlexible()
	var parts []Part
	total := int64(len(enc) - 4)
	pos := 4
	for i, reg := range resp.Regions {
		var m [MarkerSize]byte
		copy(m[:], resp.marker[:])
		binary.BigEndian.PutUint32(m[len(resp.marker):], uint32(i))
		at := bytes.Index(enc[pos:], m[:])
		if at < 0 {
			return nil, enc, fmt.Errorf("wire: region placeholder %d not found in the encoded response", i)
		}
		at += pos
		prefixLen := 4
		if flexible {
			prefixLen = 1 // uvarint(MarkerSize+1) is one byte
		}
		head := enc[pos : at-prefixLen]
		var prefix []byte
		if flexible {
			prefix = binary.AppendUvarint(nil, uint64(reg.Size+1))
		} else {
			prefix = binary.BigEndian.AppendUint32(nil, uint32(reg.Size))
		}
		parts = append(parts, Part{Bytes: head}, Part{Bytes: prefix}, Part{Region: &resp.Regions[i]})
		total += int64(len(prefix)-prefixLen) + reg.Size - MarkerSize
		pos = at + MarkerSize
	}
	parts = append(parts, Part{Bytes: enc[pos:]})
	if total > 1<<31-1 {
		return nil, enc, fmt.Errorf("wire: response of %d bytes is too large for a frame", total)
	}
	binary.BigEndian.PutUint32(enc, uint32(total)) // the frame's size field
	return append([]Part{{Bytes: enc[:4]}}, parts...), enc, nil
}
