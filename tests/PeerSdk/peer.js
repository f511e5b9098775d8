#!/usr/bin/env node
// Peer harness: the official Azure JavaScript SDKs doing the same billing jobs as BillingPowerShell.
// Written as an ordinary user of these SDKs would write it: public clients only, sequential, default
// settings (the SDKs' own retry and polling policies, untouched). Each job prints ONE JSON line on stdout.
//
//   node peer.js <job> --arm-url https://127.0.0.1:PORT --token T [job options]
//   node peer.js <job> --ready-file <emulator ready json> --token T [job options]
//
// Jobs: accounts | invoices [--months 12] [--from yyyy-MM-dd --to yyyy-MM-dd] [--out dir]
//       usage --subscription <id> --month yyyy-MM
//       costreport --scope <scope> --month yyyy-MM [--metric ActualCost] [--out dir]
//
// TLS: the emulator's certificate is trusted through NODE_EXTRA_CA_CERTS (never by disabling validation).
// With --ready-file and NODE_EXTRA_CA_CERTS not already naming its certPath, the harness re-runs itself once with
// NODE_EXTRA_CA_CERTS=<certPath from the ready file>, because Node reads that variable only at start-up.
"use strict";

const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const { spawnSync } = require("child_process");

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) out[a.slice(2)] = argv[++i];
      else out[a.slice(2)] = true;
    } else out._.push(a);
  }
  return out;
}

const USAGE =
  "usage: node peer.js <accounts|invoices|usage|costreport> (--arm-url URL | --ready-file FILE) [--token T]\n" +
  "  invoices   [--months 12] [--from yyyy-MM-dd] [--to yyyy-MM-dd] [--out DIR] [--agreement AgreementType]\n" +
  "  usage      --subscription ID --month yyyy-MM\n" +
  "  costreport --scope SCOPE --month yyyy-MM [--metric ActualCost|AmortizedCost] [--out DIR]\n" +
  "  token: --token, else env PEER_TOKEN. URL: --arm-url, else env PEER_ARM_URL, else --ready-file.";

const args = parseArgs(process.argv.slice(2));
const job = args._[0];

let ready = null;
if (args["ready-file"]) ready = JSON.parse(fs.readFileSync(args["ready-file"], "utf8"));

// Re-exec once so that NODE_EXTRA_CA_CERTS takes effect (it is read only when Node starts).
if (ready && ready.certPath && process.env.NODE_EXTRA_CA_CERTS !== ready.certPath && !process.env.PEER_NO_REEXEC) {
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ready.certPath, PEER_NO_REEXEC: "1" },
  });
  process.exit(r.status === null ? 1 : r.status);
}

const armUrl = (args["arm-url"] || process.env.PEER_ARM_URL || (ready && ready.armUrl) || "").replace(/\/+$/, "");
const token = args.token || process.env.PEER_TOKEN;

// SDKs are loaded after the re-exec decision so the measured process is the one doing the work.
const { redactUrl, DecimalSum, CsvParser } = require("./lib");
const { isTokenCredential } = require("@azure/core-auth");
const { BillingManagementClient } = require("@azure/arm-billing");
const { ConsumptionManagementClient } = require("@azure/arm-consumption");
const { CostManagementClient } = require("@azure/arm-costmanagement");

// ---------------------------------------------------------------------------------------------
// Helpers

/** A static bearer token, as a TokenCredential (core-auth's interface: getToken -> {token, expiresOnTimestamp}). */
function staticTokenCredential(value) {
  const cred = {
    getToken: async () => ({ token: value, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }),
  };
  if (!isTokenCredential(cred)) throw new Error("not a TokenCredential");
  return cred;
}

/** Client options: every one of these SDKs builds its URLs from `$host`; `endpoint` only sets the token scope. */
function clientOptions() {
  const o = { $host: armUrl, endpoint: armUrl };
  if (DIAG_ALIAS) o.additionalPolicies = [{ policy: aliasPolicy, position: "perCall" }];
  return o;
}

