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
	// Describe lists a topic's effective configs given its overrides, for
	// CreateTopics v5+ and DescribeConfigs.
	Describe(topic string, overrides map[string]string) []config.ConfigEntry
}
