package record

import (
	"encoding/binary"
	"math"
	"testing"
)

// TestVarintsMatchEncodingBinary: the fast paths (one and two bytes) and
// the general path decode every zigzag value as encoding/binary does, and
// refuse what does not fit the type or ends early.
func TestVarintsMatchEncodingBinary(t *testing.T) {
	values := []int64{0, 1, -1, 63, -64, 64, -65, 100, 8191, -8192, 8192, -8193, 1 << 20, math.MaxInt32, math.MinInt32}
	for v := int64(-20000); v <= 20000; v += 7 {
		values = append(values, v)
	}
	for _, v := range values {
		buf := binary.AppendVarint(nil, v)
		buf = append(buf, 0xff) // a following byte must not be consumed
		got32, n32, ok32 := varint32(buf)
		if !ok32 || int64(got32) != v || n32 != len(buf)-1 {
			t.Fatalf("varint32(%x) = %d, %d, %v; want %d, %d", buf, got32, n32, ok32, v, len(buf)-1)
		}
		got64, n64, ok64 := varint64(buf)
		if !ok64 || got64 != v || n64 != len(buf)-1 {
			t.Fatalf("varint64(%x) = %d, %d, %v; want %d", buf, got64, n64, ok64, v)
		}
		for cut := 0; cut < len(buf)-1; cut++ {
			if _, _, ok := varint32(buf[:cut]); ok {
				t.Fatalf("varint32 accepted %x, cut inside %d", buf[:cut], v)
			}
		}
	}
	big := binary.AppendVarint(nil, math.MaxInt32+1)
	if _, _, ok := varint32(big); ok {
		t.Fatalf("varint32 accepted %x, which overflows an int32", big)
	}
	if v, _, ok := varint64(binary.AppendVarint(nil, math.MinInt64)); !ok || v != math.MinInt64 {
		t.Fatalf("varint64(MinInt64) = %d, %v", v, ok)
	}
}
