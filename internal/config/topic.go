package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// ValidateTopicConfigs checks a topic's configs as CreateTopics or
// AlterConfigs would set them: every key must be a topic key (else an
// *Error wrapping ErrUnknownConfig) with a valid value (else
// ErrInvalidConfig), and min.compaction.lag.ms may not exceed
// max.compaction.lag.ms. All bad keys are reported, joined in key order.
func ValidateTopicConfigs(m map[string]string) error {
	_, err := parseTopic(m)
	return err
}

func parseTopic(m map[string]string) (map[string]any, error) {
	out := map[string]any{}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(m)) {
		k := lookupKey(name)
		if k == nil || k.Scope&ScopeTopic == 0 {
			reason := "not a topic config"
			if k != nil {
				reason = "a broker config, not a topic config"
			}
			errs = append(errs, &Error{Key: name, Reason: reason, Err: ErrUnknownConfig})
			continue
		}
		v, err := parse(k, m[name])
		if err != nil {
			errs = append(errs, invalid(k, m[name], err))
			continue
		}
		out[name] = v
	}
	lo, okLo := out["min.compaction.lag.ms"].(int64)
	hi, okHi := out["max.compaction.lag.ms"].(int64)
	if okLo && okHi && lo > hi {
		errs = append(errs, &Error{Key: "min.compaction.lag.ms", Value: format(lo),
			Reason: fmt.Sprintf("must not exceed max.compaction.lag.ms (%d)", hi), Err: ErrInvalidConfig})
	}
	return out, errors.Join(errs...)
}

// TopicDefaults returns, for every topic key, the value a topic gets when it
// does not set the key: the effective value of its broker key (after that
// key's precedence and unit conversion), or the key's own default where
// Kafka has no broker key. Values are in canonical text form.
func (c *Broker) TopicDefaults() map[string]string {
	out := map[string]string{}
	for i := range topicKeys {
		if v, _, ok := c.topicDefault(&topicKeys[i]); ok {
			out[topicKeys[i].Name] = format(v)
		}
	}
	return out
}

// topicDefault is a topic key's value from the broker side.
func (c *Broker) topicDefault(k *Key) (any, Source, bool) {
	if k.BrokerKey != "" {
		if v, src, ok := c.effective(mustKey(k.BrokerKey)); ok {
			return v, src, true
		}
	}
	v, ok := defaultValue(k)
	return v, SourceDefault, ok
}

// TopicConfig is one topic's effective configuration: its own overrides
// over the broker's defaults. It is immutable and cheap to copy.
type TopicConfig struct {
	broker    *Broker
	overrides map[string]any
	err       error
}

// EffectiveTopicConfig combines a topic's overrides (its stored topic
// configs) with the broker's defaults. A nil broker means the table
// defaults. Overrides are expected to have passed ValidateTopicConfigs;
// any that do not (written by another version, say) are ignored in favour
// of the broker default and reported by Err, so one bad stored value does
// not stop a partition from loading.
func EffectiveTopicConfig(broker *Broker, overrides map[string]string) TopicConfig {
	if broker == nil {
		broker = &Broker{}
	}
	parsed, err := parseTopic(overrides)
	return TopicConfig{broker: broker, overrides: parsed, err: err}
}

// Err reports the overrides EffectiveTopicConfig ignored, nil if none.
func (t TopicConfig) Err() error { return t.err }

// value returns a topic key's effective value and its source.
func (t TopicConfig) value(k *Key) (any, Source, bool) {
	if v, ok := t.overrides[k.Name]; ok {
		return v, SourceDynamicTopic, true
	}
	b := t.broker
	if b == nil {
		b = &Broker{} // the zero TopicConfig
	}
	return b.topicDefault(k)
}

func (t TopicConfig) get() getter {
	return func(k *Key) (any, bool) {
		v, _, ok := t.value(k)
		return v, ok
	}
}

// Int returns the value of an int or long topic key. Like every typed
// accessor it panics for a name that is not a topic key of a matching type.
func (t TopicConfig) Int(name string) int64 { return t.get().integer(name, ScopeTopic) }

// Double returns the value of a double topic key.
func (t TopicConfig) Double(name string) float64 { return t.get().double(name, ScopeTopic) }

// Bool returns the value of a boolean topic key.
func (t TopicConfig) Bool(name string) bool { return t.get().boolean(name, ScopeTopic) }

// String returns the value of a string topic key.
func (t TopicConfig) String(name string) string { return t.get().str(name, ScopeTopic) }

// List returns the value of a list topic key, as a fresh slice.
func (t TopicConfig) List(name string) []string { return t.get().list(name, ScopeTopic) }

// Duration returns the value of a topic key whose name ends in .ms. Values
// beyond a Duration's range saturate; -1 (no limit) comes back as -1ms.
func (t TopicConfig) Duration(name string) time.Duration {
	return t.get().duration(name, ScopeTopic)
}

// Value returns the canonical text of a topic key's effective value.
func (t TopicConfig) Value(name string) (string, bool) {
	k := lookupKey(name)
	if k == nil || k.Scope&ScopeTopic == 0 {
		return "", false
	}
	v, _, ok := t.value(k)
	if !ok {
		return "", false
	}
	return format(v), true
}
