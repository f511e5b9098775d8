#!/usr/bin/env node
// Runs every peer job against a running emulator, each in its own Node process (so wall time and peak RSS are
// per job), picks the job parameters from the emulator's /_emulator/world, and checks the SDK's view against the
// world's expected facts (accounts, subscriptions, invoices: names, amounts, PDF hashes).
//
//   node run-all.js --ready-file /tmp/emu-peer/ready.json --token t0k [--out DIR] [--jobs accounts,invoices,usage,costreport]
//                   [--latency-ms 50] [--repeat 3] [--from yyyy-MM-dd --to yyyy-MM-dd] [--cost-scope SCOPE]
// --latency-ms sets the emulator's fixed latency through POST /_emulator/faults (and resets faults at the end);
// --repeat runs each job N times (summary: median wallMs, max peak RSS).
//
// Prints one JSON line per job (the job's own line plus a "check" object) and a final summary line
// {"summary":...}. Exit code 0 only when every job succeeded and every check passed.
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = true;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
if (!args["ready-file"] || !args.token) {
  process.stderr.write("usage: node run-all.js --ready-file FILE --token T [--out DIR] [--jobs a,b,c] [--latency-ms N] [--repeat N]\n");
  process.exit(2);
}
const ready = JSON.parse(fs.readFileSync(args["ready-file"], "utf8"));
const outDir = path.resolve(args.out || fs.mkdtempSync(path.join(require("os").tmpdir(), "peer-")));
const jobs = String(args.jobs || "accounts,invoices,usage,costreport").split(",");

