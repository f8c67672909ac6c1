package api

import "github.com/samsa-io/samsa/internal/config"

// TopicConfigs answers the per-topic settings that request handling
// enforces (the effective value: topic override, else broker default).
// broker implements it over the metadata image and internal/config.
type TopicConfigs interface {
	// MaxMessageBytes is max.message.bytes: the largest batch accepted.
	MaxMessageBytes(topic string) int
	// LogAppendTime reports message.timestamp.type=LogAppendTime.
	LogAppendTime(topic string) bool
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
