package broker

import (
	"sync/atomic"
	"time"

	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/storage"
)

// topicConfigs resolves a topic's effective configuration: the topic's
// overrides from the metadata image over the broker's defaults. It
// implements api.TopicConfigs and feeds storage.Options.
type topicConfigs struct {
	broker *config.Broker
	// overrides returns the topic's overrides from the current metadata image.
	overrides atomic.Pointer[func(topic string) map[string]string]
}

func newTopicConfigs(b *config.Broker) *topicConfigs {
	t := &topicConfigs{broker: b}
	none := func(string) map[string]string { return nil }
	t.overrides.Store(&none)
	return t
}

func (t *topicConfigs) setOverrides(f func(topic string) map[string]string) { t.overrides.Store(&f) }

func (t *topicConfigs) effective(topic string) config.TopicConfig {
	return config.EffectiveTopicConfig(t.broker, (*t.overrides.Load())(topic))
}

// MaxMessageBytes implements api.TopicConfigs.
func (t *topicConfigs) MaxMessageBytes(topic string) int {
	return int(t.effective(topic).Int("max.message.bytes"))
}

// LogAppendTime implements api.TopicConfigs.
func (t *topicConfigs) LogAppendTime(topic string) bool {
	return t.effective(topic).String("message.timestamp.type") == "LogAppendTime"
}

// storageOptions maps a topic's effective configuration to the log engine's
// options (the only place that does).
func (t *topicConfigs) storageOptions(topic string) storage.Options {
	tc := t.effective(topic)
	o := storage.DefaultOptions()
	o.SegmentBytes = tc.Int("segment.bytes")
	o.SegmentMs = tc.Duration("segment.ms")
	o.SegmentJitter = tc.Duration("segment.jitter.ms")
	o.IndexIntervalBytes = int(tc.Int("index.interval.bytes"))
	o.MaxIndexBytes = int(tc.Int("segment.index.bytes"))
	o.FlushMessages = tc.Int("flush.messages")
	o.FlushInterval = neverIfHuge(tc.Duration("flush.ms"))
	o.Retention = tc.Duration("retention.ms")
	o.RetentionBytes = tc.Int("retention.bytes")
	o.FileDeleteDelay = tc.Duration("file.delete.delay.ms")
	o.ProducerIDExpiration = t.broker.Duration("producer.id.expiration.ms")
	return o
}

// neverIfHuge turns Kafka's "never" (Long.MAX_VALUE ms, capped to the
// largest Duration by config) into the log engine's "disabled" (negative).
func neverIfHuge(d time.Duration) time.Duration {
	if d >= 100*365*24*time.Hour {
		return -1
	}
	return d
}

// Describe implements api.TopicConfigs.
func (t *topicConfigs) Describe(_ string, overrides map[string]string) []config.ConfigEntry {
	return config.EffectiveTopicConfig(t.broker, overrides).Describe()
}
