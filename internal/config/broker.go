package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Broker is a parsed and validated broker configuration. The exported fields
// are the most used settings, already cross-checked and resolved (defaults,
// precedence); every key is also available through the typed accessors.
//
// A Broker is immutable once built: any number of goroutines may read it.
// Dynamic updates build a new one with WithDynamic. The zero Broker holds
// only table defaults (its exported fields are zero).
type Broker struct {
	// NodeID is node.id.
	NodeID int32
	// Roles is process.roles: "broker", "controller", or both.
	Roles []string
	// Listeners is listeners, each with its security protocol.
	Listeners []Listener
	// AdvertisedListeners are the broker endpoints published to clients and
	// other brokers: advertised.listeners, or when unset the listeners, in
	// both cases without the controller listeners.
	AdvertisedListeners []Listener
	// ControllerListenerNames is controller.listener.names, upper-cased.
	ControllerListenerNames []string
	// InterBrokerListenerName is the listener brokers use to reach each
	// other: inter.broker.listener.name, or the listener named after
	// security.inter.broker.protocol.
	InterBrokerListenerName string
	// QuorumVoters is controller.quorum.voters.
	QuorumVoters []Voter
	// LogDirs is log.dirs, or log.dir when log.dirs is unset.
	LogDirs []string
	// MetadataLogDir is metadata.log.dir, or the first of LogDirs.
	MetadataLogDir string
	// ClusterID is cluster.id, empty when unset.
	ClusterID string
	// Rack is broker.rack, empty when unset.
	Rack string
	// AdminListener is samsa.admin.listener's host:port, empty when disabled.
	AdminListener string

	// The value layers, highest precedence first: dynamicBroker (this node's
	// dynamic configs), dynamicDefault (cluster-wide dynamic defaults),
	// static (flags over server.properties); below them the table defaults.
	// Each holds parsed values of known broker keys only.
	dynamicBroker  map[string]any
	dynamicDefault map[string]any
	static         map[string]any
	// unknown keeps the static keys the table does not know, as given:
	// listener-prefixed and plugin settings are read from it by name.
	unknown  map[string]string
	warnings []string
}

