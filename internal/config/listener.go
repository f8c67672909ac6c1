package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Listener is one entry of listeners or advertised.listeners:
// NAME://host:port.
type Listener struct {
	// Name is the listener name, upper-cased as Kafka normalises it
	// ("PLAINTEXT", "CONTROLLER", "INTERNAL").
	Name string
	// Host is the host name or IP address, IPv6 without brackets. Empty in
	// listeners means every interface; empty in an advertised listener means
	// the broker should advertise its own host name.
	Host string
	// Port is the TCP port; 0 in listeners asks the OS for a free port (the
	// broker then advertises the port it got).
	Port int
	// SecurityProtocol is PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, from
	// listener.security.protocol.map.
	SecurityProtocol string
}

// Addr is the host:port form net.Listen and net.Dial take, with IPv6 hosts
// in brackets.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// String is the NAME://host:port form of the config.
func (l Listener) String() string { return l.Name + "://" + l.Addr() }

// Voter is one entry of controller.quorum.voters: id@host:port.
type Voter struct {
	ID   int32
	Host string
	Port int
}

// Addr is the voter's host:port.
func (v Voter) Addr() string { return net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) }

// securityProtocols are the protocols a listener can speak.
var securityProtocols = oneOf{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

// parseListener parses NAME://host:port. It follows Kafka's listener regex
// (host characters [0-9a-zA-Z-%._:], optional brackets) but insists on
// brackets around IPv6 addresses, which makes "::1:9092" an error rather
// than a guess.
func parseListener(s string) (Listener, error) {
	name, hostport, ok := strings.Cut(s, "://")
	if !ok || name == "" {
		return Listener{}, fmt.Errorf("%q is not of the form NAME://host:port", s)
	}
	if strings.ContainsFunc(name, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return Listener{}, fmt.Errorf("listener name %q may use only letters, digits, '_' and '-'", name)
	}
	host, port, err := parseHostPort(hostport, true)
	if err != nil {
		return Listener{}, fmt.Errorf("%q: %v", s, err)
	}
	return Listener{Name: strings.ToUpper(name), Host: host, Port: port}, nil
}

// parseHostPort splits host:port or [ipv6]:port. emptyHostOK allows ":port".
func parseHostPort(s string, emptyHostOK bool) (string, int, error) {
	var host, port string
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 || !strings.HasPrefix(s[end+1:], ":") {
			return "", 0, fmt.Errorf("want [ipv6]:port")
		}
		host, port = s[1:end], s[end+2:]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", 0, fmt.Errorf("%q in brackets is not an IPv6 address", host)
		}
	} else {
		i := strings.LastIndex(s, ":")
		if i < 0 {
			return "", 0, fmt.Errorf("missing :port")
		}
		host, port = s[:i], s[i+1:]
		if strings.Contains(host, ":") {
			return "", 0, fmt.Errorf("IPv6 addresses must be in brackets, as [::1]:9092")
		}
		if strings.ContainsFunc(host, func(r rune) bool {
			return !(r == '-' || r == '.' || r == '_' || r == '%' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			return "", 0, fmt.Errorf("host %q has characters a host name cannot have", host)
		}
	}
	if host == "" && !emptyHostOK {
		return "", 0, fmt.Errorf("missing host")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number in [0,65535]", port)
	}
	return host, p, nil
}

// parseListeners parses a listeners-style list and rejects repeated names,
// which would make per-listener settings ambiguous.
func parseListeners(list []string) ([]Listener, error) {
	out := make([]Listener, 0, len(list))
	for _, s := range list {
		l, err := parseListener(s)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o Listener) bool { return o.Name == l.Name }) {
			return nil, fmt.Errorf("listener name %s is used twice; each listener needs its own name", l.Name)
		}
		out = append(out, l)
	}
	return out, nil
}

