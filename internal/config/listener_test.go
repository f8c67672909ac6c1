package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseListener(t *testing.T) {
	tests := []struct {
		in      string
		want    Listener
		addr    string
		wantErr string
	}{
		{in: "PLAINTEXT://127.0.0.1:9092", want: Listener{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092}, addr: "127.0.0.1:9092"},
		{in: "CONTROLLER://:9093", want: Listener{Name: "CONTROLLER", Port: 9093}, addr: ":9093"},
		{in: "plaintext://host-1.example.com:0", want: Listener{Name: "PLAINTEXT", Host: "host-1.example.com"}, addr: "host-1.example.com:0"},
		{in: "SSL://[::1]:9092", want: Listener{Name: "SSL", Host: "::1", Port: 9092}, addr: "[::1]:9092"},
		{in: "EXT://[fe80::1%eth0]:9092", want: Listener{Name: "EXT", Host: "fe80::1%eth0", Port: 9092}, addr: "[fe80::1%eth0]:9092"},
		{in: "EXT://0.0.0.0:9092", want: Listener{Name: "EXT", Host: "0.0.0.0", Port: 9092}, addr: "0.0.0.0:9092"},
		{in: "127.0.0.1:9092", wantErr: "not of the form NAME://host:port"},
		{in: "://:9092", wantErr: "not of the form"},
		{in: "PLAIN TEXT://:9092", wantErr: "may use only letters"},
		{in: "PLAINTEXT://localhost", wantErr: "missing :port"},
		{in: "PLAINTEXT://localhost:http", wantErr: `port "http"`},
		{in: "PLAINTEXT://localhost:65536", wantErr: `port "65536"`},
		{in: "PLAINTEXT://localhost:-1", wantErr: `port "-1"`},
		{in: "PLAINTEXT://::1:9092", wantErr: "must be in brackets"},
		{in: "PLAINTEXT://[::1:9092", wantErr: "want [ipv6]:port"},
		{in: "PLAINTEXT://[localhost]:9092", wantErr: "not an IPv6 address"},
		{in: "PLAINTEXT://ho/st:9092", wantErr: "characters a host name cannot have"},
	}
	for _, tt := range tests {
		got, err := parseListener(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || got.Addr() != tt.addr {
			t.Errorf("%q = %+v (%s), %v; want %+v (%s)", tt.in, got, got.Addr(), err, tt.want, tt.addr)
		}
	}
	if s := (Listener{Name: "SSL", Host: "::1", Port: 1}).String(); s != "SSL://[::1]:1" {
		t.Errorf("String() = %q", s)
	}
}

func TestListeners(t *testing.T) {
	b := mustBroker(t, with(minimal(),
		"listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://:9093,SSL://[::1]:9094"), nil)
	want := []Listener{
		{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092, SecurityProtocol: "PLAINTEXT"},
		{Name: "CONTROLLER", Port: 9093, SecurityProtocol: "PLAINTEXT"},
		{Name: "SSL", Host: "::1", Port: 9094, SecurityProtocol: "SSL"},
	}
	if !slices.Equal(b.Listeners, want) {
		t.Errorf("listeners %+v", b.Listeners)
	}
	// Advertised defaults to the listeners without the controller ones.
	if !slices.Equal(b.AdvertisedListeners, []Listener{want[0], want[2]}) {
		t.Errorf("advertised %+v", b.AdvertisedListeners)
	}
	if b.InterBrokerListenerName != "PLAINTEXT" || !slices.Equal(b.ControllerListenerNames, []string{"CONTROLLER"}) {
		t.Errorf("inter-broker %q controller %v", b.InterBrokerListenerName, b.ControllerListenerNames)
	}

	// Custom names with an explicit protocol map and inter-broker listener.
	b = mustBroker(t, with(minimal(),
		"listeners", "internal://:9092,EXTERNAL://:9094,CONTROLLER://:9093",
		"advertised.listeners", "INTERNAL://broker-1:9092,EXTERNAL://public.example.com:443",
		"listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL,controller:plaintext",
		"inter.broker.listener.name", "internal"), nil)
	if b.InterBrokerListenerName != "INTERNAL" || len(b.AdvertisedListeners) != 2 ||
		b.AdvertisedListeners[1].Addr() != "public.example.com:443" || b.AdvertisedListeners[1].SecurityProtocol != "SASL_SSL" {
		t.Errorf("custom listeners: %q %+v", b.InterBrokerListenerName, b.AdvertisedListeners)
	}
}

func TestListenerRules(t *testing.T) {
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"duplicate names", []string{"listeners", "PLAINTEXT://:9092,plaintext://:9093"},
			"listener name PLAINTEXT is used twice"},
		{"same port on all interfaces", []string{"listeners", "PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9092"},
			"bind the same address"},
		{"no protocol for name", []string{"listeners", "PLAINTEXT://:9092,CONTROLLER://:9093,CLIENT://:9094"},
			"listener CLIENT has no security protocol"},
		{"explicit map must name controller", []string{"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT"},
			"listener CONTROLLER has no security protocol"},
		{"controller names required", []string{"controller.listener.names", "<unset>"},
			`"controller.listener.names" must be set`},
		{"controller must listen", []string{"listeners", "PLAINTEXT://:9092"},
			"CONTROLLER is not in listeners"},
		{"broker-only must not open controller listener", []string{"process.roles", "broker"},
			"CONTROLLER is a controller listener, which a node with process.roles=broker must not open"},
		{"advertised must name a listener", []string{"advertised.listeners", "OTHER://h:1"},
			"OTHER is not the name of one of the listeners"},
		{"advertised wildcard", []string{"advertised.listeners", "PLAINTEXT://0.0.0.0:9092"},
			"advertises 0.0.0.0"},
		{"advertised duplicate", []string{"advertised.listeners", "PLAINTEXT://a:1,PLAINTEXT://b:2"},
			"used twice"},
		{"both inter-broker keys", []string{"inter.broker.listener.name", "PLAINTEXT", "security.inter.broker.protocol", "PLAINTEXT"},
			"set either inter.broker.listener.name or security.inter.broker.protocol"},
		{"inter-broker not advertised", []string{"security.inter.broker.protocol", "SSL"},
			"no advertised listener is named SSL"},
		{"inter-broker is controller", []string{"inter.broker.listener.name", "CONTROLLER"},
			"CONTROLLER is a controller listener"},
		{"controller not a voter", []string{"controller.quorum.voters", "2@localhost:9093"},
			"node.id 1 is a controller but not one of the voters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewBroker(with(minimal(), tt.kv...), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v is not ErrInvalidConfig", err)
			}
		})
	}

	// Broker-only nodes are valid without a controller listener.
	b := mustBroker(t, with(minimal(), "process.roles", "broker", "listeners", "PLAINTEXT://:9092",
		"controller.quorum.voters", "2@ctl:9093"), nil)
	if b.IsController() || len(b.QuorumVoters) != 1 || b.QuorumVoters[0] != (Voter{ID: 2, Host: "ctl", Port: 9093}) {
		t.Errorf("broker-only node: %+v", b)
	}
	// Controller-only nodes need no inter-broker listener.
	if _, err := NewBroker(with(minimal(), "process.roles", "controller", "listeners", "CONTROLLER://:9093"), nil); err != nil {
		t.Errorf("controller-only node: %v", err)
	}
	// Ephemeral ports may repeat: the OS picks distinct ones.
	if _, err := NewBroker(with(minimal(), "listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0"), nil); err != nil {
		t.Errorf("port 0 twice: %v", err)
	}
}

func TestParseVoters(t *testing.T) {
	v, err := parseVoters([]string{"1@localhost:9093", "2@[::1]:9094"})
	if err != nil || len(v) != 2 || v[1].Addr() != "[::1]:9094" {
		t.Fatalf("%+v %v", v, err)
	}
	for _, bad := range []string{"localhost:9093", "x@h:1", "-1@h:1", "1@:9093"} {
		if _, err := parseVoters([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
