package wire

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// sameHeader reports whether two headers are equal, comparing client ids by
// value.
func sameHeader(a, b RequestHeader) bool {
	if (a.ClientID == nil) != (b.ClientID == nil) {
		return false
	}
	if a.ClientID != nil && *a.ClientID != *b.ClientID {
		return false
	}
	a.ClientID, b.ClientID = nil, nil
	return a == b
}

func fmtHeader(h RequestHeader) string {
	cid := "<null>"
	if h.ClientID != nil {
		cid = fmt.Sprintf("%q", *h.ClientID)
	}
	return fmt.Sprintf("{key %d v%d corr %d client %s flexible %v}", h.APIKey, h.APIVersion, h.CorrelationID, cid, h.Flexible)
}

// TestParseRequestRoundTrip encodes every request kmsg knows, at its lowest,
// a middle and its highest version, the way a client does, and checks that
// ParseRequest returns the same header and a request that re-encodes to the
// same bytes.
func TestParseRequestRoundTrip(t *testing.T) {
	for _, key := range knownKeys() {
		max := kmsg.RequestForKey(key).MaxVersion()
		for _, version := range sampleVersions(max) {
			t.Run(fmt.Sprintf("%s/v%d", kmsg.NameForKey(key), version), func(t *testing.T) {
				req := filledRequest(t, key, version)
				want := req.AppendTo(nil)
				for _, clientID := range []*string{nil, strp(""), strp("samsa-test-client")} {
					corr := int32(key)*1000 + int32(version)
					frame := requestFrame(req, corr, clientID)
					hdr, got, err := ParseRequest(frame)
					if err != nil {
						t.Fatalf("ParseRequest: %v", err)
					}
					wantHdr := RequestHeader{APIKey: key, APIVersion: version, CorrelationID: corr, ClientID: clientID, Flexible: req.IsFlexible()}
					if key == 7 && version == 0 {
						wantHdr.ClientID = nil // header v0 has no client id
					}
					if !sameHeader(hdr, wantHdr) {
						t.Fatalf("header = %s, want %s", fmtHeader(hdr), fmtHeader(wantHdr))
					}
					if got.Key() != key || got.GetVersion() != version {
						t.Fatalf("request key %d v%d, want %d v%d", got.Key(), got.GetVersion(), key, version)
					}
					if enc := got.AppendTo(nil); !bytes.Equal(enc, want) {
						t.Fatalf("re-encoded request differs:\n got %x\nwant %x", enc, want)
					}
				}
			})
		}
	}
}

// TestParseRequestMatchesKmsgFormatter checks the hand-built test headers
// against franz-go's own client-side encoding (kmsg.RequestFormatter, used
// by kgo), and that ParseRequest reads what a real client writes.
func TestParseRequestMatchesKmsgFormatter(t *testing.T) {
	formatters := map[string]*kmsg.RequestFormatter{
		"null-client-id": kmsg.NewRequestFormatter(),
		"client-id":      kmsg.NewRequestFormatter(kmsg.FormatterClientID("kgo")),
	}
	for _, key := range knownKeys() {
		max := kmsg.RequestForKey(key).MaxVersion()
		for _, version := range sampleVersions(max) {
			if key == 7 && version == 0 {
				// The formatter writes only the header for
				// ControlledShutdown v0 (no body, no size): nothing
				// to compare. TestParseRequestControlledShutdownV0
				// covers it.
				continue
			}
			for name, f := range formatters {
				req := filledRequest(t, key, version)
				full := f.AppendRequest(nil, req, 42)
				frame := full[4:]
				var clientID *string
				if name == "client-id" {
					clientID = strp("kgo")
				}
				if mine := requestFrame(req, 42, clientID); !bytes.Equal(mine, frame) {
					t.Fatalf("%s v%d %s: hand-built frame differs from kmsg.RequestFormatter's", kmsg.NameForKey(key), version, name)
				}
				hdr, got, err := ParseRequest(frame)
				if err != nil {
					t.Fatalf("%s v%d %s: %v", kmsg.NameForKey(key), version, name, err)
				}
				if hdr.CorrelationID != 42 || !bytes.Equal(got.AppendTo(nil), req.AppendTo(nil)) {
					t.Fatalf("%s v%d %s: mismatch", kmsg.NameForKey(key), version, name)
				}
			}
		}
	}
}

