package api

import (
	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/record"
)

// TopicConfigs answers the per-topic settings that request handling
// enforces (the effective value: topic override, else broker default).
// broker implements it over the metadata image and internal/config.
type TopicConfigs interface {
	// ProducePolicy is what the topic's configuration asks of produced
	// batches. It is called for every partition of every Produce, so
	// implementations cache it.
	ProducePolicy(topic string) ProducePolicy
	// CleanupPolicy is cleanup.policy: "delete", "compact" or both.
	// DeleteRecords needs "delete".
	CleanupPolicy(topic string) []string
	// Describe lists a topic's effective configs given its overrides, for
	// CreateTopics v5+ and DescribeConfigs.
	Describe(topic string, overrides map[string]string) []config.ConfigEntry
}

// BrokerConfigs describes this broker's configuration for DescribeConfigs.
// broker implements it over internal/config. Safe for concurrent use.
type BrokerConfigs interface {
	// DescribeBroker lists every broker key, sorted by name, with the given
	// dynamic configs (this broker's own and the cluster-wide defaults, as
	// the metadata image stores them) layered over the static
	// configuration. Values of sensitive keys are nil.
	DescribeBroker(perBroker, clusterDefault map[string]string) []config.ConfigEntry
}

// ProducePolicy is what a topic's configuration asks of produced batches.
type ProducePolicy struct {
	// MaxMessageBytes is max.message.bytes: the largest batch accepted.
	MaxMessageBytes int
	// LogAppendTime is message.timestamp.type=LogAppendTime: the broker
	// stamps batches, and producers' timestamps are not range-checked.
	LogAppendTime bool
	// RequireKeys: cleanup.policy contains "compact", so every record
	// needs a key.
	RequireKeys bool
	// BeforeMaxMs and AfterMaxMs are message.timestamp.before.max.ms and
	// message.timestamp.after.max.ms, which bound CreateTime timestamps.
	BeforeMaxMs, AfterMaxMs int64
	// Recompress is set when compression.type names a codec (rather than
	// "producer"): batches in another codec are re-encoded with
	// Compression before they are stored.
	Recompress  bool
	Compression record.Compression
}