// checkListeners is the validator of listeners: syntax, distinct names,
// and distinct bind addresses (two listeners on one port would fail to
// bind; an empty host binds every interface, so it clashes with any host).
var checkListeners = check{
	desc: "NAME://host:port, ...",
	fn: func(v any) error {
		ls, err := parseListeners(v.([]string))
		if err != nil {
			return err
		}
		for i, a := range ls {
			for _, b := range ls[:i] {
				if a.Port != 0 && a.Port == b.Port && (a.Host == b.Host || a.Host == "" || b.Host == "") {
					return fmt.Errorf("listeners %s and %s bind the same address", b.Name, a.Name)
				}
			}
		}
		return nil
	},
}

// checkAdvertised is the validator of advertised.listeners: syntax, distinct
// names, and no wildcard address, which no client can connect to.
var checkAdvertised = check{
	desc: "NAME://host:port, ...",
	fn: func(v any) error {
		ls, err := parseListeners(v.([]string))
		if err != nil {
			return err
		}
		for _, l := range ls {
			if ip := net.ParseIP(l.Host); ip != nil && ip.IsUnspecified() {
				return fmt.Errorf("%s advertises %s, which clients cannot connect to", l.Name, l.Host)
			}
		}
		return nil
	},
}

// parseProtocolMap parses NAME:PROTOCOL,... into upper-cased names.
func parseProtocolMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for e := range strings.SplitSeq(s, ",") {
		name, proto, ok := strings.Cut(strings.TrimSpace(e), ":")
		name, proto = strings.ToUpper(strings.TrimSpace(name)), strings.ToUpper(strings.TrimSpace(proto))
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not of the form NAME:PROTOCOL", e)
		}
		if err := securityProtocols.Validate(proto); err != nil {
			return nil, fmt.Errorf("protocol of %s: %v", name, err)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("listener name %s is mapped twice", name)
		}
		m[name] = proto
	}
	return m, nil
}

var checkProtocolMap = check{
	desc: "NAME:PROTOCOL, ... with PROTOCOL in " + securityProtocols.String(),
	fn: func(v any) error {
		_, err := parseProtocolMap(v.(string))
		return err
	},
}

// parseVoters parses id@host:port,... and rejects repeated ids.
func parseVoters(list []string) ([]Voter, error) {
	out := make([]Voter, 0, len(list))
	for _, s := range list {
		id, hostport, ok := strings.Cut(s, "@")
		if !ok {
			return nil, fmt.Errorf("%q is not of the form id@host:port", s)
		}
		n, err := strconv.ParseInt(id, 10, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q: id %q is not a node id", s, id)
		}
		host, port, err := parseHostPort(hostport, false)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", s, err)
		}
		if slices.ContainsFunc(out, func(v Voter) bool { return v.ID == int32(n) }) {
			return nil, fmt.Errorf("voter id %d is listed twice", n)
		}
		out = append(out, Voter{ID: int32(n), Host: host, Port: port})
	}
	return out, nil
}

var checkVoters = check{
	desc: "id@host:port, ...",
	fn: func(v any) error {
		_, err := parseVoters(v.([]string))
		return err
	},
}

// checkHostPortOrEmpty accepts host:port, or empty to disable.
var checkHostPortOrEmpty = check{
	desc: "host:port, or empty to disable",
	fn: func(v any) error {
		if v.(string) == "" {
			return nil
		}
		_, _, err := parseHostPort(v.(string), true)
		return err
	},
}

// checkClusterID accepts Kafka's cluster id form: a UUID as 22 characters
// of unpadded URL-safe base64, what `kafka-storage random-uuid` prints.
var checkClusterID = check{
	desc: "22-character base64 UUID",
	fn: func(v any) error {
		b, err := base64.RawURLEncoding.DecodeString(v.(string))
		if err != nil || len(b) != 16 {
			return fmt.Errorf("must be a UUID in 22 characters of URL-safe base64, such as kafka-storage random-uuid prints")
		}
		return nil
	},
}