// DIAGNOSTIC ONLY (PEER_DIAG_ALIAS=1; never for fidelity or benchmark numbers): rewrites the SDKs' old
// api-versions to the newest ones the emulator serves, to find out which differences lie *behind* the first
// "unsupported api-version" error (missing parameters, shapes the SDK cannot read, status codes). The output
// line then carries "diagnosticAlias": {old: new} and is never "ok".
const DIAG_ALIAS = process.env.PEER_DIAG_ALIAS === "1";
const ALIAS = { "2020-05-01": "2024-04-01", "2021-10-01": "2024-08-01", "2022-10-01": "2025-03-01" };
const aliasPolicy = {
  name: "peerDiagnosticApiVersionAlias",
  sendRequest(request, next) {
    request.url = request.url.replace(/([?&]api-version=)(\d{4}-\d{2}-\d{2})(?=&|$)/, (m, p, v) => p + (ALIAS[v] || v));
    return next(request);
  },
};

/** What a failed call looked like: for the fidelity report and EMULATOR_GAPS.md. Never contains the token. */
function describeError(e, context) {
  const d = { context };
  if (e && e.name === "RestError") {
    d.kind = "RestError";
    d.statusCode = e.statusCode;
    d.code = e.code;
    d.message = String(e.message || "").slice(0, 500);
    if (e.request) d.request = `${e.request.method} ${redactUrl(e.request.url)}`;
    if (e.response && e.response.headers) {
      const h = e.response.headers;
      const rid = h.get && h.get("x-ms-request-id");
      if (rid) d.requestId = rid;
    }
  } else {
    d.kind = (e && e.name) || "Error";
    d.message = String((e && e.message) || e).slice(0, 500);
    if (e && e.cause) d.cause = String(e.cause.code || e.cause.message || e.cause).slice(0, 200);
  }
  return d;
}

function sumsToObject(map) {
  const o = {};
  for (const k of [...map.keys()].sort()) o[k] = map.get(k).toString();
  return o;
}
function addTo(map, currency, value) {
  const key = currency || "(none)";
  if (!map.has(key)) map.set(key, new DecimalSum());
  map.get(key).add(value);
}

/** GET a blob/SAS URL exactly as a user would: plain fetch, no Authorization header. */
async function fetchNoAuth(url) {
  const res = await fetch(url, { redirect: "follow" });
  if (!res.ok) {
    const body = await res.text().catch(() => "");
    const err = new Error(`GET ${redactUrl(url)} -> ${res.status} ${res.statusText} ${body.slice(0, 200)}`);
    err.name = "BlobDownloadError";
    throw err;
  }
  return res;
}

function monthRange(month) {
  const m = /^(\d{4})-(\d{2})$/.exec(month || "");
  if (!m) throw new Error("--month must be yyyy-MM");
  const y = +m[1], mo = +m[2];
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return { start: `${m[1]}-${m[2]}-01`, end: `${m[1]}-${m[2]}-${String(last).padStart(2, "0")}` };
}
function isoDate(d) { return d.toISOString().slice(0, 10); }

// ---------------------------------------------------------------------------------------------
// Jobs

async function jobAccounts(ctx) {
  const client = new BillingManagementClient(ctx.credential, "00000000-0000-0000-0000-000000000000", clientOptions());
  const accounts = [];
  for await (const a of client.billingAccounts.list()) {
    const acct = {
      name: a.name,
      displayName: a.displayName,
      agreementType: a.agreementType,
      accountType: a.accountType,
      accountStatus: a.accountStatus,
      subscriptions: [],
    };
    try {
      for await (const s of client.billingSubscriptions.listByBillingAccount(a.name)) {
        acct.subscriptions.push({
          name: s.name,
          subscriptionId: (s.subscriptionId || "").toLowerCase() || null,
          displayName: s.displayName,
          status: s.subscriptionBillingStatus,
          skuId: s.skuId,
          billingProfileId: s.billingProfileId,
          invoiceSectionId: s.invoiceSectionId,
        });
      }
    } catch (e) {
      ctx.errors.push(describeError(e, `billingSubscriptions.listByBillingAccount(${a.name})`));
      acct.subscriptionsError = true;
    }
    accounts.push(acct);
  }
  return {
    accountCount: accounts.length,
    subscriptionCount: accounts.reduce((n, a) => n + a.subscriptions.length, 0),
    accounts,
  };
}

