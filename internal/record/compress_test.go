package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

var allCodecs = []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd}

// testInputs are payloads of different shapes: empty, tiny, compressible,
// incompressible, and larger than one lz4 block or xerial chunk.
func testInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	return map[string][]byte{
		"empty":        {},
		"one byte":     {42},
		"text":         bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog "), 50),
		"random 300K":  random,
		"zeros 1M":     make([]byte, 1<<20),
		"records-like": mustBody(Build(DefaultBatchOptions(), sampleRecords(150, 100))),
	}
}

func mustBody(b Batch, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b.RecordsSection()
}

func TestCompressRoundTrip(t *testing.T) {
	for _, c := range allCodecs {
		for name, in := range testInputs() {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				z, err := Compress(c, in)
				if err != nil {
					t.Fatalf("Compress: %v", err)
				}
				out, err := Decompress(c, z, 0)
				if err != nil {
					t.Fatalf("Decompress: %v", err)
				}
				if !bytes.Equal(out, in) {
					t.Fatalf("round trip changed %d bytes into %d", len(in), len(out))
				}
				// What we write, the libraries (and so other clients) read.
				lib, err := oracleDecompress(c, z)
				if err != nil || !bytes.Equal(lib, in) {
					t.Fatalf("the codec library cannot read our output: %v", err)
				}
				// What the libraries write with their defaults, we read.
				out, err = Decompress(c, oracleCompress(t, c, in), 0)
				if err != nil || !bytes.Equal(out, in) {
					t.Fatalf("cannot read the library's output: %v", err)
				}
			})
		}
	}
}

// handXerial frames chunks of in as snappy-java does, built byte by byte
// from the format description rather than with a library.
func handXerial(in []byte, chunk int) []byte {
	out := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}
	out = binary.BigEndian.AppendUint32(out, 1) // version
	out = binary.BigEndian.AppendUint32(out, 1) // compatible version
	for len(in) > 0 {
		n := min(chunk, len(in))
		block := snappy.Encode(nil, in[:n])
		out = binary.BigEndian.AppendUint32(out, uint32(len(block)))
		out = append(out, block...)
		in = in[n:]
	}
	return out
}

func TestSnappyXerial(t *testing.T) {
	in := testInputs()["records-like"]
	cases := []struct {
		name string
		src  []byte
		want []byte
		err  bool
	}{
		{name: "hand framed, 3 chunks", src: handXerial(in, len(in)/3+1), want: in},
		{name: "hand framed, 1 chunk", src: handXerial(in, len(in)), want: in},
		{name: "hand framed, tiny chunks", src: handXerial([]byte("abcdefgh"), 1), want: []byte("abcdefgh")},
		{name: "header only", src: handXerial(nil, 1), want: []byte{}},
		{name: "library framed", src: xerial.Encode(nil, in), want: in},
		{name: "raw block", src: snappy.Encode(nil, in), want: in},
		{name: "magic only", src: handXerial(nil, 1)[:8], err: true},
		{name: "header cut", src: handXerial(nil, 1)[:15], err: true},
		{name: "chunk length cut", src: append(handXerial(nil, 1), 0, 0), err: true},
		{name: "chunk overruns", src: handXerial(in, 1000)[:100], err: true},
		{name: "trailing partial length", src: append(handXerial(in, 1000), 0, 0, 1), err: true},
		{name: "empty chunk", src: append(handXerial(nil, 1), 0, 0, 0, 0), err: true},
		{name: "garbage chunk", src: append(handXerial(nil, 1), 0, 0, 0, 3, 0xff, 0xff, 0xff), err: true},
		{name: "huge chunk length", src: append(handXerial(nil, 1), 0xff, 0xff, 0xff, 0xff, 1), err: true},
		{name: "s2 repeat offset", src: []byte{8, 0x0c, 'a', 'b', 'c', 'd', 0x01, 0x00}, err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Decompress(CompressionSnappy, c.src, 0)
			if c.err {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, c.want) {
				t.Fatalf("decoded %d bytes, want %d", len(out), len(c.want))
			}
		})
	}
}

