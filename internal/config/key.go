package config

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Type is a config value's type. The numbers are Kafka's DescribeConfigs
// ConfigType values (KIP-569), so the api package copies them to the wire.
type Type int8

// The config types, as Kafka's ConfigDef.Type.
const (
	TypeUnknown  Type = 0
	TypeBoolean  Type = 1 // "true" or "false", any case
	TypeString   Type = 2
	TypeInt      Type = 3 // 32-bit signed
	TypeShort    Type = 4 // 16-bit signed
	TypeLong     Type = 5 // 64-bit signed
	TypeDouble   Type = 6
	TypeList     Type = 7 // comma-separated, elements trimmed
	TypeClass    Type = 8 // a Java class name; accepted for compatibility, never loaded
	TypePassword Type = 9 // a string that is never shown (sensitive)
)

// String returns the type's name as Kafka's documentation spells it.
func (t Type) String() string {
	switch t {
	case TypeBoolean:
		return "boolean"
	case TypeString:
		return "string"
	case TypeInt:
		return "int"
	case TypeShort:
		return "short"
	case TypeLong:
		return "long"
	case TypeDouble:
		return "double"
	case TypeList:
		return "list"
	case TypeClass:
		return "class"
	case TypePassword:
		return "password"
	}
	return "unknown"
}

// Scope says where a key may be set: in the broker configuration
// (server.properties, flags, dynamic broker configs), on a topic, or both.
type Scope uint8

// The scopes. A key in both scopes (compression.type, min.insync.replicas,
// unclean.leader.election.enable) has the same name at both levels, and the
// broker value is the default for topics that do not set it.
const (
	ScopeBroker Scope = 1 << iota
	ScopeTopic
)

// String names the scope: "broker", "topic" or "broker,topic".
func (s Scope) String() string {
	var parts []string
	if s&ScopeBroker != 0 {
		parts = append(parts, "broker")
	}
	if s&ScopeTopic != 0 {
		parts = append(parts, "topic")
	}
	return strings.Join(parts, ",")
}

// Key is one configuration key: a row of the declarative table.
type Key struct {
	// Name is Kafka's name for the key (or a samsa.-prefixed name for what
	// Kafka does not have).
	Name string
	// Type is how the value text is parsed.
	Type Type
	// Default is the value, in the text form a user writes, used when
	// nothing sets the key. It is meaningless when NoDefault is set.
	Default string
	// NoDefault marks keys Kafka documents without a default (null): they
	// have no value unless set, or one taken from Fallbacks.
	NoDefault bool
	// Required marks keys that must be set (implies NoDefault).
	Required bool
	// Validator checks a parsed value; nil accepts any value of Type.
	Validator Validator
	// Doc is one sentence for the reference documentation and DescribeConfigs.
	Doc string
	// Scope says where the key may be set.
	Scope Scope
	// Dynamic reports whether the broker-level key can change at runtime
	// through AlterConfigs (every topic-level key can). Keys that are not
	// dynamic are read-only in DescribeConfigs.
	Dynamic bool
	// BrokerKey, for topic keys, names the broker key whose value is the
	// default for topics that do not override it ("retention.ms" →
	// "log.retention.ms"). Empty for topic keys with no broker default.
	BrokerKey string
	// Fallbacks, for broker keys, lists lower-precedence keys, in order, that
	// supply the value when this key has none; values are converted from
	// their unit (.hours, .minutes) to this key's unit. It is how Kafka's
	// log.retention.ms > log.retention.minutes > log.retention.hours works.
	Fallbacks []string
}

// Sensitive reports whether the value must never be shown: DescribeConfigs
// returns no value for it, and error messages hide it.
func (k Key) Sensitive() bool { return k.Type == TypePassword }

// ReadOnly reports whether the broker-level key is read-only for
// AlterConfigs (it is not Dynamic). Topic-level keys are never read-only.
func (k Key) ReadOnly() bool { return !k.Dynamic }

// Lookup returns the key with this name, in either scope.
func Lookup(name string) (Key, bool) {
	k := lookupKey(name)
	if k == nil {
		return Key{}, false
	}
	return exported(k), true
}

// BrokerKeys returns every key that can be set on a broker, sorted by name.
func BrokerKeys() []Key { return exportAll(keysIn(ScopeBroker)) }

// TopicKeys returns every key that can be set on a topic, sorted by name.
func TopicKeys() []Key { return exportAll(keysIn(ScopeTopic)) }

