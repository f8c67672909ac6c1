package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// splitResponse checks a response frame's size prefix and correlation id,
// and returns what follows the correlation id.
func splitResponse(t *testing.T, frame []byte, corr int32) []byte {
	t.Helper()
	if len(frame) < 8 {
		t.Fatalf("%d-byte response frame", len(frame))
	}
	if size := binary.BigEndian.Uint32(frame); int(size) != len(frame)-4 {
		t.Fatalf("size prefix %d for %d bytes", size, len(frame)-4)
	}
	if got := int32(binary.BigEndian.Uint32(frame[4:])); got != corr {
		t.Fatalf("correlation id %d, want %d", got, corr)
	}
	return frame[8:]
}

// TestAppendResponse writes every response kmsg knows at three versions and
// decodes the frame as a client does: header v1 (one empty tag byte) for
// flexible versions, header v0 otherwise and always for ApiVersions.
func TestAppendResponse(t *testing.T) {
	for _, key := range knownKeys() {
		max := kmsg.ResponseForKey(key).MaxVersion()
		for _, version := range sampleVersions(max) {
			t.Run(fmt.Sprintf("%s/v%d", kmsg.NameForKey(key), version), func(t *testing.T) {
				resp := kmsg.ResponseForKey(key)
				fillMessage(resp)
				hdr := RequestHeader{APIKey: key, APIVersion: version, CorrelationID: int32(key)<<16 | int32(version)}
				prefix := []byte("earlier frames")
				frame := AppendResponse(append([]byte{}, prefix...), hdr, resp)
				if !bytes.Equal(frame[:len(prefix)], prefix) {
					t.Fatal("AppendResponse changed dst's earlier bytes")
				}
				rest := splitResponse(t, frame[len(prefix):], hdr.CorrelationID)
				if resp.GetVersion() != version {
					t.Fatalf("response version %d, want %d", resp.GetVersion(), version)
				}
				if resp.IsFlexible() && key != 18 {
					if rest[0] != 0 {
						t.Fatalf("flexible response header tag count %d, want 0", rest[0])
					}
					rest = rest[1:]
				}
				want := resp.AppendTo(nil)
				if !bytes.Equal(rest, want) {
					t.Fatalf("body after header differs:\n got %x\nwant %x", rest, want)
				}
				dec := kmsg.ResponseForKey(key)
				dec.SetVersion(version)
				if err := dec.ReadFrom(rest); err != nil {
					t.Fatalf("client decode: %v", err)
				}
				if !bytes.Equal(dec.AppendTo(nil), want) {
					t.Fatal("decoded response differs")
				}
			})
		}
	}
}

// TestAppendResponseHeaders pins the header bytes for the three cases of
// kafka-protocol.md §1.3 rule 2.
func TestAppendResponseHeaders(t *testing.T) {
	t.Run("non-flexible", func(t *testing.T) {
		resp := kmsg.NewPtrMetadataResponse()
		frame := AppendResponse(nil, RequestHeader{APIKey: 3, APIVersion: 8, CorrelationID: 0x01020304}, resp)
		body := resp.AppendTo(nil)
		want := append([]byte{0, 0, 0, byte(4 + len(body)), 1, 2, 3, 4}, body...)
		if !bytes.Equal(frame, want) {
			t.Fatalf("got %x\nwant %x", frame, want)
		}
	})
	t.Run("flexible", func(t *testing.T) {
		resp := kmsg.NewPtrMetadataResponse()
		frame := AppendResponse(nil, RequestHeader{APIKey: 3, APIVersion: 12, CorrelationID: 0x01020304}, resp)
		body := resp.AppendTo(nil)
		want := append([]byte{0, 0, 0, byte(5 + len(body)), 1, 2, 3, 4, 0}, body...)
		if !bytes.Equal(frame, want) {
			t.Fatalf("got %x\nwant %x", frame, want)
		}
	})
	for v := int16(0); v <= kmsg.NewPtrApiVersionsResponse().MaxVersion(); v++ {
		t.Run(fmt.Sprintf("ApiVersions v%d header v0", v), func(t *testing.T) {
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.ErrorCode = 0x0123 // a first body byte that cannot pass for a tag count of 0
			k := kmsg.NewApiVersionsResponseApiKey()
			k.ApiKey, k.MaxVersion = 18, 4
			resp.ApiKeys = append(resp.ApiKeys, k)
			frame := AppendResponse(nil, RequestHeader{APIKey: 18, APIVersion: v, CorrelationID: 9}, resp)
			rest := splitResponse(t, frame, 9)
			if int16(binary.BigEndian.Uint16(rest)) != 0x0123 {
				t.Fatalf("error code not right after the correlation id: %x", rest)
			}
			dec := kmsg.NewPtrApiVersionsResponse()
			dec.SetVersion(v)
			if err := dec.ReadFrom(rest); err != nil || dec.ErrorCode != 0x0123 || len(dec.ApiKeys) != 1 || dec.ApiKeys[0].MaxVersion != 4 {
				t.Fatalf("decode: %v %+v", err, dec)
			}
		})
	}
}

func TestAppendResponseWrongKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AppendResponse with a Fetch response for a Produce request did not panic")
		}
	}()
	AppendResponse(nil, RequestHeader{APIKey: 0, APIVersion: 9}, kmsg.NewPtrFetchResponse())
}

// TestAppendAPIVersionsFallback checks the KIP-511 answer byte for byte and
// as a v0 ApiVersions response decoded by kmsg, and end to end from a
// request at a version nobody knows yet.
func TestAppendAPIVersionsFallback(t *testing.T) {
	frame := AppendAPIVersionsFallback(nil, 0x0a0b0c0d, 35, 0, 4)
	want := []byte{
		0, 0, 0, 16, // size
		0x0a, 0x0b, 0x0c, 0x0d, // correlation id, header v0
		0, 35, // error code UNSUPPORTED_VERSION
		0, 0, 0, 1, // ApiKeys: one entry (int32 length: v0 is not flexible)
		0, 18, 0, 0, 0, 4, // {ApiVersions, min 0, max 4}
	}
	if !bytes.Equal(frame, want) {
		t.Fatalf("got  %x\nwant %x", frame, want)
	}
	resp := kmsg.NewPtrApiVersionsResponse() // v0
	if err := resp.ReadFrom(splitResponse(t, frame, 0x0a0b0c0d)); err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 35 || len(resp.ApiKeys) != 1 || resp.ApiKeys[0].ApiKey != 18 || resp.ApiKeys[0].MinVersion != 0 || resp.ApiKeys[0].MaxVersion != 4 {
		t.Fatalf("decoded %+v", resp)
	}

	// End to end: a client at v127 gets the fallback for its correlation id.
	in := RequestHeader{APIKey: 18, APIVersion: 127, CorrelationID: 31337, ClientID: strp("future"), Flexible: true}
	hdr, _, err := ParseRequest(buildFrame(in, nil, []byte{0xff}))
	if err == nil {
		t.Fatal("v127 parsed")
	}
	out := AppendAPIVersionsFallback([]byte("x"), hdr.CorrelationID, 35, 0, 4)
	if !bytes.Equal(out[1+4:1+8], []byte{0, 0, 0x7a, 0x69}) {
		t.Errorf("fallback correlation id %x", out[5:9])
	}
}