// TestXerialBatch decodes a whole batch whose records section is
// xerial-framed, as a Java producer sends it.
func TestXerialBatch(t *testing.T) {
	plain, err := Build(DefaultBatchOptions(), sampleRecords(20, 50))
	if err != nil {
		t.Fatal(err)
	}
	want, err := plain.Records()
	if err != nil {
		t.Fatal(err)
	}
	b := append(Batch(nil), plain[:HeaderSize]...)
	b = append(b, handXerial(plain.RecordsSection(), 256)...)
	put32(b, offLength, int32(len(b)-LogOverhead))
	put16(b, offAttributes, int16(CompressionSnappy))
	fixCRC(b)
	if _, err := ValidateProduce(b, false); err != nil {
		t.Fatal(err)
	}
	got, err := b.Records()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("xerial batch decoded to %v, want %v", got, want)
	}
}

// TestDecompressLimit checks the bomb guard: output one byte over the limit
// fails with ErrCorrupt, output exactly at the limit succeeds.
func TestDecompressLimit(t *testing.T) {
	const size = 3 << 20
	in := make([]byte, size)
	for _, c := range allCodecs {
		for name, src := range map[string][]byte{"ours": mustCompress(t, c, in), "library": oracleCompress(t, c, in)} {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				if out, err := Decompress(c, src, size); err != nil || len(out) != size {
					t.Fatalf("at the limit: %d bytes, %v", len(out), err)
				}
				for _, limit := range []int{size - 1, 1 << 20, 1000} {
					out, err := Decompress(c, src, limit)
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("limit %d: %d bytes, error %v, want ErrCorrupt", limit, len(out), err)
					}
					if c != CompressionNone && !errors.Is(err, errTooLarge) {
						t.Fatalf("limit %d: error %v does not say the output is too large", limit, err)
					}
				}
			})
		}
	}
	t.Run("xerial", func(t *testing.T) {
		src := handXerial(in, 64<<10)
		if _, err := Decompress(CompressionSnappy, src, size-1); !errors.Is(err, errTooLarge) {
			t.Fatalf("error %v, want too large", err)
		}
	})
	t.Run("zstd frames each under the limit", func(t *testing.T) {
		enc, _ := zstd.NewWriter(nil)
		one := enc.EncodeAll(make([]byte, 9<<20), nil)
		src := append(one, one...) // two frames, 18 MiB together
		if _, err := Decompress(CompressionZstd, src, 10<<20); !errors.Is(err, errTooLarge) {
			t.Fatalf("error %v, want too large", err)
		}
	})
	t.Run("gzip members each under the limit", func(t *testing.T) {
		one := oracleCompress(t, CompressionGzip, make([]byte, 600<<10))
		src := append(bytes.Clone(one), one...)
		if out, err := Decompress(CompressionGzip, src, 1200<<10); err != nil || len(out) != 1200<<10 {
			t.Fatalf("two members at the limit: %d bytes, %v", len(out), err)
		}
		if _, err := Decompress(CompressionGzip, src, 1<<20); !errors.Is(err, errTooLarge) {
			t.Fatalf("error %v, want too large", err)
		}
	})
	t.Run("records", func(t *testing.T) {
		b, err := Build(BatchOptions{Compression: CompressionZstd}, []Record{{Value: make([]byte, 2<<20)}})
		if err != nil {
			t.Fatal(err)
		}
		err = b.EachRecordWith(DecodeOptions{MaxDecompressedSize: 1 << 20}, func(Record) error { return nil })
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v, want ErrCorrupt", err)
		}
		if err := b.EachRecordWith(DecodeOptions{MaxDecompressedSize: 3 << 20}, func(Record) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
}

func mustCompress(t testing.TB, c Compression, in []byte) []byte {
	t.Helper()
	z, err := Compress(c, in)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestDecompressGarbage feeds every codec inputs that are not valid for it.
func TestDecompressGarbage(t *testing.T) {
	text := []byte("hello, hello, hello, hello")
	inputs := map[string][]byte{
		"empty":  nil,
		"zeros":  make([]byte, 64),
		"ones":   bytes.Repeat([]byte{0xff}, 64),
		"text":   text,
		"gzip":   oracleCompress(t, CompressionGzip, text),
		"lz4":    oracleCompress(t, CompressionLZ4, text),
		"zstd":   oracleCompress(t, CompressionZstd, text),
		"snappy": snappy.Encode(nil, text),
	}
	for _, c := range allCodecs[1:] {
		for name, in := range inputs {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				out, err := Decompress(c, in, 1<<20)
				valid := name == c.String() || (c == CompressionZstd && name == "empty")
				if valid {
					if err != nil {
						t.Fatalf("valid input rejected: %v", err)
					}
					return
				}
				if err == nil {
					// Some codecs read a few garbage shapes as valid empty
					// streams; that is harmless, the record count catches it.
					if len(out) != 0 {
						t.Fatalf("garbage decoded to %d bytes", len(out))
					}
					return
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v, want ErrCorrupt", err)
				}
			})
		}
	}
	t.Run("truncated", func(t *testing.T) {
		in := testInputs()["text"]
		for _, c := range allCodecs[1:] {
			z := mustCompress(t, c, in)
			for _, n := range []int{1, len(z) / 2, len(z) - 1} {
				if _, err := Decompress(c, z[:n], 0); !errors.Is(err, ErrCorrupt) {
					t.Errorf("%s cut to %d of %d bytes: error %v, want ErrCorrupt", c, n, len(z), err)
				}
			}
		}
	})
	t.Run("checksum", func(t *testing.T) {
		// gzip and zstd (and lz4 when the writer adds it) checksum the
		// content: a flipped bit in the body must not decode silently.
		in := testInputs()["text"]
		for _, c := range []Compression{CompressionGzip, CompressionZstd, CompressionLZ4} {
			z := mustCompress(t, c, in)
			z[len(z)-2] ^= 0x01
			if out, err := Decompress(c, z, 0); err == nil && bytes.Equal(out, in) {
				t.Errorf("%s: flipped bit went unnoticed", c)
			} else if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s: error %v, want ErrCorrupt", c, err)
			}
		}
	})
}

