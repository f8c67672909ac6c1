'use strict'
// A kafkajs consumer-group member for the compatibility suite's group tests
// (test/compat/group_clients_test.go).
//
// Usage: node group_member.js CONFIG.json, where the config names the
// bootstrap address, group, topic, clientId (the member's name) and the
// session, heartbeat and rebalance timeouts.
//
// The member subscribes fromBeginning (used when the group has no committed
// offset), and with autoCommit off commits each record's offset
// (commitOffsets) after receiving it. It reports, as JSON lines on stdout:
//   {"ev":"assigned","t":topic,"p":[...]}  the assignment after each join (GROUP_JOIN)
//   {"ev":"revoked","t":topic,"p":[...]}   the whole assignment, when a rebalance starts (REBALANCING)
//   {"ev":"rec","t","p","o","k","v"}       a record (key and value as text)
//   {"ev":"committed","t","p","o"}         a commit the broker acknowledged
//   {"ev":"err","msg":...}                 a client error (logged by the test)
//   {"ev":"closed"}                        after disconnect() returned
// It leaves the group (consumer.disconnect) when stdin says "close" or ends.
const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')

const out = ev => process.stdout.write(JSON.stringify(ev) + '\n')

async function main () {
  const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  const kafka = new Kafka({
    clientId: cfg.name,
    brokers: [cfg.bootstrap],
    logLevel: cfg.debug ? logLevel.DEBUG : logLevel.NOTHING,
    requestTimeout: 30000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 }
  })
  const consumer = kafka.consumer({
    groupId: cfg.group,
    sessionTimeout: cfg.session_ms,
    heartbeatInterval: cfg.heartbeat_ms,
    rebalanceTimeout: cfg.rebalance_ms,
    maxWaitTimeInMs: 200,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 }
  })
  let current = []
  consumer.on(consumer.events.GROUP_JOIN, e => {
    current = (e.payload.memberAssignment[cfg.topic] || []).slice().sort((a, b) => a - b)
    out({ ev: 'assigned', t: cfg.topic, p: current })
  })
  if (consumer.events.REBALANCING) {
    consumer.on(consumer.events.REBALANCING, () => {
      if (current.length > 0) out({ ev: 'revoked', t: cfg.topic, p: current })
      current = []
    })
  }
  consumer.on(consumer.events.CRASH, e => out({ ev: 'err', msg: 'crash: ' + String(e.payload.error) }))
  out({ ev: 'version', v: `kafkajs ${require('kafkajs/package.json').version}, node ${process.version}` })

  let closing = false
  const close = async () => {
    if (closing) return
    closing = true
    await consumer.disconnect()
    out({ ev: 'closed' })
    process.exit(0)
  }
  let buf = ''
  process.stdin.on('data', d => {
    buf += d
    if (buf.split('\n').some(l => l.trim() === 'close')) close()
  })
  process.stdin.on('end', close)

  await consumer.connect()
  await consumer.subscribe({ topic: cfg.topic, fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      out({
        ev: 'rec',
        t: topic,
        p: partition,
        o: Number(message.offset),
        k: message.key === null ? null : message.key.toString(),
        v: message.value.toString()
      })
      const next = String(Number(message.offset) + 1)
      try {
        await consumer.commitOffsets([{ topic, partition, offset: next }])
        out({ ev: 'committed', t: topic, p: partition, o: Number(next) })
      } catch (e) {
        out({ ev: 'err', msg: 'commit: ' + String(e) })
      }
    }
  })
}

main().catch(e => {
  console.error('group_member failed:', e && e.stack ? e.stack : e)
  process.exit(1)
})