async function main() {
  // NODE_EXTRA_CA_CERTS must be set at start-up for this process's fetch too.
  if (process.env.NODE_EXTRA_CA_CERTS !== ready.certPath && !process.env.PEER_NO_REEXEC) {
    const r = spawnSync(process.execPath, process.argv.slice(1), {
      stdio: "inherit",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ready.certPath, PEER_NO_REEXEC: "1" },
    });
    process.exit(r.status === null ? 1 : r.status);
  }
  const admin = (p, init = {}) => fetch(ready.armUrl.replace(/\/+$/, "") + p, { ...init, headers: { "x-emulator-admin": "true", "content-type": "application/json", ...(init.headers || {}) } });
  if (args["latency-ms"] !== undefined) {
    // Benchmark setting: fixed latency on every ARM request (replaces the emulator's current fault settings).
    const r = await admin("/_emulator/faults", { method: "POST", body: JSON.stringify({ latencyMs: Number(args["latency-ms"]) }) });
    if (!r.ok) throw new Error(`/_emulator/faults -> ${r.status}`);
  }
  const res = await admin("/_emulator/world");
  if (!res.ok) throw new Error(`/_emulator/world -> ${res.status}`);
  const world = await res.json();

  const today = world.today; // yyyy-MM-dd
  const [ty, tm] = today.split("-").map(Number);
  const last = new Date(Date.UTC(ty, tm - 2, 1)); // previous (complete) month
  const month = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, "0")}`;
  const payg = world.accounts.find((a) => a.agreementType === "MicrosoftOnlineServicesProgram");
  const paygSub = payg && payg.subscriptions[0] ? payg.subscriptions[0].subscriptionId : null;
  const costAcct = world.accounts.find((a) => a.agreementType === "EnterpriseAgreement") || world.accounts.find((a) => a.agreementType === "MicrosoftCustomerAgreement");
  const costScope = args["cost-scope"] || (costAcct ? `/providers/Microsoft.Billing/billingAccounts/${costAcct.name}` : null);
  const from = args.from || `${ty - 1}-${String(tm).padStart(2, "0")}-01`;
  const to = args.to || today;

  const jobArgs = {
    accounts: ["accounts"],
    invoices: ["invoices", "--from", from, "--to", to, "--out", path.join(outDir, "invoices")],
    usage: ["usage", "--subscription", paygSub || "(none)", "--month", month],
    // The Cost Details API serves EA and MCA scopes (not pay-as-you-go subscriptions): use the EA account, else MCA.
    costreport: ["costreport", "--scope", costScope || "(none)", "--month", month, "--out", path.join(outDir, "costreport")],
  };

  const summary = { armUrl: ready.armUrl, seed: world.seed, today, month, from, to, jobs: {} };
  let allOk = true;
  const repeat = Math.max(1, parseInt(args.repeat || "1", 10));
  for (const job of jobs) for (let run = 1; run <= repeat; run++) {
    const r = spawnSync(process.execPath, [path.join(__dirname, "peer.js"), ...jobArgs[job], "--arm-url", ready.armUrl, "--token", args.token], {
      encoding: "utf8",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ready.certPath },
      maxBuffer: 64 * 1024 * 1024,
    });
    let line;
    try {
      line = JSON.parse(r.stdout.trim().split("\n").pop());
    } catch {
      line = { job, ok: false, errors: [{ kind: "NoOutput", message: (r.stderr || "").slice(0, 500) }] };
    }
    line.check = check(job, line, world, { from, to, month });
    line.run = run;
    const ok = line.ok && line.check.ok;
    allOk = allOk && ok;
    const j = (summary.jobs[job] = summary.jobs[job] || { ok: true, runs: [], peakRssBytes: 0, errors: 0, check: true });
    j.ok = j.ok && ok;
    j.check = j.check && line.check.ok;
    j.errors += (line.errors || []).length;
    j.runs.push(line.wallMs);
    j.peakRssBytes = Math.max(j.peakRssBytes, line.peakRssBytes || 0);
    j.wallMs = median(j.runs);
    process.stdout.write(JSON.stringify(line) + "\n");
  }
  summary.latencyMs = args["latency-ms"] !== undefined ? Number(args["latency-ms"]) : null;
  if (args["latency-ms"] !== undefined) await admin("/_emulator/reset", { method: "POST" });
  summary.ok = allOk;
  process.stdout.write(JSON.stringify({ summary }) + "\n");
  process.exitCode = allOk ? 0 : 1;
}

function median(xs) {
  const a = xs.filter((x) => typeof x === "number").sort((x, y) => x - y);
  if (!a.length) return null;
  const m = a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  return Math.round(m * 10) / 10;
}

/** The SDK's view against the world's expected facts. */
function check(job, line, world, { from, to, month }) {
  const problems = [];
  if (!line.data) return { ok: false, problems: ["no data"] };
  if (job === "accounts") {
    const want = new Map(world.accounts.map((a) => [a.name, a]));
    for (const a of line.data.accounts) {
      const w = want.get(a.name);
      if (!w) { problems.push(`unexpected account ${a.name}`); continue; }
      if (w.agreementType !== a.agreementType) problems.push(`${a.name}: agreementType ${a.agreementType} != ${w.agreementType}`);
      const ws = new Set(w.subscriptions.map((s) => s.subscriptionId.toLowerCase()));
      const gs = new Set(a.subscriptions.map((s) => s.subscriptionId));
      for (const s of ws) if (!gs.has(s)) problems.push(`${a.name}: missing subscription ${s}`);
      for (const s of gs) if (!ws.has(s)) problems.push(`${a.name}: unexpected subscription ${s}`);
      want.delete(a.name);
    }
    for (const n of want.keys()) problems.push(`missing account ${n}`);
  } else if (job === "invoices") {
    const expected = new Map();
    const notes = [];
    for (const a of world.accounts) {
      // An account whose invoice listing the service refused (e.g. EA at 2020-05-01, which the spec documents as
      // MCA/MPA only) is reported as a note, not as missing invoices.
      const refused = (line.errors || []).find((e) => String(e.context || "").startsWith(`invoices.listByBillingAccount(${a.name},`) && e.statusCode >= 400 && e.statusCode < 500);
      if (refused) { notes.push(`${a.name} (${a.agreementType}): listing refused ${refused.statusCode} ${refused.code}`); continue; }
      for (const inv of a.invoices || []) {
        // invoices whose period overlaps [from, to] (the list filter of 2020-05-01 is on the invoice period/date)
        if (inv.periodEndDate < from || inv.periodStartDate > to) continue;
        const doc = (inv.documents || []).find((d) => d.kind === "Invoice");
        expected.set(inv.name, { amount: inv.totalAmount, currency: inv.currency, sha256: doc ? doc.sha256 : null });
      }
    }
    // Every world invoice, for invoices the service returned because their invoiceDate (not their period) is in range.
    const all = new Map();
    for (const a of world.accounts) for (const inv of a.invoices || []) {
      const doc = (inv.documents || []).find((d) => d.kind === "Invoice");
      all.set(inv.name, { amount: inv.totalAmount, currency: inv.currency, sha256: doc ? doc.sha256 : null });
    }
    const got = new Map(line.data.invoices.map((i) => [i.invoiceName, i]));
    const compare = (name, g, w) => {
      if (Number(g.amount) !== Number(w.amount) || g.currency !== w.currency) problems.push(`${name}: amount ${g.amount} ${g.currency} != ${w.amount} ${w.currency}`);
      if (w.sha256 && g.sha256 !== w.sha256) problems.push(`${name}: sha256 ${g.sha256} != ${w.sha256}`);
    };
    for (const [name, w] of expected) {
      const g = got.get(name);
      if (!g) { problems.push(`missing invoice ${name}`); continue; }
      compare(name, g, w);
    }
    let byInvoiceDate = 0;
    for (const [n, g] of got) {
      if (expected.has(n)) continue;
      if (all.has(n) && g.invoiceDate && g.invoiceDate >= from && g.invoiceDate <= to) { byInvoiceDate++; compare(n, g, all.get(n)); }
      else problems.push(`unexpected invoice ${n} (invoiceDate ${g.invoiceDate})`);
    }
    if (byInvoiceDate) notes.push(`${byInvoiceDate} invoice(s) returned because their invoiceDate is in range though their period starts before it`);
    return { ok: problems.length === 0, problems: problems.slice(0, 50), problemCount: problems.length, notes };
  } else {
    // usage / costreport: the world's usageFacts for the subscription scope and month (actual cost per currency).
    const scope = line.data.scope;
    const fact = (world.usageFacts || []).find((f) => f.scope.toLowerCase() === String(scope).toLowerCase() && f.month === month);
    const count = job === "usage" ? line.data.count : line.data.rows;
    if (!fact) problems.push(`no usageFacts for ${scope} ${month}`);
    else {
      if (count !== fact.rowCount) problems.push(`${job}: ${count} records != ${fact.rowCount}`);
      if (fact.actualCost) {
        const got = line.data.totalCostByCurrency || {};
        for (const [cur, v] of Object.entries(fact.actualCost)) {
          if (!(cur in got) || Math.abs(Number(got[cur]) - Number(v)) > 1e-6 * Math.max(1, Math.abs(Number(v))))
            problems.push(`${job}: total ${cur} ${got[cur]} != ${v}`);
        }
        for (const cur of Object.keys(got)) if (!(cur in fact.actualCost)) problems.push(`${job}: unexpected currency ${cur}`);
      }
    }
  }
  return { ok: problems.length === 0, problems: problems.slice(0, 50), problemCount: problems.length };
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ summary: { ok: false, error: String(e && e.message || e), cause: String(e && e.cause && (e.cause.code || e.cause.message) || "") } }) + "\n");
  process.exitCode = 1;
});
