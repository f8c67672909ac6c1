package config

// Source says where a described value comes from. The numbers are Kafka's
// DescribeConfigs ConfigSource values (KIP-226), so the api package copies
// them to the wire.
type Source int8

// The sources, as Kafka numbers them. Samsa produces 1 to 5.
const (
	SourceUnknown              Source = 0
	SourceDynamicTopic         Source = 1 // the topic's own config (TOPIC_CONFIG)
	SourceDynamicBroker        Source = 2 // dynamic, for this broker
	SourceDynamicDefaultBroker Source = 3 // dynamic, cluster-wide default
	SourceStaticBroker         Source = 4 // server.properties or flags
	SourceDefault              Source = 5 // the table default
	SourceDynamicBrokerLogger  Source = 6
	SourceClientMetrics        Source = 7
	SourceGroup                Source = 8
)

// String returns Kafka's name for the source.
func (s Source) String() string {
	switch s {
	case SourceDynamicTopic:
		return "DYNAMIC_TOPIC_CONFIG"
	case SourceDynamicBroker:
		return "DYNAMIC_BROKER_CONFIG"
	case SourceDynamicDefaultBroker:
		return "DYNAMIC_DEFAULT_BROKER_CONFIG"
	case SourceStaticBroker:
		return "STATIC_BROKER_CONFIG"
	case SourceDefault:
		return "DEFAULT_CONFIG"
	case SourceDynamicBrokerLogger:
		return "DYNAMIC_BROKER_LOGGER_CONFIG"
	case SourceClientMetrics:
		return "CLIENT_METRICS_CONFIG"
	case SourceGroup:
		return "GROUP_CONFIG"
	}
	return "UNKNOWN"
}

// Synonym is one place a described value could come from, in precedence
// order: the topic's own value, then each layer of each broker key that
// backs it.
type Synonym struct {
	Name string
	// Value is nil for sensitive keys.
	Value  *string
	Source Source
}

// ConfigEntry is one config of a DescribeConfigs answer. The api package
// filters entries by requested name and drops Synonyms or Doc when the
// request did not ask for them.
type ConfigEntry struct {
	Name string
	// Value is the effective value, nil when the key is sensitive or has
	// no value.
	Value *string
	// Source is where Value comes from: the first synonym's source, or
	// SourceDefault when nothing gives a value.
	Source   Source
	ReadOnly bool
	// Sensitive keys (passwords) never show a value, here or in Synonyms.
	Sensitive bool
	// Synonyms lists every source that has a value for this setting,
	// highest precedence first, each value in its own key's unit
	// (log.retention.hours=168 backs retention.ms=604800000).
	Synonyms []Synonym
	Type     Type
	Doc      string
}

// Describe returns every broker key, sorted by name, as DescribeConfigs on
// this broker's resource answers it. Values are effective values (after
// precedence and unit conversion, so log.retention.ms shows 604800000 when
// only log.retention.hours backs it, where Kafka shows null).
func (c *Broker) Describe() []ConfigEntry {
	var out []ConfigEntry
	for _, k := range keysIn(ScopeBroker) {
		e := ConfigEntry{Name: k.Name, Source: SourceDefault, ReadOnly: k.ReadOnly(),
			Sensitive: k.Sensitive(), Type: k.Type, Doc: k.Doc}
		if v, _, ok := c.effective(k); ok {
			e.Value = shown(k, v)
		}
		e.Synonyms = c.synonyms(k)
		if len(e.Synonyms) > 0 {
			e.Source = e.Synonyms[0].Source
		}
		out = append(out, e)
	}
	return out
}

// synonyms lists every layer of k and then of its fallbacks that has a
// value, as Kafka's broker config synonyms do.
func (c *Broker) synonyms(k *Key) []Synonym {
	var out []Synonym
	for _, name := range append([]string{k.Name}, k.Fallbacks...) {
		sk := mustKey(name)
		for _, l := range c.layers() {
			if v, ok := l.values[name]; ok {
				out = append(out, Synonym{Name: name, Value: shown(sk, v), Source: l.source})
			}
		}
		if v, ok := defaultValue(sk); ok {
			out = append(out, Synonym{Name: name, Value: shown(sk, v), Source: SourceDefault})
		}
	}
	return out
}

// Describe returns every topic key, sorted by name, as DescribeConfigs on
// the topic answers it: the effective value, where it comes from, and the
// synonyms (the topic's own value, then the broker key's). Topic configs
// are never read-only.
func (t TopicConfig) Describe() []ConfigEntry {
	b := t.broker
	if b == nil {
		b = &Broker{}
	}
	var out []ConfigEntry
	for _, k := range keysIn(ScopeTopic) {
		e := ConfigEntry{Name: k.Name, Source: SourceDefault, Sensitive: k.Sensitive(), Type: k.Type, Doc: k.Doc}
		if v, _, ok := t.value(k); ok {
			e.Value = shown(k, v)
		}
		if v, ok := t.overrides[k.Name]; ok {
			e.Synonyms = append(e.Synonyms, Synonym{Name: k.Name, Value: shown(k, v), Source: SourceDynamicTopic})
		}
		if k.BrokerKey != "" {
			e.Synonyms = append(e.Synonyms, b.synonyms(mustKey(k.BrokerKey))...)
		}
		if len(e.Synonyms) > 0 {
			e.Source = e.Synonyms[0].Source
		}
		out = append(out, e)
	}
	return out
}

// shown is the value as DescribeConfigs may show it: nil for sensitive keys.
func shown(k *Key, v any) *string {
	if k.Sensitive() {
		return nil
	}
	s := format(v)
	return &s
}
