package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/wire"
)

// testHandler answers ApiVersions (v0-3) and Metadata with empty bodies,
// panics on DescribeGroups, and blocks on ListGroups until released.
type testHandler struct {
	release chan struct{}
	handled atomic.Int64
}

func (h *testHandler) APIVersionsRange() (int16, int16) { return 0, 3 }

func (h *testHandler) Handle(ctx context.Context, c *wire.ClientInfo, hdr wire.RequestHeader, req kmsg.Request) (kmsg.Response, error) {
	h.handled.Add(1)
	switch r := req.(type) {
	case *kmsg.DescribeGroupsRequest:
		panic("boom")
	case *kmsg.ListGroupsRequest:
		<-h.release
		resp := r.ResponseKind()
		resp.SetVersion(hdr.APIVersion)
		return resp, nil
	case *kmsg.ProduceRequest:
		return nil, nil // acks=0: no response
	default:
		resp := req.ResponseKind()
		resp.SetVersion(hdr.APIVersion)
		return resp, nil
	}
}

func startServer(t *testing.T, h Handler, mod func(*Options)) *Server {
	t.Helper()
	o := DefaultOptions()
	o.Listeners = []Listener{{Name: "PLAINTEXT", Addr: "127.0.0.1:0"}}
	if mod != nil {
		mod(&o)
	}
	s, err := New(o, h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr("PLAINTEXT").String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// request encodes a request frame with a v1 or v2 header, as clients do.
func request(req kmsg.Request, version int16, correlation int32) []byte {
	req.SetVersion(version)
	body := []byte{0, 0, 0, 0}
	body = binary.BigEndian.AppendUint16(body, uint16(req.Key()))
	body = binary.BigEndian.AppendUint16(body, uint16(version))
	body = binary.BigEndian.AppendUint32(body, uint32(correlation))
	body = binary.BigEndian.AppendUint16(body, 4)
	body = append(body, "test"...)
	if req.IsFlexible() {
		body = append(body, 0) // no header tags
	}
	body = req.AppendTo(body)
	binary.BigEndian.PutUint32(body, uint32(len(body)-4))
	return body
}

// readResponse reads one frame and returns the correlation id and the bytes after it.
func readResponse(t *testing.T, r io.Reader) (int32, []byte) {
	t.Helper()
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		t.Fatalf("reading response size: %v", err)
	}
	buf := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	return int32(binary.BigEndian.Uint32(buf)), buf[4:]
}

func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, errTimeout(err)) {
		t.Fatalf("connection still open (read err %v)", err)
	}
}

func errTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return err
	}
	return errors.New("not a timeout")
}

func TestResponsesInOrderAndPipelined(t *testing.T) {
	s := startServer(t, &testHandler{}, nil)
	c := dial(t, s)
	var out []byte
	for i := range int32(20) {
		out = append(out, request(kmsg.NewPtrMetadataRequest(), 1+int16(i%12), i)...)
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for i := range int32(20) {
		if corr, _ := readResponse(t, r); corr != i {
			t.Fatalf("response %d has correlation id %d", i, corr)
		}
	}
}

func TestAPIVersionsAboveRangeGetsKIP511Answer(t *testing.T) {
	s := startServer(t, &testHandler{}, nil)
	for _, v := range []int16{4, 5} { // 4 decodes with kmsg but is above our 3; 5 is kmsg's max
		c := dial(t, s)
		req := kmsg.NewPtrApiVersionsRequest()
		req.ClientSoftwareName, req.ClientSoftwareVersion = "t", "1"
		c.Write(request(req, v, 7))
		corr, body := readResponse(t, c)
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.Version = 0
		if err := resp.ReadFrom(body); err != nil || corr != 7 {
			t.Fatalf("v%d: decoding v0 fallback: %v (corr %d)", v, err, corr)
		}
		if resp.ErrorCode != 35 || len(resp.ApiKeys) != 1 || resp.ApiKeys[0].ApiKey != 18 || resp.ApiKeys[0].MaxVersion != 3 {
			t.Fatalf("v%d: fallback %+v", v, resp)
		}
	}
}

func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	h := &testHandler{}
	s := startServer(t, h, func(o *Options) { o.MaxRequestSize = 1 << 10 })
	good := dial(t, s)
	cases := map[string][]byte{
		"oversized frame":  {0x7f, 0xff, 0xff, 0xff},
		"negative size":    {0xff, 0xff, 0xff, 0xfe},
		"unknown api key":  {0, 0, 0, 8, 0x27, 0x0f, 0, 0, 0, 0, 0, 1},
		"garbage body":     append([]byte{0, 0, 0, 12, 0, 3, 0, 9, 0, 0, 0, 1, 0xff, 0xff}, 0xde, 0xad),
		"handler panics":   request(kmsg.NewPtrDescribeGroupsRequest(), 0, 1),
		"truncated header": {0, 0, 0, 3, 0, 3, 0},
	}
	for name, frame := range cases {
		t.Run(name, func(t *testing.T) {
			c := dial(t, s)
			c.Write(frame)
			expectClosed(t, c)
		})
	}
	// The other connection is unaffected.
	good.Write(request(kmsg.NewPtrMetadataRequest(), 4, 99))
	if corr, _ := readResponse(t, good); corr != 99 {
		t.Fatalf("healthy connection got correlation %d", corr)
	}
}

func TestAcksZeroProduceGetsNoResponse(t *testing.T) {
	s := startServer(t, &testHandler{}, nil)
	c := dial(t, s)
	c.Write(request(kmsg.NewPtrProduceRequest(), 7, 1))
	c.Write(request(kmsg.NewPtrMetadataRequest(), 4, 2))
	if corr, _ := readResponse(t, c); corr != 2 {
		t.Fatalf("first response has correlation %d, want 2 (acks=0 produce must not answer)", corr)
	}
}

func TestIdleConnectionsAreClosedAndCapIsEnforced(t *testing.T) {
	s := startServer(t, &testHandler{}, func(o *Options) { o.IdleTimeout = 100 * time.Millisecond; o.MaxConnections = 2 })
	a := dial(t, s)
	expectClosed(t, a)
	b, c := dial(t, s), dial(t, s)
	time.Sleep(20 * time.Millisecond)
	third := dial(t, s)
	expectClosed(t, third)
	_ = b
	_ = c
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	h := &testHandler{release: make(chan struct{})}
	s := startServer(t, h, nil)
	c := dial(t, s)
	c.Write(request(kmsg.NewPtrListGroupsRequest(), 3, 5))
	for h.handled.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	if _, err := net.Dial("tcp", s.Addr("PLAINTEXT").String()); err == nil {
		t.Fatal("server still accepts connections while shutting down")
	}
	close(h.release)
	if corr, _ := readResponse(t, c); corr != 5 {
		t.Fatalf("in-flight request answered with correlation %d", corr)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c)
}