// DIAGNOSTIC ONLY: keep the raw wire items of list pages (undefined options otherwise: the normal path is untouched).
const diagRaw = new Map();
function diagRawOptions() {
  if (!DIAG_ALIAS) return undefined;
  return {
    onResponse: (raw) => {
      let body = null;
      try { body = JSON.parse(raw.bodyAsText || "null"); } catch { /* not JSON */ }
      for (const v of (body && body.value) || []) diagRaw.set(v.name, v);
    },
  };
}
function diagAttachRaw(inv) {
  if (DIAG_ALIAS) Object.defineProperty(inv, "_raw", { value: diagRaw.get(inv.name), enumerable: false });
  return inv;
}

/** The download token of an invoice's PDF: documents[kind=Invoice].url carries `downloadToken=...` (2020-05-01). */
function invoiceDownloadToken(inv) {
  const docs = inv.documents || [];
  const doc = docs.find((d) => (d.kind || "").toLowerCase() === "invoice" && d.url) || docs.find((d) => d.url);
  if (!doc) {
    // DIAGNOSTIC ONLY: 2024-04-01 documents carry `name` (not read by this SDK's mapper) instead of a url with a
    // downloadToken; use the raw wire value so the download LRO path can still be exercised.
    if (DIAG_ALIAS && inv._raw) {
      const rawDocs = (inv._raw.properties && inv._raw.properties.documents) || [];
      const d = rawDocs.find((x) => String(x.kind).toLowerCase() === "invoice") || rawDocs[0];
      return d && d.name ? d.name : null;
    }
    return null;
  }
  try {
    return new URL(doc.url, armUrl).searchParams.get("downloadToken");
  } catch {
    return null;
  }
}

