"use strict";
// Helpers of the peer harness that do not touch the SDKs (unit-tested in test/lib.test.js).

/** Remove SAS-like query values from a URL before it is printed. */
function redactUrl(u) {
  if (!u) return u;
  try {
    const url = new URL(u);
    for (const k of [...url.searchParams.keys()]) {
      if (/^(sig|se|st|sp|sv|sr|skoid|sktid|skt|ske|sks|skv|spr|si|downloadToken|token)$/i.test(k)) url.searchParams.set(k, "REDACTED");
    }
    return url.toString();
  } catch {
    return "(unparsable url)";
  }
}

/** Exact decimal sums (amounts are `format: decimal`; floating-point sums would drift). */
class DecimalSum {
  constructor() { this.units = 0n; this.scale = 0; }
  add(v) {
    if (v === undefined || v === null || v === "") return;
    let s = typeof v === "number" ? numberToPlain(v) : String(v).trim();
    if (!/^[+-]?\d*(\.\d*)?$/.test(s) || s === "" || s === "." ) throw new Error(`not a decimal: ${JSON.stringify(v)}`);
    let neg = false;
    if (s[0] === "+" || s[0] === "-") { neg = s[0] === "-"; s = s.slice(1); }
    const [i, f = ""] = s.split(".");
    if (f.length > this.scale) { this.units *= 10n ** BigInt(f.length - this.scale); this.scale = f.length; }
    let u = BigInt((i || "0") + f.padEnd(this.scale, "0"));
    if (neg) u = -u;
    this.units += u;
  }
  toString() {
    const neg = this.units < 0n;
    let s = (neg ? -this.units : this.units).toString().padStart(this.scale + 1, "0");
    if (this.scale > 0) s = s.slice(0, s.length - this.scale) + "." + s.slice(s.length - this.scale);
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return (neg && s !== "0" ? "-" : "") + s;
  }
}
function numberToPlain(n) {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // expand exponent notation
  const [mant, expS] = s.toLowerCase().split("e");
  const exp = parseInt(expS, 10);
  const neg = mant.startsWith("-");
  const [i, f = ""] = mant.replace("-", "").split(".");
  const digits = i + f;
  const point = i.length + exp;
  let out;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (neg ? "-" : "") + out;
}

// CSV (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes, CRLF or LF, BOM)

class CsvParser {
  constructor(onRow) { this.onRow = onRow; this.field = ""; this.row = []; this.inQuotes = false; this.quotePending = false; this.first = true; }
  push(text) {
    if (this.first) { if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); if (text.length) this.first = false; }
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') { this.field += '"'; continue; }
          this.inQuotes = false; // closing quote was real; fall through to unquoted handling
        } else if (c === '"') { this.quotePending = true; continue; }
        else { this.field += c; continue; }
      }
      if (c === '"' && this.field === "") { this.inQuotes = true; }
      else if (c === ",") { this.row.push(this.field); this.field = ""; }
      else if (c === "\n") { this.endRow(); }
      else if (c === "\r") { /* CR of CRLF (or stray CR): row ends at LF */ }
      else this.field += c;
    }
  }
  endRow() {
    this.row.push(this.field); this.field = "";
    const r = this.row; this.row = [];
    if (!(r.length === 1 && r[0] === "")) this.onRow(r);
  }
  end() {
    if (this.quotePending) { this.quotePending = false; this.inQuotes = false; }
    if (this.inQuotes) throw new Error("CSV ends inside a quoted field");
    if (this.field !== "" || this.row.length) this.endRow();
  }
}


module.exports = { redactUrl, DecimalSum, numberToPlain, CsvParser };