func TestCodecIDs(t *testing.T) {
	for _, c := range []Compression{5, 6, 7, -1} {
		if _, err := Compress(c, []byte("x")); !errors.Is(err, ErrUnsupportedCompression) {
			t.Errorf("Compress(%d): %v, want ErrUnsupportedCompression", c, err)
		}
		if _, err := Decompress(c, []byte("x"), 0); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Decompress(%d): %v, want ErrCorrupt", c, err)
		}
	}
}

// TestCodecOptionsFromOtherWriters reads streams written with settings other
// clients use: lz4 with 4 MiB blocks and checksums, gzip at best speed,
// zstd with a declared window and no content size.
func TestCodecOptionsFromOtherWriters(t *testing.T) {
	in := testInputs()["records-like"]
	var lz bytes.Buffer
	w := lz4.NewWriter(&lz)
	if err := w.Apply(lz4.BlockSizeOption(lz4.Block4Mb), lz4.BlockChecksumOption(true), lz4.ChecksumOption(true)); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, in)
	var gz bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	mustWrite(t, gw, in)
	var zs bytes.Buffer
	zw, _ := zstd.NewWriter(&zs, zstd.WithWindowSize(1<<23), zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	mustWrite(t, zw, in)
	for c, src := range map[Compression][]byte{CompressionLZ4: lz.Bytes(), CompressionGzip: gz.Bytes(), CompressionZstd: zs.Bytes()} {
		t.Run(c.String(), func(t *testing.T) {
			// A small limit: the zstd window must not count against it.
			out, err := Decompress(c, src, len(in))
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("%d bytes, %v", len(out), err)
			}
		})
	}
}