async function jobInvoices(ctx) {
  const months = parseInt(args.months || "12", 10);
  const today = new Date();
  const to = args.to || isoDate(today);
  const from = args.from || isoDate(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - months, 1)));
  const outDir = args.out ? path.resolve(args.out) : null;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });

  const client = new BillingManagementClient(ctx.credential, "00000000-0000-0000-0000-000000000000", clientOptions());
  const invoices = [];

  async function download(inv, scopeLabel, begin) {
    const entry = {
      scope: scopeLabel,
      invoiceName: inv.name,
      // totalAmount when the service sends it (MCA examples do; the pay-as-you-go example has only amountDue and
      // billedAmount); which one was used is recorded in amountSource.
      amount: null,
      currency: null,
      amountSource: null,
      amountDue: inv.amountDue ? inv.amountDue.value : null,
      billedAmount: inv.billedAmount ? inv.billedAmount.value : null,
      invoiceDate: inv.invoiceDate ? inv.invoiceDate.toISOString().slice(0, 10) : null,
      sha256: null,
      bytes: null,
    };
    for (const f of ["totalAmount", "billedAmount", "amountDue"]) {
      if (inv[f] && inv[f].value !== undefined) { entry.amount = inv[f].value; entry.currency = inv[f].currency; entry.amountSource = f; break; }
    }
    invoices.push(entry);
    const downloadToken = invoiceDownloadToken(inv);
    if (!downloadToken) {
      ctx.errors.push({ context: `invoice ${inv.name}`, kind: "NoDownloadToken", message: "no documents[].url with a downloadToken" });
      return;
    }
    try {
      const result = await begin(downloadToken);
      const res = await fetchNoAuth(result.url);
      const buf = Buffer.from(await res.arrayBuffer());
      entry.sha256 = crypto.createHash("sha256").update(buf).digest("hex");
      entry.bytes = buf.length;
      if (outDir) fs.writeFileSync(path.join(outDir, `${inv.name}.pdf`), buf);
    } catch (e) {
      ctx.errors.push(describeError(e, `download invoice ${inv.name} (${scopeLabel})`));
    }
  }

  for await (const a of client.billingAccounts.list()) {
    const type = a.agreementType || "";
    if (args.agreement && type !== args.agreement) continue; // e.g. only pay-as-you-go (benchmark)
    if (type === "MicrosoftOnlineServicesProgram") {
      // Pay-as-you-go: invoices are per billing subscription (2020-05-01 "billingAccounts/default/billingSubscriptions").
      let subs = [];
      try {
        for await (const s of client.billingSubscriptions.listByBillingAccount(a.name)) {
          const id = s.subscriptionId || s.name;
          if (id) subs.push(String(id).toLowerCase());
        }
      } catch (e) {
        ctx.errors.push(describeError(e, `billingSubscriptions.listByBillingAccount(${a.name})`));
      }
      for (const subId of subs) {
        const subClient = new BillingManagementClient(ctx.credential, subId, clientOptions());
        try {
          const list = [];
          for await (const inv of subClient.invoices.listByBillingSubscription(from, to, diagRawOptions())) list.push(diagAttachRaw(inv));
          for (const inv of list) {
            await download(inv, `${a.name}/subscriptions/${subId}`, (tok) =>
              subClient.invoices.beginDownloadBillingSubscriptionInvoiceAndWait(inv.name, tok));
          }
        } catch (e) {
          ctx.errors.push(describeError(e, `invoices.listByBillingSubscription(${subId})`));
        }
      }
    } else {
      // EA / MCA / MPA: invoices by billing account.
      try {
        const list = [];
        for await (const inv of client.invoices.listByBillingAccount(a.name, from, to, diagRawOptions())) list.push(diagAttachRaw(inv));
        for (const inv of list) {
          await download(inv, a.name, (tok) => client.invoices.beginDownloadInvoiceAndWait(a.name, inv.name, tok));
        }
      } catch (e) {
        ctx.errors.push(describeError(e, `invoices.listByBillingAccount(${a.name}, ${type})`));
      }
    }
  }
  return {
    periodStartDate: from,
    periodEndDate: to,
    invoiceCount: invoices.length,
    downloaded: invoices.filter((i) => i.sha256).length,
    invoices,
  };
}

async function jobUsage(ctx) {
  const sub = args.subscription;
  if (!sub || sub === true) throw new Error("--subscription is required");
  const { start, end } = monthRange(args.month);
  const client = new ConsumptionManagementClient(ctx.credential, sub, clientOptions());
  // The SDK's docs give the scope as '/subscriptions/{subscriptionId}/'; its URL template is '/{scope}/providers/...'
  // so that spelling yields '//subscriptions/{id}//providers'. We pass it without the outer slashes.
  const scope = `subscriptions/${sub}`;
  // Date filter as Microsoft's automation docs show for EA and pay-as-you-go.
  const filter = `properties/usageStart ge '${start}' and properties/usageEnd le '${end}'`;
  let count = 0;
  const kinds = {};
  const totals = new Map();
  for await (const u of client.usageDetails.list(scope, { filter })) {
    count++;
    kinds[u.kind] = (kinds[u.kind] || 0) + 1;
    if (u.kind === "modern") addTo(totals, u.billingCurrencyCode, u.costInBillingCurrency);
    else addTo(totals, u.billingCurrency, u.cost);
  }
  return { scope: `/${scope}`, filter, count, kinds, totalCostByCurrency: sumsToObject(totals) };
}