// TestParseRequestAPIVersions covers KIP-511: every version kmsg decodes
// parses; any other returns ErrUnsupportedVersion with the header intact so
// the broker can answer with the v0 fallback.
func TestParseRequestAPIVersions(t *testing.T) {
	max := kmsg.NewPtrApiVersionsRequest().MaxVersion()
	for v := int16(0); v <= max; v++ {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			req := kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(v)
			req.ClientSoftwareName = "samsa-test"
			req.ClientSoftwareVersion = "1.0.0"
			hdr, got, err := ParseRequest(requestFrame(req, 7, strp("c")))
			if err != nil {
				t.Fatal(err)
			}
			if hdr.Flexible != (v >= 3) {
				t.Errorf("Flexible = %v at v%d", hdr.Flexible, v)
			}
			r := got.(*kmsg.ApiVersionsRequest)
			if v >= 3 && (r.ClientSoftwareName != "samsa-test" || r.ClientSoftwareVersion != "1.0.0") {
				t.Errorf("software = %q %q", r.ClientSoftwareName, r.ClientSoftwareVersion)
			}
		})
	}
	for _, v := range []int16{max + 1, 99, 0x7fff, -1, -32768} {
		t.Run(fmt.Sprintf("unsupported-v%d", v), func(t *testing.T) {
			// A future version: flexible header with a tag, then a body
			// in a layout nobody knows yet.
			in := RequestHeader{APIKey: 18, APIVersion: v, CorrelationID: 12345, ClientID: strp("future-client"), Flexible: true}
			frame := buildFrame(in, []headerTag{{tag: 3, data: []byte("?")}}, []byte{0xde, 0xad, 0xbe, 0xef})
			hdr, req, err := ParseRequest(frame)
			if !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("err = %v, want ErrUnsupportedVersion", err)
			}
			if req != nil {
				t.Errorf("request = %v, want nil", req)
			}
			want := in
			want.Flexible = false // not decoded
			if !sameHeader(hdr, want) {
				t.Errorf("header = %s, want %s", fmtHeader(hdr), fmtHeader(want))
			}
		})
	}
}

func TestParseRequestUnsupportedVersionOtherKeys(t *testing.T) {
	for _, key := range []int16{0, 1, 3} {
		max := kmsg.RequestForKey(key).MaxVersion()
		in := RequestHeader{APIKey: key, APIVersion: max + 1, CorrelationID: 5, ClientID: strp("x")}
		hdr, req, err := ParseRequest(buildFrame(in, nil, []byte{1, 2, 3}))
		if !errors.Is(err, ErrUnsupportedVersion) || req != nil || !sameHeader(hdr, in) {
			t.Errorf("key %d v%d: header %s, request %v, err %v", key, max+1, fmtHeader(hdr), req, err)
		}
	}
}

func TestParseRequestUnknownKey(t *testing.T) {
	for _, key := range []int16{9999, -1, kmsg.MaxKey + 1, 32767} {
		frame := buildFrame(RequestHeader{APIKey: key, APIVersion: 3, CorrelationID: -7, ClientID: strp("c")}, nil, []byte{0})
		hdr, req, err := ParseRequest(frame)
		if !errors.Is(err, ErrUnknownAPIKey) {
			t.Fatalf("key %d: err = %v, want ErrUnknownAPIKey", key, err)
		}
		want := RequestHeader{APIKey: key, APIVersion: 3, CorrelationID: -7} // client id not read
		if req != nil || !sameHeader(hdr, want) {
			t.Errorf("key %d: header %s, request %v", key, fmtHeader(hdr), req)
		}
	}
}

// TestParseRequestTruncated cuts real requests at every length: each prefix
// must fail with ErrMalformedRequest (and never panic), keeping whatever of
// the header it had.
func TestParseRequestTruncated(t *testing.T) {
	cases := []struct {
		key, version int16
	}{{0, 3}, {0, 9}, {1, 4}, {1, 12}, {3, 12}, {18, 3}, {7, 0}, {11, 9}}
	for _, c := range cases {
		req := filledRequest(t, c.key, c.version)
		frame := requestFrame(req, 99, strp("client"))
		for n := 0; n < len(frame); n++ {
			hdr, got, err := ParseRequest(frame[:n:n])
			if !errors.Is(err, ErrMalformedRequest) || got != nil {
				t.Fatalf("%s v%d cut at %d/%d: request %v, err %v", kmsg.NameForKey(c.key), c.version, n, len(frame), got, err)
			}
			if n >= fixedHeaderLen && (hdr.APIKey != c.key || hdr.APIVersion != c.version || hdr.CorrelationID != 99) {
				t.Fatalf("cut at %d: header %s", n, fmtHeader(hdr))
			}
		}
	}
}

// TestParseRequestTrailingBytes documents the policy: bytes after the body
// are ignored, as the Java broker ignores them.
func TestParseRequestTrailingBytes(t *testing.T) {
	for _, c := range []struct{ key, version int16 }{{0, 8}, {0, 11}, {18, 0}, {18, 4}, {3, 12}} {
		req := filledRequest(t, c.key, c.version)
		frame := append(requestFrame(req, 1, nil), 0xff, 0x00, 0x13, 0x37)
		_, got, err := ParseRequest(frame)
		if err != nil {
			t.Fatalf("%s v%d: %v", kmsg.NameForKey(c.key), c.version, err)
		}
		if !bytes.Equal(got.AppendTo(nil), req.AppendTo(nil)) {
			t.Fatalf("%s v%d: request changed by trailing bytes", kmsg.NameForKey(c.key), c.version)
		}
	}
}

