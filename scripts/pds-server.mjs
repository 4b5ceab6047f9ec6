// A throwaway Bluesky PDS for campaign-kit's tests and benchmark: @atproto/dev-env's network
// without an AppView (a PDS on sqlite plus an in-memory PLC), one account, on 127.0.0.1.
// Run by scripts/pds.sh from its install folder (ES modules resolve from the script's folder).
// Prints one JSON line {"url", "handle", "did"} on stdout when ready; stops on SIGTERM or when
// stdin closes, so a test that dies never leaves it running.
import { TestNetworkNoAppView } from '@atproto/dev-env'

const port = Number(process.env.PDS_PORT || 0) || undefined
const handle = process.env.PDS_HANDLE || 'kit-publisher.test'
const password = process.env.PDS_PASSWORD
if (!password) {
  console.error('PDS_PASSWORD is not set')
  process.exit(2)
}

// Only pass a port that was asked for: dev-env spreads the config last, so `port: undefined`
// would override the free port it picked and leave its URL pointing at nothing.
const network = await TestNetworkNoAppView.create(port ? { pds: { port } } : {})
const agent = network.pds.getAgent()
const res = await agent.createAccount({ handle, email: 'publisher@kit.test', password })
console.log(JSON.stringify({ url: network.pds.url, handle, did: res.data.did }))

let closing = false
const stop = async () => {
  if (closing) return
  closing = true
  try {
    await network.close()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