async function jobCostReport(ctx) {
  let scope = args.scope;
  if (!scope || scope === true) throw new Error("--scope is required");
  scope = String(scope).replace(/^\/+|\/+$/g, ""); // the URL template is '/{scope}/providers/...'
  const { start, end } = monthRange(args.month);
  const outDir = args.out ? path.resolve(args.out) : null;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  const client = new CostManagementClient(ctx.credential, clientOptions());
  const result = await client.generateCostDetailsReport.beginCreateOperationAndWait(scope, {
    metric: args.metric || "ActualCost",
    timePeriod: { start, end },
  });
  const out = {
    scope: `/${scope}`,
    timePeriod: { start, end },
    status: result.status,
    manifestVersion: result.manifestVersion,
    blobCount: result.blobCount,
    rows: 0,
    totalCostByCurrency: {},
    blobs: [],
  };
  if ((result.status || "").toLowerCase() !== "completed") {
    if (result.error) ctx.errors.push({ context: "cost details report", kind: "OperationStatus", code: result.error.code, message: result.error.message });
    return out;
  }
  const totals = new Map();
  let blobIndex = 0;
  for (const blob of result.blobs || []) {
    const res = await fetchNoAuth(blob.blobLink);
    let header = null, costIdx = -1, curIdx = -1, rows = 0;
    const parser = new CsvParser((r) => {
      if (!header) {
        header = r.map((h) => h.trim().toLowerCase());
        costIdx = header.indexOf("costinbillingcurrency");
        if (costIdx < 0) costIdx = header.indexOf("cost");
        curIdx = header.indexOf("billingcurrencycode");
        if (curIdx < 0) curIdx = header.indexOf("billingcurrency");
        if (costIdx < 0) throw new Error(`blob ${blobIndex}: no CostInBillingCurrency column`);
        return;
      }
      rows++;
      addTo(totals, curIdx >= 0 ? r[curIdx] : null, r[costIdx]);
    });
    const file = outDir ? fs.createWriteStream(path.join(outDir, `costdetails-${blobIndex}.csv`)) : null;
    const decoder = new TextDecoder("utf-8");
    let bytes = 0;
    for await (const chunk of res.body) {
      bytes += chunk.length;
      if (file && !file.write(chunk)) await new Promise((r) => file.once("drain", r));
      parser.push(decoder.decode(chunk, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
    if (file) await new Promise((r, j) => file.end((e) => (e ? j(e) : r())));
    out.blobs.push({ index: blobIndex, bytes, rows, expectedBytes: blob.byteCount });
    out.rows += rows;
    blobIndex++;
  }
  out.totalCostByCurrency = sumsToObject(totals);
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const jobs = { accounts: jobAccounts, invoices: jobInvoices, usage: jobUsage, costreport: jobCostReport };
  if (!jobs[job] || args.help) {
    process.stderr.write(USAGE + "\n");
    process.exit(2);
  }
  if (!armUrl) { process.stderr.write("no ARM URL (--arm-url, PEER_ARM_URL or --ready-file)\n" + USAGE + "\n"); process.exit(2); }
  if (!token) { process.stderr.write("no token (--token or PEER_TOKEN)\n"); process.exit(2); }

  const ctx = { credential: staticTokenCredential(token), errors: [] };
  const startRssBytes = process.memoryUsage().rss; // Node with the SDKs loaded, before the job
  const t0 = process.hrtime.bigint();
  let data = null, fatal = null;
  try {
    data = await jobs[job](ctx);
  } catch (e) {
    fatal = describeError(e, job);
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const maxRssKb = process.resourceUsage().maxRSS; // kilobytes
  const line = {
    job,
    ok: !fatal && ctx.errors.length === 0 && !DIAG_ALIAS,
    ...(DIAG_ALIAS ? { diagnosticAlias: ALIAS } : {}),
    wallMs: Math.round(wallMs * 10) / 10,
    peakRssBytes: maxRssKb * 1024,
    startRssBytes,
    node: process.version,
    sdk: {
      "@azure/arm-billing": require("@azure/arm-billing/package.json").version,
      "@azure/arm-consumption": require("@azure/arm-consumption/package.json").version,
      "@azure/arm-costmanagement": require("@azure/arm-costmanagement/package.json").version,
    },
    data,
    errors: fatal ? [...ctx.errors, fatal] : ctx.errors,
  };
  process.stdout.write(JSON.stringify(line) + "\n");
  process.exitCode = line.ok ? 0 : 1;
}

main();
