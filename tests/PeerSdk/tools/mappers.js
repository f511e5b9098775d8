#!/usr/bin/env node
// Prints the JSON shapes (wire names) the installed SDKs can deserialize, from their generated mappers.
// Usage: node tools/mappers.js billing|consumption|costmanagement ModelName [ModelName...]
"use strict";
const path = require("path");
const pkgs = {
  billing: "@azure/arm-billing/dist/index.js",
  consumption: "@azure/arm-consumption/dist/index.js",
  costmanagement: "@azure/arm-costmanagement/dist/commonjs/models/mappers.js",
};
function load(which) {
  if (which === "costmanagement") {
    // not in the package's "exports": load by file path
    const dir = path.dirname(require.resolve("@azure/arm-costmanagement/package.json"));
    return require(path.join(dir, "dist/commonjs/models/mappers.js"));
  }
  // arm-billing / arm-consumption ship one bundled file; mappers are not exported, so read them from the source tree.
  const dir = path.dirname(require.resolve(`@azure/arm-${which}/package.json`));
  const src = require("fs").readFileSync(path.join(dir, "dist/index.js"), "utf8");
  const start = src.indexOf("var Mappers = /*#__PURE__*/Object.freeze");
  if (start < 0) throw new Error("mappers not found");
  // evaluate the bundle in a sandbox that exposes the Mappers namespace object
  const m = {};
  const fn = new Function("exports", "require", "module", src + "\n;return Mappers;");
  return fn(m, require, { exports: m });
}
function typeOf(t) {
  if (!t) return "?";
  if (t.name === "Composite") return t.className;
  if (t.name === "Sequence") return `${typeOf(t.element && t.element.type)}[]`;
  if (t.name === "Dictionary") return `{[k]: ${typeOf(t.value && t.value.type)}}`;
  if (t.name === "Enum") return `enum(${t.allowedValues.join("|")})`;
  return t.name;
}
function dump(M, name) {
  const m = M[name];
  if (!m) { console.log(`${name}: (no such mapper)`); return; }
  const t = m.type;
  const extra = [];
  if (t.polymorphicDiscriminator) extra.push(`discriminator ${t.polymorphicDiscriminator.serializedName}`);
  if (t.uberParent && t.uberParent !== name) extra.push(`subtype of ${t.uberParent}`);
  if (m.serializedName && m.serializedName !== name) extra.push(`discriminator value "${m.serializedName}"`);
  console.log(`${name}${extra.length ? " (" + extra.join(", ") + ")" : ""}:`);
  for (const [k, v] of Object.entries(t.modelProperties || {})) {
    const flags = [v.required ? "required" : "", v.readOnly ? "readOnly" : ""].filter(Boolean).join(",");
    console.log(`  ${v.serializedName.padEnd(48)} ${typeOf(v.type).padEnd(28)} -> .${k}${flags ? "  [" + flags + "]" : ""}`);
  }
}
const [which, ...names] = process.argv.slice(2);
const M = load(which);
if (names.length === 0) console.log(Object.keys(M).join("\n"));
for (const n of names) dump(M, n);