func TestParseRequestClientID(t *testing.T) {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(4) // header v1
	body := req.AppendTo(nil)
	tests := []struct {
		name   string
		header []byte // after key, version, correlation id
		want   *string
	}{
		{"null", []byte{0xff, 0xff}, nil},
		{"other negative length is null", []byte{0x80, 0x00}, nil},
		{"empty", []byte{0, 0}, strp("")},
		{"ascii", []byte{0, 3, 'a', 'b', 'c'}, strp("abc")},
		{"utf8", append([]byte{0, 4}, "é€"[:4]...), strp("é€"[:4])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := append([]byte{0, 3, 0, 4, 0, 0, 0, 9}, tt.header...)
			frame = append(frame, body...)
			hdr, _, err := ParseRequest(frame)
			if err != nil {
				t.Fatal(err)
			}
			if !sameHeader(hdr, RequestHeader{APIKey: 3, APIVersion: 4, CorrelationID: 9, ClientID: tt.want}) {
				t.Errorf("header %s", fmtHeader(hdr))
			}
		})
	}
	// The client id is a copy: reusing the frame must not change it.
	frame := append([]byte{0, 3, 0, 4, 0, 0, 0, 9, 0, 3, 'a', 'b', 'c'}, body...)
	hdr, _, _ := ParseRequest(frame)
	frame[10] = 'X'
	if *hdr.ClientID != "abc" {
		t.Errorf("client id aliases the frame: %q", *hdr.ClientID)
	}
}

// TestParseRequestHeaderTags checks that unknown tagged fields in a v2
// header are skipped (KIP-482) and malformed tag sections are refused.
func TestParseRequestHeaderTags(t *testing.T) {
	req := filledRequest(t, 3, 12) // Metadata v12: flexible
	body := req.AppendTo(nil)
	in := RequestHeader{APIKey: 3, APIVersion: 12, CorrelationID: 77, ClientID: strp("tags"), Flexible: true}
	t.Run("unknown tags skipped", func(t *testing.T) {
		for _, tags := range [][]headerTag{
			nil,
			{{tag: 0, data: []byte("abc")}},
			{{tag: 0, data: nil}, {tag: 1, data: bytes.Repeat([]byte{0xff}, 300)}, {tag: 1 << 20, data: []byte{1}}},
		} {
			hdr, got, err := ParseRequest(buildFrame(in, tags, body))
			if err != nil {
				t.Fatalf("%d tags: %v", len(tags), err)
			}
			if !sameHeader(hdr, in) || !bytes.Equal(got.AppendTo(nil), body) {
				t.Fatalf("%d tags: header %s or body differs", len(tags), fmtHeader(hdr))
			}
		}
	})
	prefix := buildFrame(RequestHeader{APIKey: 3, APIVersion: 12, CorrelationID: 77, ClientID: strp("tags")}, nil, nil)
	for _, tt := range []struct {
		name string
		tags []byte
	}{
		{"missing count", nil},
		{"count without fields", []byte{1}},
		{"huge count", []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0}},
		{"count above half the rest", []byte{3, 0, 0, 0, 0}},
		{"size overruns", []byte{1, 0, 5, 'a', 'b'}},
		{"truncated tag varint", []byte{1, 0x80}},
		{"truncated size varint", []byte{1, 0, 0x80}},
		{"six-byte varint", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}},
		{"varint above 32 bits", []byte{0x80, 0x80, 0x80, 0x80, 0x10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			frame := append(append([]byte{}, prefix...), tt.tags...)
			hdr, got, err := ParseRequest(frame)
			if !errors.Is(err, ErrMalformedRequest) || got != nil {
				t.Fatalf("request %v, err %v", got, err)
			}
			if hdr.CorrelationID != 77 || *hdr.ClientID != "tags" {
				t.Errorf("header %s", fmtHeader(hdr))
			}
		})
	}
}

func TestReadUvarint(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want uint32
		ok   bool
	}{
		{[]byte{0}, 0, true},
		{[]byte{0x7f}, 127, true},
		{[]byte{0x80, 0x01}, 128, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 0, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x8f, 0x00}, 0, false},
		{[]byte{0x80}, 0, false},
		{nil, 0, false},
	} {
		got, rest, ok := readUvarint(append(tt.in, 0xaa))
		if ok != tt.ok || got != tt.want || (ok && (len(rest) != 1 || rest[0] != 0xaa)) {
			t.Errorf("readUvarint(%x) = %d, %x, %v; want %d, %v", tt.in, got, rest, ok, tt.want, tt.ok)
		}
	}
}

