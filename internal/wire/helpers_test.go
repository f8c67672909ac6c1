package wire

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// headerTag is one tagged field to put in a hand-built request header v2.
type headerTag struct {
	tag  uint32
	data []byte
}

// buildFrame encodes a request frame (without the size prefix) the way a
// client does, by hand from the protocol specification rather than with this
// package's code: api key, api version, correlation id, then (except for
// ControlledShutdown v0, header v0) the client id as an int16-length nullable
// string, then for header v2 (hdr.Flexible) the tagged fields, then body.
func buildFrame(hdr RequestHeader, tags []headerTag, body []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(hdr.APIKey))
	b = binary.BigEndian.AppendUint16(b, uint16(hdr.APIVersion))
	b = binary.BigEndian.AppendUint32(b, uint32(hdr.CorrelationID))
	if hdr.APIKey != 7 || hdr.APIVersion != 0 {
		if hdr.ClientID == nil {
			b = binary.BigEndian.AppendUint16(b, 0xffff)
		} else {
			b = binary.BigEndian.AppendUint16(b, uint16(len(*hdr.ClientID)))
			b = append(b, *hdr.ClientID...)
		}
	}
	if hdr.Flexible {
		b = binary.AppendUvarint(b, uint64(len(tags)))
		for _, t := range tags {
			b = binary.AppendUvarint(b, uint64(t.tag))
			b = binary.AppendUvarint(b, uint64(len(t.data)))
			b = append(b, t.data...)
		}
	}
	return append(b, body...)
}

// requestFrame encodes req at its current version with a header built by
// buildFrame (no header tags).
func requestFrame(req kmsg.Request, corr int32, clientID *string) []byte {
	hdr := RequestHeader{
		APIKey:        req.Key(),
		APIVersion:    req.GetVersion(),
		CorrelationID: corr,
		ClientID:      clientID,
		Flexible:      req.IsFlexible(),
	}
	return buildFrame(hdr, nil, req.AppendTo(nil))
}

// knownKeys returns every api key kmsg has a request type for.
func knownKeys() []int16 {
	var keys []int16
	for k := int16(0); k <= kmsg.MaxKey; k++ {
		if kmsg.RequestForKey(k) != nil {
			keys = append(keys, k)
		}
	}
	return keys
}

// sampleVersions returns the lowest, a middle and the highest version of a
// message whose highest version is max, without duplicates.
func sampleVersions(max int16) []int16 {
	vs := []int16{0}
	if max/2 > 0 {
		vs = append(vs, max/2)
	}
	if max > max/2 {
		vs = append(vs, max)
	}
	return vs
}

// filler sets every exported field of a kmsg message to a non-zero value,
// deterministically, so round trips exercise every field a version encodes
// (including tagged fields, which kmsg writes only when not the default).
type filler struct{ n int }

func (f *filler) next() int { f.n++; return f.n }

// fillMessage fills a pointer to a kmsg request or response, leaving its
// Version alone.
func fillMessage(msg any) {
	var f filler
	v := reflect.ValueOf(msg).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Name == "Version" {
			continue
		}
		f.fill(v.Field(i), 1)
	}
}

func (f *filler) fill(v reflect.Value, depth int) {
	if !v.CanSet() {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next()%100 + 1))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.next()%100 + 1))
	case reflect.Float64:
		v.SetFloat(float64(f.next()) + 0.5)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", f.next()))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth)
		v.Set(p)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			f.fill(v.Index(i), depth)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(fmt.Sprintf("bytes-%d", f.next())))
			return
		}
		n := 2
		if depth > 3 {
			n = 1
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f.fill(v.Field(i), depth)
		}
	}
}

// filledRequest returns a filled request for key at version.
func filledRequest(t testing.TB, key, version int16) kmsg.Request {
	t.Helper()
	req := kmsg.RequestForKey(key)
	if req == nil {
		t.Fatalf("no request for key %d", key)
	}
	fillMessage(req)
	req.SetVersion(version)
	return req
}

// strp returns a pointer to s.
func strp(s string) *string { return &s }
