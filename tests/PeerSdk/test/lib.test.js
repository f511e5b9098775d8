"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { redactUrl, DecimalSum, numberToPlain, CsvParser } = require("../lib");

function parse(chunks) {
  const rows = [];
  const p = new CsvParser((r) => rows.push(r));
  for (const c of chunks) p.push(c);
  p.end();
  return rows;
}

test("csv: quotes, doubled quotes, embedded comma and newline, CRLF, BOM", () => {
  const text = '\uFEFFa,b,"c"\r\n1,"x, y","he said ""hi""\nbye"\r\n2,,\r\n';
  assert.deepStrictEqual(parse([text]), [["a", "b", "c"], ["1", "x, y", 'he said "hi"\nbye'], ["2", "", ""]]);
  // the same text split at every position gives the same rows
  for (let i = 1; i < text.length; i++) assert.deepStrictEqual(parse([text.slice(0, i), text.slice(i)]), parse([text]));
});

test("csv: no trailing newline, JSON in a quoted field", () => {
  assert.deepStrictEqual(parse(['k,v\n1,"{""a"":1,""b"":[1,2]}"']), [["k", "v"], ["1", '{"a":1,"b":[1,2]}']]);
});

test("decimal sums are exact", () => {
  const s = new DecimalSum();
  for (let i = 0; i < 10; i++) s.add(0.1);
  assert.strictEqual(s.toString(), "1");
  s.add("-0.0000001");
  assert.strictEqual(s.toString(), "0.9999999");
  s.add(1e-7);
  assert.strictEqual(s.toString(), "1");
  assert.strictEqual(numberToPlain(1.5e-7), "0.00000015");
  assert.strictEqual(numberToPlain(1e21), "1000000000000000000000");
});

test("SAS query values are redacted", () => {
  const r = redactUrl("https://localhost:1/c/b.pdf?sv=2019-02-02&sr=b&sp=r&sig=SECRET&se=2026");
  assert.ok(!r.includes("SECRET"));
  assert.ok(r.includes("sig=REDACTED"));
});
