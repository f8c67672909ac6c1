package config

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateTopicConfigs(t *testing.T) {
	valid := map[string]string{
		"cleanup.policy": "compact,delete", "compression.type": "zstd", "retention.ms": "-1",
		"retention.bytes": "-1", "segment.bytes": "1048576", "min.cleanable.dirty.ratio": "0.1",
		"message.timestamp.type": "LogAppendTime", "min.insync.replicas": "2", "preallocate": "TRUE",
		"message.downconversion.enable": "false", "unclean.leader.election.enable": "true",
	}
	if err := ValidateTopicConfigs(valid); err != nil {
		t.Fatal(err)
	}
	if err := ValidateTopicConfigs(nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		m       map[string]string
		is      error
		wantMsg string
	}{
		{map[string]string{"retention.hours": "1"}, ErrUnknownConfig, `unknown config "retention.hours": not a topic config`},
		{map[string]string{"log.retention.ms": "1"}, ErrUnknownConfig, `unknown config "log.retention.ms": a broker config, not a topic config`},
		{map[string]string{"retention.ms": "-2"}, ErrInvalidConfig, `invalid value "-2" for "retention.ms": must be at least -1`},
		{map[string]string{"segment.bytes": "1kb"}, ErrInvalidConfig, `invalid value "1kb" for "segment.bytes": must be a 32-bit integer (int)`},
		{map[string]string{"segment.bytes": "1024"}, ErrInvalidConfig, `must be at least 1048576`},
		{map[string]string{"segment.index.bytes": "8"}, ErrInvalidConfig, `must be at least 48`},
		{map[string]string{"cleanup.policy": ""}, ErrInvalidConfig, `must list at least one of [delete, compact]`},
		{map[string]string{"cleanup.policy": "compact,compact"}, ErrInvalidConfig, `"compact" is listed twice`},
		{map[string]string{"compression.type": "none"}, ErrInvalidConfig, `must be one of [producer, uncompressed, gzip, snappy, lz4, zstd]`},
		{map[string]string{"message.timestamp.type": "AppendTime"}, ErrInvalidConfig, `must be one of [CreateTime, LogAppendTime]`},
		{map[string]string{"min.cleanable.dirty.ratio": "1.01"}, ErrInvalidConfig, `must be between 0 and 1`},
		{map[string]string{"min.insync.replicas": "0"}, ErrInvalidConfig, `"min.insync.replicas": must be at least 1`},
		{map[string]string{"preallocate": "1"}, ErrInvalidConfig, `must be true or false`},
		{map[string]string{"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"}, ErrInvalidConfig,
			`invalid value "10" for "min.compaction.lag.ms": must not exceed max.compaction.lag.ms (5)`},
	}
	for _, tt := range tests {
		err := ValidateTopicConfigs(tt.m)
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%v: error %v, want %v %q", tt.m, err, tt.is, tt.wantMsg)
		}
	}

	err := ValidateTopicConfigs(map[string]string{"x": "1", "retention.ms": "a"})
	if !errors.Is(err, ErrUnknownConfig) || !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("every bad key is reported: %v", err)
	}
}

func TestTopicDefaults(t *testing.T) {
	b := mustBroker(t, with(minimal(),
		"log.retention.hours", "2", "log.segment.bytes", "2097152", "message.max.bytes", "5000",
		"compression.type", "lz4", "log.cleanup.policy", "compact, delete", "log.roll.hours", "1",
		"log.flush.scheduler.interval.ms", "100"), nil)
	d := b.TopicDefaults()
	want := map[string]string{
		"retention.ms": "7200000", "segment.bytes": "2097152", "max.message.bytes": "5000",
		"compression.type": "lz4", "cleanup.policy": "compact,delete", "segment.ms": "3600000",
		"flush.ms": "100", "flush.messages": "9223372036854775807", "message.downconversion.enable": "true",
		"min.insync.replicas": "1",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %q, want %q", k, d[k], v)
		}
	}
	if len(d) != len(topicKeys) {
		t.Errorf("%d defaults for %d topic keys", len(d), len(topicKeys))
	}
	if err := ValidateTopicConfigs(d); err != nil {
		t.Errorf("broker defaults are valid topic configs: %v", err)
	}
}

func TestEffectiveTopicConfig(t *testing.T) {
	b := mustBroker(t, with(minimal(), "log.retention.hours", "2", "log.segment.bytes", "2097152"), nil)
	tc := EffectiveTopicConfig(b, map[string]string{
		"retention.ms": "1000", "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.9",
		"preallocate": "true", "compression.type": "gzip"})
	if err := tc.Err(); err != nil {
		t.Fatal(err)
	}
	if tc.Int("retention.ms") != 1000 || tc.Duration("retention.ms") != time.Second {
		t.Errorf("override: %d", tc.Int("retention.ms"))
	}
	if tc.Int("segment.bytes") != 2097152 {
		t.Errorf("broker default: %d", tc.Int("segment.bytes"))
	}
	if tc.Int("index.interval.bytes") != 4096 || tc.Duration("segment.ms") != 7*24*time.Hour {
		t.Error("table default")
	}
	if !slices.Equal(tc.List("cleanup.policy"), []string{"compact"}) || tc.Double("min.cleanable.dirty.ratio") != 0.9 ||
		!tc.Bool("preallocate") || tc.String("compression.type") != "gzip" {
		t.Error("typed getters")
	}
	if tc.Duration("flush.ms") != math.MaxInt64 {
		t.Errorf("flush.ms never: %v", tc.Duration("flush.ms"))
	}
	if v, ok := tc.Value("retention.ms"); !ok || v != "1000" {
		t.Errorf("Value = %q %v", v, ok)
	}
	if _, ok := tc.Value("log.retention.ms"); ok {
		t.Error("Value of a broker key on a topic")
	}

	// Unlimited retention.
	if d := EffectiveTopicConfig(b, map[string]string{"retention.ms": "-1"}).Duration("retention.ms"); d != -time.Millisecond {
		t.Errorf("retention -1 = %v", d)
	}

	// Dynamic broker values reach topics that do not override them.
	d, err := b.WithDynamic(nil, map[string]string{"log.retention.ms": "42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := EffectiveTopicConfig(d, nil).Int("retention.ms"); got != 42 {
		t.Errorf("dynamic cluster default: %d", got)
	}

	// A nil broker means table defaults; the zero TopicConfig too.
	if got := EffectiveTopicConfig(nil, nil).Int("retention.ms"); got != 604800000 {
		t.Errorf("nil broker: %d", got)
	}
	var zero TopicConfig
	if zero.Int("segment.bytes") != 1<<30 {
		t.Error("zero TopicConfig")
	}

	// Bad stored overrides are ignored and reported.
	tc = EffectiveTopicConfig(b, map[string]string{"retention.ms": "soon", "future.key": "1", "segment.ms": "10"})
	if !errors.Is(tc.Err(), ErrInvalidConfig) || !errors.Is(tc.Err(), ErrUnknownConfig) {
		t.Errorf("Err() = %v", tc.Err())
	}
	if tc.Int("retention.ms") != 7200000 || tc.Int("segment.ms") != 10 {
		t.Errorf("falls back for the bad key only: %d %d", tc.Int("retention.ms"), tc.Int("segment.ms"))
	}

	defer func() {
		if recover() == nil {
			t.Error("broker key on a TopicConfig did not panic")
		}
	}()
	tc.Int("log.retention.ms")
}
