// Package config is Samsa's configuration: one declarative table of every
// key Samsa understands, named and typed as Apache Kafka names and types them,
// and the code that loads, validates and describes them.
//
// Main types:
//   - Key: one row of the table (keys_broker.go, keys_topic.go): name, type,
//     default, validator, doc, scope (broker, topic or both), whether it can
//     change at runtime, and, for topic keys, the broker key that supplies
//     the default. Lookup, BrokerKeys and TopicKeys read the table.
//   - Broker: a parsed, validated broker configuration built by NewBroker
//     from server.properties (LoadProperties) and command-line overrides,
//     with typed accessors and convenience fields for the most used keys.
//     WithDynamic layers the dynamic broker configs stored by the controller
//     on top.
//   - TopicConfig: a topic's effective configuration, its own overrides over
//     the broker's defaults (EffectiveTopicConfig).
//   - ConfigEntry: one row of a DescribeConfigs answer, with Kafka's value
//     sources and synonyms, for broker and topic resources.
//
// Precedence, highest first, follows Kafka: a topic override; then, for the
// backing broker key, a dynamic per-broker value, a dynamic cluster-wide
// default, the static value (flags over server.properties), the table
// default. Among synonyms of one broker setting the more precise key wins
// wherever it is set: log.retention.ms over log.retention.minutes over
// log.retention.hours, log.roll.ms over log.roll.hours, log.dirs over
// log.dir (Key.Fallbacks).
//
// Invariants: a Broker or TopicConfig never changes after construction, so
// any number of goroutines may read one; new dynamic values make a new
// Broker. Every value a Broker returns has passed its key's type and
// validator. The table is never modified at run time.
//
// The package is a leaf: it imports no other samsa package. storage never
// sees it; the broker turns a TopicConfig into storage.Options, and only the
// broker, the controller and the api package import config.
// docs/configuration.md is generated from the table (markdown.go).
package config

//go:generate go test . -run TestConfigurationDocUpToDate -update
