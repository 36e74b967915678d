// docs/openapi.yaml, loaded for the tests: the document itself checked by
// @seriousme/openapi-schema-validator, its schemas compiled by Ajv
// (JSON Schema 2020-12, as OpenAPI 3.1 uses), and a checker that holds a
// real response up against the operation it answers.

import {Validator} from '@seriousme/openapi-schema-validator';
import addFormats from 'ajv-formats';
import Ajv2020 from 'ajv/dist/2020.js';
import {readdir, readFile} from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';

import {repoRoot} from './tollgated.mjs';

export const openapiPath = path.join(repoRoot, 'docs/openapi.yaml');

const DOC_ID = 'https://tollgate.invalid/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// A JSON pointer's escaping of one member name.
const escape = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

// "/v1/apps/{app}/keys/{key}" -> "/v1/apps/{}/keys/{}", the C tables' form.
export const shapeOf = (template) => template.replace(/\{[^}/]+\}/g, '{}');

// Checks the document against the OpenAPI schema; returns {valid, errors}.
export async function validateDocument() {
  const validator = new Validator();
  const res = await validator.validate(openapiPath);
  return {valid: res.valid, errors: res.errors, version: validator.version};
}

// Every "METHOD /path" the daemon's route tables hold, read from the C
// sources (each table line opens with { "METHOD", "/path", ...).
export async function routesInSources() {
  const dir = path.join(repoRoot, 'daemon');
  const files = (await readdir(dir, {recursive: true})).filter((f) => f.endsWith('.c'));
  const routes = new Map();
  const line = /\{\s*"(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)"\s*,\s*"(\/[^"]*)"/g;
  for (const f of files.sort()) {
    const text = await readFile(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(line)) {
      routes.set(`${m[1]} ${m[2]}`, `daemon/${f}`);
    }
  }
  return routes;
}

export class OpenApi {
  static async load() {
    const doc = YAML.parse(await readFile(openapiPath, 'utf8'));
    return new OpenApi(doc);
  }

  constructor(doc) {
    this.doc = doc;
    this.ajv =
        new Ajv2020({allErrors: true, strict: true, strictTypes: false, strictRequired: false});
    addFormats(this.ajv);
    // The document's own members are no schema keywords: declared so that
    // strict mode accepts the document as the base of the schemas' $refs.
    this.ajv.addVocabulary([
      'example', 'openapi', 'info', 'jsonSchemaDialect', 'servers', 'security', 'tags', 'paths',
      'webhooks', 'components', 'externalDocs'
    ]);
    this.ajv.addSchema({...doc, $id: DOC_ID});
    this.compiled = new Map();
    this.exercised = new Map();  // "METHOD template" -> statuses seen
  }

  // Every documented operation as "METHOD template".
  operations() {
    const ops = [];
    for (const [template, item] of Object.entries(this.doc.paths)) {
      for (const m of METHODS) {
        if (item[m])
          ops.push(`${m.toUpperCase()} ${template}`);
      }
    }
    return ops;
  }

  // The documented template a concrete path matches, the most literal
  // one first; null if none.
  templateOf(pathname) {
    const segs = pathname.split('/');
    let best = null, bestLiterals = -1;
    for (const template of Object.keys(this.doc.paths)) {
      const t = template.split('/');
      if (t.length !== segs.length)
        continue;
      let literals = 0, ok = true;
      for (let i = 0; i < t.length && ok; i++) {
        if (/^\{[^}]+\}$/.test(t[i])) {
          ok = segs[i].length > 0;
        } else if (t[i] === segs[i]) {
          literals++;
        } else {
          ok = false;
        }
      }
      if (ok && literals > bestLiterals) {
        best = template;
        bestLiterals = literals;
      }
    }
    return best;
  }

  // A response object at pointer, following one $ref; returns
  // {response, pointer}.
  resolveResponse(pointer) {
    let node = this.at(pointer);
    if (node && node.$ref) {
      pointer = node.$ref.slice(1);
      node = this.at(pointer);
    }
    return {response: node, pointer};
  }

  at(pointer) {
    let node = this.doc;
    for (const part of pointer.split('/').slice(1)) {
      if (node === undefined)
        return undefined;
      node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return node;
  }

  validatorAt(pointer) {
    let v = this.compiled.get(pointer);
    if (!v) {
      v = this.ajv.getSchema(`${DOC_ID}#${pointer}`);
      if (!v)
        throw new Error(`no schema at ${pointer}`);
      this.compiled.set(pointer, v);
    }
    return v;
  }

  // Checks a response ({status, headers, text, json}) against the
  // response its status has in the pointer's responses; returns a list of
  // problems (empty when it conforms).
  checkAgainst(responsePointer, res) {
    const problems = [];
    const {response, pointer} = this.resolveResponse(responsePointer);
    if (!response)
      return [`no response documented at ${responsePointer}`];

    if (!res.headers.get('x-request-id'))
      problems.push('no X-Request-Id header');
    for (const [name, h] of Object.entries(response.headers || {})) {
      const header = h.$ref ? this.at(h.$ref.slice(1)) : h;
      const value = res.headers.get(name);
      if (value === null) {
        if (header.required)
          problems.push(`no ${name} header`);
        continue;
      }
      if (header.schema && header.schema.pattern &&
          !new RegExp(header.schema.pattern).test(value)) {
        problems.push(`${name}: ${JSON.stringify(value)} does not match ${header.schema.pattern}`);
      }
    }

    const type = res.headers.get('content-type') || '';
    const text = response.content && response.content['text/plain'];
    if (text) {
      // A text body (the Prometheus exposition): its media type, and the
      // string against its schema.
      if (!type.startsWith('text/plain'))
        problems.push(`Content-Type ${type}`);
      const v = this.validatorAt(`${pointer}/content/${escape('text/plain')}/schema`);
      if (!v(res.text))
        problems.push(...v.errors.map((e) => `text body ${e.message}`));
      return problems;
    }
    const content = response.content && response.content['application/json'];
    if (!content) {
      if (res.text.length !== 0)
        problems.push(`a body where none is documented: ${res.text}`);
      return problems;
    }
    if (!type.startsWith('application/json'))
      problems.push(`Content-Type ${type}`);
    if (res.json === null)
      return [...problems, `not JSON: ${res.text}`];

    const v = this.validatorAt(`${pointer}/content/${escape('application/json')}/schema`);
    if (!v(res.json)) {
      problems.push(...v.errors.map(
          (e) => `${e.instancePath || '/'} ${e.message} ` +
              `(${e.schemaPath} ${JSON.stringify(e.params)})`));
    }
    return problems;
  }

  // Checks a response to METHOD pathname against its operation; returns
  // the problems, and records the operation as exercised.
  check(method, pathname, res) {
    const template = this.templateOf(pathname);
    if (!template)
      return [`${pathname}: no documented path`];
    const m = method.toLowerCase();
    if (!this.doc.paths[template][m])
      return [`${method} ${template}: not documented`];

    const key = `${method} ${template}`;
    const statuses = this.exercised.get(key) || new Set();
    statuses.add(res.status);
    this.exercised.set(key, statuses);

    const base = `/paths/${escape(template)}/${m}/responses/${res.status}`;
    if (!this.at(base)) {
      return [`${key}: status ${res.status} is not documented (body ${res.text})`];
    }
    return this.checkAgainst(base, res).map((p) => `${key} ${res.status}: ${p}`);
  }
}
