package config

import (
	"fmt"
	"io"
	"strings"
)

// docIntro opens docs/configuration.md. It carries the rules the tables
// cannot show: file syntax, precedence, synonyms, dynamic updates.
const docIntro = `# Configuration reference

<!-- Generated from internal/config/keys_broker.go and keys_topic.go; do not edit.
     Regenerate with: go generate ./internal/config
     (which runs: go test ./internal/config -run TestConfigurationDocUpToDate -update) -->

Samsa uses Apache Kafka's configuration keys, types and defaults, so a Kafka
` + "`server.properties`" + ` and Kafka's admin tools work unchanged. Keys that Kafka does not
have start with ` + "`samsa.`" + `.

**Broker configuration** is read from a Java properties file (` + "`#`" + ` and ` + "`!`" + ` comments,
` + "`key=value`" + `, ` + "`key: value`" + ` or ` + "`key value`" + `, backslash line continuations and escapes), with
command-line flags overriding it key by key. Unknown keys are logged and ignored; an
invalid value, a missing required key or contradictory keys stop the broker with an
error naming each key, its value and what is allowed.

**Precedence among synonyms.** Where Kafka has several keys for one setting, the more
precise one wins wherever it is set: ` + "`log.retention.ms`" + ` over ` + "`log.retention.minutes`" + ` over
` + "`log.retention.hours`" + `; ` + "`log.roll.ms`" + ` over ` + "`log.roll.hours`" + `; ` + "`log.roll.jitter.ms`" + ` over
` + "`log.roll.jitter.hours`" + `; ` + "`log.flush.interval.ms`" + ` over ` + "`log.flush.scheduler.interval.ms`" + `;
` + "`log.dirs`" + ` over ` + "`log.dir`" + `. A negative retention time in any unit means no limit.

**Topic configuration** is set per topic (CreateTopics, ` + "`kafka-configs --alter`" + `). A topic
that does not set a key uses the broker-wide default named in the *Broker default*
column. Every topic key can be changed at runtime. For one value, the order is: the
topic's own config, then the broker key's dynamic per-broker value, its dynamic
cluster-wide default, its static value, and finally the default shown here.

**Dynamic** broker keys can be changed at runtime with AlterConfigs (per broker or as a
cluster-wide default); the others are read at start-up only. Passwords are never
returned by DescribeConfigs.
`

// WriteMarkdown writes the configuration reference (docs/configuration.md):
// the rules above and one table per scope, generated from the key table so
// the two cannot drift (TestConfigurationDocUpToDate fails when they do).
func WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString(docIntro)

	b.WriteString("\n## Broker configs\n\n")
	b.WriteString("| Name | Type | Default | Valid values | Dynamic | Description |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, k := range keysIn(ScopeBroker) {
		dyn := "no"
		if k.Dynamic {
			dyn = "yes"
		}
		row(&b, "`"+k.Name+"`", k.Type.String(), docDefault(k), docValid(k), dyn, k.Doc)
	}

	b.WriteString("\n## Topic configs\n\n")
	b.WriteString("| Name | Type | Default | Valid values | Broker default | Description |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, k := range keysIn(ScopeTopic) {
		bk := "none"
		if k.BrokerKey != "" {
			bk = "`" + k.BrokerKey + "`"
		}
		row(&b, "`"+k.Name+"`", k.Type.String(), docDefault(k), docValid(k), bk, k.Doc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func row(b *strings.Builder, cells ...string) {
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(strings.ReplaceAll(c, "|", `\|`), "\n", " ")
	}
	fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
}

func docDefault(k *Key) string {
	switch {
	case k.Required:
		return "required"
	case k.NoDefault:
		return "none"
	case k.Default == "":
		return `""`
	}
	return "`" + k.Default + "`"
}

func docValid(k *Key) string {
	if k.Validator == nil {
		if k.Type == TypeBoolean {
			return "true, false"
		}
		return "any"
	}
	return k.Validator.String()
}
