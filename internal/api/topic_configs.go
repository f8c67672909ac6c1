package api

// TopicConfigs answers the per-topic settings that request handling
// enforces (the effective value: topic override, else broker default).
// broker implements it over the metadata image and internal/config.
type TopicConfigs interface {
	// MaxMessageBytes is max.message.bytes: the largest batch accepted.
	MaxMessageBytes(topic string) int
	// LogAppendTime reports message.timestamp.type=LogAppendTime.
	LogAppendTime(topic string) bool
}
