package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
)

func sized(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestReadFrame(t *testing.T) {
	a, b := []byte("first frame"), bytes.Repeat([]byte{7}, 200<<10)
	stream := append(sized(a), sized(b)...)
	for _, tt := range []struct {
		name string
		r    func() io.Reader
	}{
		{"whole", func() io.Reader { return bytes.NewReader(stream) }},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(stream)) }},
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(stream)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r()
			got, err := ReadFrame(r, 1<<20, nil)
			if err != nil || !bytes.Equal(got, a) {
				t.Fatalf("first: %q, %v", got, err)
			}
			got, err = ReadFrame(r, 1<<20, got)
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("second: %d bytes, %v", len(got), err)
			}
			if len(got) != cap(got) {
				t.Errorf("grown body has cap %d for %d bytes", cap(got), len(got))
			}
			if _, err := ReadFrame(r, 1<<20, got); err != io.EOF {
				t.Fatalf("at end: %v, want io.EOF", err)
			}
		})
	}
}

func TestReadFrameReusesBuffer(t *testing.T) {
	buf := make([]byte, 0, 64)
	got, err := ReadFrame(bytes.NewReader(sized([]byte("hello"))), 100, buf)
	if err != nil || string(got) != "hello" {
		t.Fatalf("%q, %v", got, err)
	}
	if &got[:1][0] != &buf[:1][0] {
		t.Error("body not read into buf although it had the capacity")
	}
	// Too small a buffer is not used for the body.
	small := make([]byte, 0, 4)
	got, _ = ReadFrame(bytes.NewReader(sized([]byte("hello"))), 100, small)
	if &got[:1][0] == &small[:1][0] || string(got) != "hello" {
		t.Errorf("body %q in a too small buffer", got)
	}
	// A reused buffer large enough: no allocation at all.
	frame := sized(bytes.Repeat([]byte{1}, 1000))
	big := make([]byte, 0, 2000)
	r := bytes.NewReader(frame)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(frame)
		if _, err := ReadFrame(r, 1<<20, big); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per ReadFrame with a large enough buffer", allocs)
	}
}

func TestReadFrameErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		in   io.Reader
		max  int32
		want error
	}{
		{"empty stream", bytes.NewReader(nil), 100, io.EOF},
		{"partial size", bytes.NewReader([]byte{0, 0}), 100, io.ErrUnexpectedEOF},
		{"missing body", bytes.NewReader([]byte{0, 0, 0, 5}), 100, io.ErrUnexpectedEOF},
		{"partial body", bytes.NewReader([]byte{0, 0, 0, 5, 1, 2}), 100, io.ErrUnexpectedEOF},
		{"partial large body", io.MultiReader(bytes.NewReader([]byte{0, 2, 0, 0}), bytes.NewReader(make([]byte, 100<<10))), 1 << 20, io.ErrUnexpectedEOF},
		{"zero size", bytes.NewReader([]byte{0, 0, 0, 0, 1}), 100, ErrInvalidFrame},
		{"negative size", bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), 100, ErrInvalidFrame},
		{"min int32 size", bytes.NewReader([]byte{0x80, 0, 0, 0}), 100, ErrInvalidFrame},
		{"one over the limit", bytes.NewReader([]byte{0, 0, 0, 101}), 100, ErrFrameTooLarge},
		{"max int32 size", bytes.NewReader([]byte{0x7f, 0xff, 0xff, 0xff}), 1 << 20, ErrFrameTooLarge},
		{"reader error in size", iotest.ErrReader(boom), 100, boom},
		{"reader error in body", io.MultiReader(bytes.NewReader([]byte{0, 0, 0, 5, 1}), iotest.ErrReader(boom)), 100, boom},
		{"timeout in body", iotest.TimeoutReader(bytes.NewReader([]byte{0, 0, 0, 5, 1, 2, 3, 4, 5})), 100, iotest.ErrTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFrame(tt.in, tt.max, make([]byte, 0, 8))
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("ReadFrame = %d bytes, %v; want %v", len(got), err, tt.want)
			}
			if tt.want == io.EOF && err != io.EOF {
				t.Errorf("clean end of stream must be io.EOF itself, got %v", err)
			}
		})
	}
	// Exactly the limit is allowed.
	if got, err := ReadFrame(bytes.NewReader(sized(make([]byte, 100))), 100, nil); err != nil || len(got) != 100 {
		t.Errorf("frame at the limit: %d bytes, %v", len(got), err)
	}
}

// endless returns the same four bytes forever: a peer that declares a huge
// frame and would keep sending.
type endless [4]byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e[i%4]
	}
	return len(p), nil
}

// TestReadFrameOversizedNotAllocated checks that a declared size above the
// limit is refused before any allocation of that size.
func TestReadFrameOversizedNotAllocated(t *testing.T) {
	r := endless{0x7f, 0xff, 0xff, 0xff} // 2 GiB - 1
	buf := make([]byte, 0, 16)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 100
	for i := 0; i < runs; i++ {
		if _, err := ReadFrame(r, 100<<20, buf); !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err = %v", err)
		}
	}
	runtime.ReadMemStats(&after)
	if perCall := (after.TotalAlloc - before.TotalAlloc) / runs; perCall > 1024 {
		t.Errorf("%d bytes allocated per refused frame", perCall)
	}
	if cap(buf) != 16 {
		t.Errorf("buf grew to %d", cap(buf))
	}
}

// stall returns its bytes and then blocks forever (here: reports an error,
// standing in for a read deadline).
type stall struct {
	data []byte
	err  error
}

func (s *stall) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, s.err
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

// TestReadFrameGrowsWithData checks that a large declared frame whose bytes
// never arrive costs memory in proportion to what was sent, not to the
// declared size.
func TestReadFrameGrowsWithData(t *testing.T) {
	deadline := errors.New("read deadline")
	const declared = 64 << 20
	data := binary.BigEndian.AppendUint32(nil, declared)
	data = append(data, make([]byte, 10)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadFrame(&stall{data: data, err: deadline}, 100<<20, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, deadline) {
		t.Fatalf("err = %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("%d bytes allocated for a %d-byte frame of which 10 bytes arrived", alloc, declared)
	}
}

func TestBeginFinishFrame(t *testing.T) {
	dst := []byte("prefix")
	dst, s1 := BeginFrame(dst)
	dst = append(dst, "one"...)
	dst = FinishFrame(dst, s1)
	dst, s2 := BeginFrame(dst)
	dst = FinishFrame(dst, s2) // empty frame
	dst, s3 := BeginFrame(dst)
	dst = append(dst, bytes.Repeat([]byte{9}, 300)...)
	dst = FinishFrame(dst, s3)

	r := bytes.NewReader(dst[len("prefix"):])
	if got, err := ReadFrame(r, 1000, nil); err != nil || string(got) != "one" {
		t.Fatalf("frame 1: %q, %v", got, err)
	}
	if _, err := ReadFrame(r, 1000, nil); !errors.Is(err, ErrInvalidFrame) {
		t.Fatalf("frame 2 (empty) = %v", err)
	}
	if got, err := ReadFrame(r, 1000, nil); err != nil || len(got) != 300 {
		t.Fatalf("frame 3: %d bytes, %v", len(got), err)
	}
	if string(dst[:6]) != "prefix" {
		t.Error("BeginFrame changed earlier bytes")
	}
}

func TestFinishFramePanicsOnBadStart(t *testing.T) {
	for _, start := range []int{-1, 5, 100} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("FinishFrame(8 bytes, %d) did not panic", start)
				}
			}()
			FinishFrame(make([]byte, 8), start)
		}()
	}
}