// keysIn returns the table rows of a scope, sorted by name.
func keysIn(s Scope) []*Key {
	var out []*Key
	for _, table := range [][]Key{brokerKeys, topicKeys} {
		for i := range table {
			if table[i].Scope&s != 0 {
				out = append(out, &table[i])
			}
		}
	}
	slices.SortFunc(out, func(a, b *Key) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func exportAll(ks []*Key) []Key {
	out := make([]Key, len(ks))
	for i, k := range ks {
		out[i] = exported(k)
	}
	return out
}

// exported copies a table row so callers cannot modify the table through
// its slice field.
func exported(k *Key) Key {
	c := *k
	c.Fallbacks = slices.Clone(k.Fallbacks)
	return c
}

// lookupKey finds a table row. A linear scan of about a hundred rows is
// cheap next to anything that asks (loading, validation, DescribeConfigs),
// and it needs no index built at init time.
func lookupKey(name string) *Key {
	for _, table := range [][]Key{brokerKeys, topicKeys} {
		for i := range table {
			if table[i].Name == name {
				return &table[i]
			}
		}
	}
	return nil
}

// mustKey is lookupKey for names the code itself uses; a miss is a bug.
func mustKey(name string) *Key {
	k := lookupKey(name)
	if k == nil {
		panic(fmt.Sprintf("config: unknown key %q", name))
	}
	return k
}

// parse turns a value's text into its Go form (int64 for int, short and
// long; float64; bool; string; []string) and runs the validator. Like
// Kafka's ConfigDef it trims surrounding whitespace first. The error is the
// reason only; callers wrap it in an *Error naming the key.
func parse(k *Key, text string) (any, error) {
	s := strings.TrimSpace(text)
	var v any
	switch k.Type {
	case TypeBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			v = true
		case strings.EqualFold(s, "false"):
			v = false
		default:
			return nil, fmt.Errorf("must be true or false")
		}
	case TypeInt, TypeShort, TypeLong:
		bits := map[Type]int{TypeShort: 16, TypeInt: 32, TypeLong: 64}[k.Type]
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return nil, fmt.Errorf("must be a %d-bit integer (%s)", bits, k.Type)
		}
		v = n
	case TypeDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("must be a number (double)")
		}
		v = f
	case TypeList:
		list := []string{}
		if s != "" {
			for e := range strings.SplitSeq(s, ",") {
				e = strings.TrimSpace(e)
				if e == "" {
					return nil, fmt.Errorf("must be a comma-separated list without empty elements")
				}
				list = append(list, e)
			}
		}
		v = list
	case TypeString, TypePassword, TypeClass:
		v = s
	default:
		panic(fmt.Sprintf("config: key %q has no type", k.Name))
	}
	if k.Validator != nil {
		if err := k.Validator.Validate(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// format is the canonical text of a parsed value: what DescribeConfigs and
// TopicDefaults return, whatever spacing or case the user wrote.
func format(v any) string {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	}
	panic(fmt.Sprintf("config: unexpected value type %T", v))
}

// defaultValue is the parsed table default. Defaults are checked by a test,
// so a parse failure here is a bug in the table.
func defaultValue(k *Key) (any, bool) {
	if k.NoDefault {
		return nil, false
	}
	v, err := parse(k, k.Default)
	if err != nil {
		panic(fmt.Sprintf("config: default %q of %q is invalid: %v", k.Default, k.Name, err))
	}
	return v, true
}

// unit is the time unit a key's name declares by its suffix, or 0 for keys
// that are not durations.
func unit(name string) time.Duration {
	switch {
	case strings.HasSuffix(name, ".ms"):
		return time.Millisecond
	case strings.HasSuffix(name, ".minutes"):
		return time.Minute
	case strings.HasSuffix(name, ".hours"):
		return time.Hour
	}
	return 0
}

// convert turns a fallback key's value into the unit of the key it stands
// in for (log.retention.hours → log.retention.ms). A negative time means
// "unlimited" to Kafka whatever its unit, so it reads as -1 (not -1 hour in
// milliseconds), as Kafka's KafkaConfig does for retention.
func convert(v any, from, to string) any {
	uf, ut := unit(from), unit(to)
	n, ok := v.(int64)
	switch {
	case !ok || uf == 0 || ut == 0:
		return v
	case n < 0:
		return int64(-1)
	}
	return n * int64(uf/ut)
}

// toDuration converts a count of u to a Duration, saturating instead of
// overflowing: Kafka's "never" is Long.MAX_VALUE milliseconds, far beyond
// what a Duration holds.
func toDuration(n int64, u time.Duration) time.Duration {
	if n > int64(math.MaxInt64/u) {
		return math.MaxInt64
	}
	if n < int64(math.MinInt64/u) {
		return math.MinInt64
	}
	return time.Duration(n) * u
}

// getter holds the typed-accessor logic shared by Broker and TopicConfig:
// value returns the effective parsed value of a key and whether it has one.
type getter func(k *Key) (any, bool)

func (g getter) typed(name string, scope Scope, method string, types ...Type) any {
	k := lookupKey(name)
	if k == nil || k.Scope&scope == 0 {
		panic(fmt.Sprintf("config: %s(%q): no such %s key", method, name, scope))
	}
	if !slices.Contains(types, k.Type) {
		panic(fmt.Sprintf("config: %s(%q): key is of type %s", method, name, k.Type))
	}
	v, _ := g(k)
	return v
}

func (g getter) integer(name string, scope Scope) int64 {
	return g.intAs(name, scope, "Int")
}

func (g getter) intAs(name string, scope Scope, method string) int64 {
	v, _ := g.typed(name, scope, method, TypeInt, TypeShort, TypeLong).(int64)
	return v
}

func (g getter) double(name string, scope Scope) float64 {
	v, _ := g.typed(name, scope, "Double", TypeDouble).(float64)
	return v
}

func (g getter) boolean(name string, scope Scope) bool {
	v, _ := g.typed(name, scope, "Bool", TypeBoolean).(bool)
	return v
}

func (g getter) str(name string, scope Scope) string {
	v, _ := g.typed(name, scope, "String", TypeString, TypePassword, TypeClass).(string)
	return v
}

func (g getter) list(name string, scope Scope) []string {
	v, _ := g.typed(name, scope, "List", TypeList).([]string)
	return slices.Clone(v)
}

func (g getter) duration(name string, scope Scope) time.Duration {
	u := unit(name)
	if u == 0 {
		panic(fmt.Sprintf("config: Duration(%q): the name has no time unit suffix", name))
	}
	return toDuration(g.intAs(name, scope, "Duration"), u)
}