// NewBroker builds a broker configuration from server.properties (props)
// and command-line flags (overrides), which take precedence key by key.
//
// Unknown keys are kept (Unknown, Value) and reported by Warnings, as Kafka
// logs them and carries on. Every invalid value, missing required key and
// inconsistency between keys is reported, as *Error values wrapping
// ErrInvalidConfig joined in key order; the Broker is nil then.
func NewBroker(props, overrides map[string]string) (*Broker, error) {
	merged := maps.Clone(props)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, overrides)

	c := &Broker{static: map[string]any{}, unknown: map[string]string{}}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(merged)) {
		text := merged[name]
		k := lookupKey(name)
		if k == nil || k.Scope&ScopeBroker == 0 {
			c.unknown[name] = text
			c.warnings = append(c.warnings, unknownWarning(name, k))
			continue
		}
		v, err := parse(k, text)
		if err != nil {
			errs = append(errs, invalid(k, text, err))
			continue
		}
		c.static[name] = v
	}
	for i := range brokerKeys {
		if k := &brokerKeys[i]; k.Required {
			if _, set := merged[k.Name]; !set {
				errs = append(errs, &Error{Key: k.Name, Reason: k.Doc, Err: ErrInvalidConfig, missing: true})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := c.resolve(); err != nil {
		return nil, err
	}
	return c, nil
}

// unknownWarning words the warning for a key the broker does not know,
// pointing at the broker key when someone wrote a topic key in
// server.properties (a common slip: retention.ms for log.retention.ms).
func unknownWarning(name string, k *Key) string {
	if k != nil && k.BrokerKey != "" {
		return fmt.Sprintf("ignoring %q: it is a topic config; its broker-wide default is %q", name, k.BrokerKey)
	}
	return fmt.Sprintf("ignoring unknown config %q", name)
}

// resolve fills the convenience fields and checks the rules that involve
// more than one key, as Kafka's KafkaConfig.validateValues does.
func (c *Broker) resolve() error {
	var errs []error
	fail := func(name, reason string, args ...any) {
		v, _ := c.Value(name)
		errs = append(errs, &Error{Key: name, Value: v, Reason: fmt.Sprintf(reason, args...), Err: ErrInvalidConfig})
	}

	c.NodeID = int32(c.Int("node.id"))
	c.Roles = c.List("process.roles")
	c.ClusterID = c.String("cluster.id")
	c.Rack = c.String("broker.rack")
	c.AdminListener = c.String("samsa.admin.listener")
	c.LogDirs = c.List("log.dirs")
	c.MetadataLogDir = c.String("metadata.log.dir")
	if c.MetadataLogDir == "" && len(c.LogDirs) > 0 {
		c.MetadataLogDir = c.LogDirs[0]
	}

	// Security protocols. Without an explicit map, controller listeners
	// that the default map does not name speak PLAINTEXT (Kafka does the same).
	protocols, _ := parseProtocolMap(c.String("listener.security.protocol.map"))
	_, explicitMap := c.static["listener.security.protocol.map"]
	for _, n := range c.List("controller.listener.names") {
		c.ControllerListenerNames = append(c.ControllerListenerNames, strings.ToUpper(n))
	}
	if !explicitMap {
		for _, n := range c.ControllerListenerNames {
			if _, ok := protocols[n]; !ok {
				protocols[n] = "PLAINTEXT"
			}
		}
	}
	isControllerListener := func(l Listener) bool { return slices.Contains(c.ControllerListenerNames, l.Name) }

	c.Listeners, _ = parseListeners(c.List("listeners"))
	for i, l := range c.Listeners {
		p, ok := protocols[l.Name]
		if !ok {
			fail("listeners", "listener %s has no security protocol; add %s:<protocol> to listener.security.protocol.map", l.Name, l.Name)
		}
		c.Listeners[i].SecurityProtocol = p
	}

	// Controller listeners (required, so never empty here): a controller
	// listens on them, a broker-only node must not.
	switch {
	case c.IsController():
		for _, n := range c.ControllerListenerNames {
			if !slices.ContainsFunc(c.Listeners, func(l Listener) bool { return l.Name == n }) {
				fail("controller.listener.names", "%s is not in listeners; a controller must listen on its controller listeners", n)
			}
		}
	default:
		if l := slices.IndexFunc(c.Listeners, isControllerListener); l >= 0 {
			fail("listeners", "%s is a controller listener, which a node with process.roles=broker must not open", c.Listeners[l].Name)
		}
	}

	// Advertised listeners: explicit ones must name real listeners; without
	// them the (non-controller) listeners are advertised as they are.
	if _, set := c.Value("advertised.listeners"); set {
		ls, _ := parseListeners(c.List("advertised.listeners"))
		for _, l := range ls {
			if !slices.ContainsFunc(c.Listeners, func(o Listener) bool { return o.Name == l.Name }) {
				fail("advertised.listeners", "%s is not the name of one of the listeners", l.Name)
			}
		}
		c.AdvertisedListeners = ls
	} else {
		c.AdvertisedListeners = slices.Clone(c.Listeners)
	}
	c.AdvertisedListeners = slices.DeleteFunc(c.AdvertisedListeners, isControllerListener)
	for i, l := range c.AdvertisedListeners {
		c.AdvertisedListeners[i].SecurityProtocol = protocols[l.Name]
	}

	// Inter-broker listener: named directly, or after the protocol; Kafka
	// rejects setting both because one would silently lose.
	_, nameSet := c.static["inter.broker.listener.name"]
	_, protoSet := c.static["security.inter.broker.protocol"]
	c.InterBrokerListenerName = strings.ToUpper(c.String("inter.broker.listener.name"))
	switch {
	case nameSet && protoSet:
		fail("inter.broker.listener.name", "set either inter.broker.listener.name or security.inter.broker.protocol, not both")
	case !nameSet:
		c.InterBrokerListenerName = c.String("security.inter.broker.protocol")
	}
	if c.IsBroker() && len(errs) == 0 {
		switch {
		case slices.Contains(c.ControllerListenerNames, c.InterBrokerListenerName):
			fail("inter.broker.listener.name", "%s is a controller listener; brokers need a broker listener", c.InterBrokerListenerName)
		case !slices.ContainsFunc(c.AdvertisedListeners, func(l Listener) bool { return l.Name == c.InterBrokerListenerName }):
			fail("inter.broker.listener.name", "no advertised listener is named %s (set inter.broker.listener.name to one of the listeners)", c.InterBrokerListenerName)
		}
	}

	c.QuorumVoters, _ = parseVoters(c.List("controller.quorum.voters"))
	if c.IsController() && len(c.QuorumVoters) > 0 &&
		!slices.ContainsFunc(c.QuorumVoters, func(v Voter) bool { return v.ID == c.NodeID }) {
		fail("controller.quorum.voters", "node.id %d is a controller but not one of the voters", c.NodeID)
	}

	if lo, hi := c.Int("group.min.session.timeout.ms"), c.Int("group.max.session.timeout.ms"); lo > hi {
		fail("group.min.session.timeout.ms", "must not exceed group.max.session.timeout.ms (%d)", hi)
	}
	return errors.Join(errs...)
}

// IsBroker reports whether process.roles includes broker.
func (c *Broker) IsBroker() bool { return slices.Contains(c.Roles, "broker") }

// IsController reports whether process.roles includes controller.
func (c *Broker) IsController() bool { return slices.Contains(c.Roles, "controller") }

// Warnings returns the problems that do not stop the broker, such as
// unknown keys, sorted; the broker logs them at start-up.
func (c *Broker) Warnings() []string { return slices.Clone(c.warnings) }

// Unknown returns a copy of the static keys the table does not know, with
// their values as given (listener-prefixed settings, for example).
func (c *Broker) Unknown() map[string]string { return maps.Clone(c.unknown) }

// layer is one source of values.
type layer struct {
	source Source
	values map[string]any
}

func (c *Broker) layers() [3]layer {
	return [3]layer{
		{SourceDynamicBroker, c.dynamicBroker},
		{SourceDynamicDefaultBroker, c.dynamicDefault},
		{SourceStaticBroker, c.static},
	}
}

// own returns a key's value from the highest layer that has one, or its
// table default, ignoring Fallbacks.
func (c *Broker) own(k *Key) (any, Source, bool) {
	for _, l := range c.layers() {
		if v, ok := l.values[k.Name]; ok {
			return v, l.source, true
		}
	}
	if v, ok := defaultValue(k); ok {
		return v, SourceDefault, true
	}
	return nil, SourceDefault, false
}

// effective returns a key's value after Kafka's precedence: the key's own
// value from any layer or its default, else the first fallback that has
// one, converted to the key's unit. Because Kafka gives the more precise
// synonyms no default (log.retention.ms, log.retention.minutes), "first in
// the chain with any value" is exactly Kafka's rule.
func (c *Broker) effective(k *Key) (any, Source, bool) {
	if v, src, ok := c.own(k); ok {
		return convert(v, k.Name, k.Name), src, true
	}
	for _, name := range k.Fallbacks {
		if v, src, ok := c.own(mustKey(name)); ok {
			return convert(v, name, k.Name), src, true
		}
	}
	return nil, SourceDefault, false
}

func (c *Broker) get() getter {
	return func(k *Key) (any, bool) {
		v, _, ok := c.effective(k)
		return v, ok
	}
}

// Int returns the value of an int, short or long broker key. Like every
// typed accessor it applies precedence and fallbacks, returns the zero
// value for a key with no value (use Value to tell), and panics for a name
// that is not a broker key of a matching type: that is a bug in the caller.
func (c *Broker) Int(name string) int64 { return c.get().integer(name, ScopeBroker) }

// Double returns the value of a double broker key.
func (c *Broker) Double(name string) float64 { return c.get().double(name, ScopeBroker) }

// Bool returns the value of a boolean broker key.
func (c *Broker) Bool(name string) bool { return c.get().boolean(name, ScopeBroker) }

// String returns the value of a string, password or class broker key.
func (c *Broker) String(name string) string { return c.get().str(name, ScopeBroker) }

// List returns the value of a list broker key, as a fresh slice.
func (c *Broker) List(name string) []string { return c.get().list(name, ScopeBroker) }

// Duration returns the value of a broker key whose name ends in .ms,
// .minutes or .hours, in that unit. Values beyond a Duration's range
// saturate (Kafka writes "never" as Long.MAX_VALUE milliseconds); negative
// values, Kafka's "no limit", come back negative.
func (c *Broker) Duration(name string) time.Duration {
	return c.get().duration(name, ScopeBroker)
}

// Value returns the canonical text of a broker key's effective value and
// whether it has one. For a key the table does not know, it returns the
// static value as given.
func (c *Broker) Value(name string) (string, bool) {
	k := lookupKey(name)
	if k == nil || k.Scope&ScopeBroker == 0 {
		v, ok := c.unknown[name]
		return v, ok
	}
	v, _, ok := c.effective(k)
	if !ok {
		return "", false
	}
	return format(v), true
}

// ValidateBrokerConfigs checks dynamic broker configs as AlterConfigs or
// IncrementalAlterConfigs on a broker resource would set them: every key
// must be a known broker key (else ErrUnknownConfig), Dynamic (else
// ErrReadOnlyConfig), with a valid value (else ErrInvalidConfig). All bad
// keys are reported, as joined *Error values in key order.
func ValidateBrokerConfigs(m map[string]string) error {
	_, err := parseDynamic(m)
	return err
}

func parseDynamic(m map[string]string) (map[string]any, error) {
	out := map[string]any{}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(m)) {
		k := lookupKey(name)
		switch {
		case k == nil || k.Scope&ScopeBroker == 0:
			errs = append(errs, &Error{Key: name, Reason: "not a broker config", Err: ErrUnknownConfig})
			continue
		case !k.Dynamic:
			errs = append(errs, &Error{Key: name, Reason: "it is read-only; set it in server.properties and restart", Err: ErrReadOnlyConfig})
			continue
		}
		v, err := parse(k, m[name])
		if err != nil {
			errs = append(errs, invalid(k, m[name], err))
			continue
		}
		out[name] = v
	}
	return out, errors.Join(errs...)
}

// WithDynamic returns a copy of c with the dynamic broker configs the
// controller stores layered on top: perBroker for this node (source
// DYNAMIC_BROKER_CONFIG) over clusterDefault for all brokers
// (DYNAMIC_DEFAULT_BROKER_CONFIG), both over the static values. Each call
// replaces the previous dynamic layers. Invalid maps are rejected as by
// ValidateBrokerConfigs and c is left as it was.
func (c *Broker) WithDynamic(perBroker, clusterDefault map[string]string) (*Broker, error) {
	pb, err1 := parseDynamic(perBroker)
	cd, err2 := parseDynamic(clusterDefault)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	// Only Dynamic keys can be in the layers and none of them feeds a
	// convenience field, so those stay valid as they are.
	n := *c
	n.dynamicBroker, n.dynamicDefault = pb, cd
	return &n, nil
}
