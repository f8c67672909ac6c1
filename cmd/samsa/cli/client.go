package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// tlsFlags are the client TLS options. Samsa does not serve TLS yet; the
// flags are here so scripts work unchanged when it does, and they work today
// against other Kafka clusters.
type tlsFlags struct {
	enabled    bool
	caFile     string
	certFile   string
	keyFile    string
	serverName string
	insecure   bool
}

func (t *tlsFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&t.enabled, "tls", false, "connect with TLS (implied by the other --tls-* flags)")
	fs.StringVar(&t.caFile, "tls-ca", "", "PEM file of CA certificates to trust instead of the system pool")
	fs.StringVar(&t.certFile, "tls-cert", "", "PEM client certificate (with --tls-key) for mutual TLS")
	fs.StringVar(&t.keyFile, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&t.serverName, "tls-server-name", "", "server name to verify (default: the broker host)")
	fs.BoolVar(&t.insecure, "tls-insecure-skip-verify", false, "do not verify the broker certificate (testing only)")
}

func (t *tlsFlags) config() (*tls.Config, error) {
	if !t.enabled && t.caFile == "" && t.certFile == "" && t.keyFile == "" && t.serverName == "" && !t.insecure {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.serverName, InsecureSkipVerify: t.insecure}
	if t.caFile != "" {
		pem, err := os.ReadFile(t.caFile)
		if err != nil {
			return nil, usageErrorf("--tls-ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageErrorf("--tls-ca %s: no PEM certificates in the file", t.caFile)
		}
		cfg.RootCAs = pool
	}
	if (t.certFile == "") != (t.keyFile == "") {
		return nil, usageErrorf("--tls-cert and --tls-key go together")
	}
	if t.certFile != "" {
		cert, err := tls.LoadX509KeyPair(t.certFile, t.keyFile)
		if err != nil {
			return nil, usageErrorf("--tls-cert/--tls-key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// saslFlags are the client SASL options (PLAIN, SCRAM-SHA-256/512), ready
// for when the broker grows SASL.
type saslFlags struct {
	mechanism string
	user      string
	password  string
}

func (s *saslFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.mechanism, "sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	fs.StringVar(&s.user, "sasl-user", "", "SASL user name")
	fs.StringVar(&s.password, "sasl-password", "", "SASL password (or env SAMSA_SASL_PASSWORD, which keeps it out of ps)")
}

func (s *saslFlags) mechanismFor() (sasl.Mechanism, error) {
	pass := s.password
	if pass == "" {
		pass = os.Getenv("SAMSA_SASL_PASSWORD")
	}
	if s.mechanism == "" {
		if s.user != "" || s.password != "" {
			return nil, usageErrorf("--sasl-user/--sasl-password need --sasl-mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
		}
		return nil, nil
	}
	if s.user == "" {
		return nil, usageErrorf("--sasl-mechanism %s needs --sasl-user", s.mechanism)
	}
	switch strings.ToUpper(s.mechanism) {
	case "PLAIN":
		return plain.Auth{User: s.user, Pass: pass}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: s.user, Pass: pass}.AsSha256Mechanism(), nil
	case "SCRAM-SHA-512":
		return scram.Auth{User: s.user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, usageErrorf("--sasl-mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", s.mechanism)
}

// brokerList splits --brokers, rejecting entries that are not host:port.
func (e *env) brokerList() ([]string, error) {
	var out []string
	for _, b := range strings.Split(e.brokers, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(b); err != nil || port == "" {
			return nil, usageErrorf("--brokers: %q is not host:port", b)
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, usageErrorf("--brokers is empty; give host:port[,host:port...] or set SAMSA_BROKERS")
	}
	return out, nil
}

// baseOpts are the kgo options every client of this process shares.
func (e *env) baseOpts() ([]kgo.Opt, error) {
	seeds, err := e.brokerList()
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.ClientID(e.clientID),
		kgo.DialTimeout(min(e.timeout, 10*time.Second)),
		kgo.RequestTimeoutOverhead(e.timeout),
		// Bounded retries so that a broker that is down ends a command
		// with an error instead of hanging.
		kgo.RetryTimeout(e.timeout),
	}
	tc, err := e.tls.config()
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	mech, err := e.sasl.mechanismFor()
	if err != nil {
		return nil, err
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	return opts, nil
}

// client builds a kgo client with extra options and checks that a broker
// answers, so that an unreachable cluster is one clear error up front
// instead of a timeout deep inside a verb.
func (e *env) client(ctx context.Context, extra ...kgo.Opt) (*kgo.Client, error) {
	opts, err := e.baseOpts()
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	pctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	if err := cl.Ping(pctx); err != nil {
		cl.Close()
		return nil, e.unreachable(err)
	}
	return cl, nil
}

// admin is a kadm client over a fresh kgo client; close the kgo client.
func (e *env) admin(ctx context.Context) (*kadm.Client, *kgo.Client, error) {
	// kgo answers Metadata requests from a cache younger than
	// MetadataMinAge (5 s by default): an admin client that checks a topic
	// it just created must see fresh answers.
	cl, err := e.client(ctx, kgo.MetadataMinAge(50*time.Millisecond))
	if err != nil {
		return nil, nil, err
	}
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(int32(e.timeout / time.Millisecond))
	return adm, cl, nil
}

// unreachable explains a failed first contact.
func (e *env) unreachable(err error) error {
	hint := "check --brokers (or SAMSA_BROKERS) and that a broker is running there"
	if e.tls.enabled || e.tls.caFile != "" {
		hint += "; check the TLS flags"
	}
	if e.sasl.mechanism != "" {
		hint += "; check the SASL flags"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within --timeout %v", e.timeout)
	}
	return fmt.Errorf("cannot reach brokers %s: %v; %s", e.brokers, err, hint)
}

// rctx bounds one admin step by --timeout.
func (e *env) rctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.timeout)
}