// TestParseRequestControlledShutdownV0 covers the one request with header
// v0: no client id, the body follows the correlation id.
func TestParseRequestControlledShutdownV0(t *testing.T) {
	req := kmsg.NewPtrControlledShutdownRequest()
	req.SetVersion(0)
	req.BrokerID = 3
	// Header v0: key, version, correlation id, then the body.
	frame := append([]byte{0, 7, 0, 0, 0, 0, 0, 11}, req.AppendTo(nil)...)
	hdr, got, err := ParseRequest(frame)
	if err != nil {
		t.Fatal(err)
	}
	if hdr.ClientID != nil || hdr.CorrelationID != 11 || got.(*kmsg.ControlledShutdownRequest).BrokerID != 3 {
		t.Errorf("header %s, broker %d", fmtHeader(hdr), got.(*kmsg.ControlledShutdownRequest).BrokerID)
	}
}

// TestParseHeaderDecodeBody checks that the two halves compose to
// ParseRequest and that DecodeBody refuses headers ParseHeader would not
// have produced.
func TestParseHeaderDecodeBody(t *testing.T) {
	req := filledRequest(t, 0, 9)
	frame := requestFrame(req, 3, strp("p"))
	hdr, body, err := ParseHeader(frame)
	if err != nil {
		t.Fatal(err)
	}
	if !hdr.Flexible || hdr.APIKey != 0 || *hdr.ClientID != "p" {
		t.Fatalf("header %s", fmtHeader(hdr))
	}
	if !bytes.Equal(body, req.AppendTo(nil)) {
		t.Fatal("body is not the bytes after the header")
	}
	got, err := DecodeBody(hdr, body)
	if err != nil || !bytes.Equal(got.AppendTo(nil), body) {
		t.Fatalf("DecodeBody: %v", err)
	}
	if _, err := DecodeBody(RequestHeader{APIKey: 9999}, body); !errors.Is(err, ErrUnknownAPIKey) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := DecodeBody(RequestHeader{APIKey: 0, APIVersion: 99}, body); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("unsupported version: %v", err)
	}
	if _, err := DecodeBody(hdr, body[:len(body)-1]); !errors.Is(err, ErrMalformedRequest) {
		t.Errorf("truncated body: %v", err)
	}
	// Errors from ParseHeader match ParseRequest's.
	if _, _, err := ParseHeader(buildFrame(RequestHeader{APIKey: 18, APIVersion: 99, ClientID: strp("c")}, nil, nil)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("ParseHeader unsupported: %v", err)
	}
}

// panickyRequest is a kmsg.Request whose decoder panics, standing in for a
// kmsg bug triggered by hostile input.
type panickyRequest struct{ kmsg.ApiVersionsRequest }

func (*panickyRequest) ReadFrom([]byte) error { panic("index out of range [7] with length 3") }

// TestDecodeBodyRecoversPanic checks that a panicking decoder yields
// ErrMalformedRequest instead of crashing the broker. No kmsg v1.15.0
// decoder was found to panic (see FuzzParseRequest); the recovery guards
// against future releases.
func TestDecodeBodyRecoversPanic(t *testing.T) {
	err := decodeBody(RequestHeader{APIKey: 18}, new(panickyRequest), []byte{1, 2, 3})
	if !errors.Is(err, ErrMalformedRequest) {
		t.Fatalf("err = %v, want ErrMalformedRequest", err)
	}
}

// TestDecodeAllocationAmplification measures what the package documentation
// states: kmsg preallocates an array from its declared length, checked only
// against the bytes left, so a frame of zeros claiming one element per byte
// makes the decoder allocate element-size bytes per frame byte (64 for
// FetchRequestTopic, up to 152 for LeaderAndISR partition states) before it
// fails. The server must budget request memory with this factor.
func TestDecodeAllocationAmplification(t *testing.T) {
	const n = 1 << 16
	// Fetch v4 body: ReplicaID, MaxWaitMillis, MinBytes, MaxBytes,
	// IsolationLevel, then Topics claiming n elements, then n zero bytes.
	body := []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}
	body = append(body, make([]byte, n)...)
	frame := buildFrame(RequestHeader{APIKey: 1, APIVersion: 4, ClientID: strp("c")}, nil, body)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ParseRequest(frame)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrMalformedRequest) {
		t.Fatalf("err = %v", err)
	}
	factor := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(frame))
	t.Logf("%d-byte frame: %.0f bytes allocated per frame byte", len(frame), factor)
	if factor > 2*152 {
		t.Errorf("allocation factor %.0f exceeds the documented bound", factor)
	}
}
