package storage

import (
	"math"
	"path/filepath"
	"testing"
)

func TestOffsetFileName(t *testing.T) {
	tests := []struct {
		name   string
		offset int64
		suffix string
		want   string
	}{
		{"zero", 0, ".log", "00000000000000000000.log"},
		{"small", 42, ".snapshot", "00000000000000000042.snapshot"},
		{"nineteen digits", 1234567890123456789, ".index", "01234567890123456789.index"},
		{"max int64", math.MaxInt64, ".timeindex", "09223372036854775807.timeindex"},
		{"compound suffix", 7, ".log.deleted", "00000000000000000007.log.deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("data", "topic-0")
			got := offsetFileName(dir, tt.offset, tt.suffix)
			if want := filepath.Join(dir, tt.want); got != want {
				t.Fatalf("offsetFileName(%q, %d, %q) = %q, want %q", dir, tt.offset, tt.suffix, got, want)
			}
			off, suffix, ok := parseOffsetFileName(filepath.Base(got))
			if !ok || off != tt.offset || suffix != tt.suffix {
				t.Fatalf("round trip: parseOffsetFileName(%q) = %d, %q, %v", filepath.Base(got), off, suffix, ok)
			}
		})
	}
}

func TestParseOffsetFileName(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantOffset int64
		wantSuffix string
		wantOK     bool
	}{
		{"log", "00000000000000000100.log", 100, ".log", true},
		{"snapshot", "00000000000000000100.snapshot", 100, ".snapshot", true},
		{"temporary keeps whole suffix", "00000000000000000100.snapshot.tmp", 100, ".snapshot.tmp", true},
		{"max int64", "09223372036854775807.log", math.MaxInt64, ".log", true},
		{"overflows int64", "99999999999999999999.log", 0, "", false},
		{"no suffix", "00000000000000000100", 0, "", false},
		{"suffix without dot", "00000000000000000100log", 0, "", false},
		{"19 digits", "0000000000000000100.log", 0, "", false},
		{"21 digits", "000000000000000000100.log", 0, "", false},
		{"non-digit", "0000000000000000010x.log", 0, "", false},
		{"sign", "-0000000000000000001.log", 0, "", false},
		{"checkpoint file", "leader-epoch-checkpoint", 0, "", false},
		{"metadata file", "partition.metadata", 0, "", false},
		{"empty", "", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, suffix, ok := parseOffsetFileName(tt.in)
			if off != tt.wantOffset || suffix != tt.wantSuffix || ok != tt.wantOK {
				t.Fatalf("parseOffsetFileName(%q) = %d, %q, %v; want %d, %q, %v",
					tt.in, off, suffix, ok, tt.wantOffset, tt.wantSuffix, tt.wantOK)
			}
		})
	}
}
