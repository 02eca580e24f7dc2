import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { RESOURCE_FORMAT_SCHEMA } from './format-schema.js';

/** One problem of a config, with where it is in the YAML text (1-based line and column). */
export interface SchemaProblem {
  /** The document (`---` separated) it is in, from 0. */
  document: number;
  /** The resource it belongs to, when known. */
  resource?: string | undefined;
  /** Where in the document: `fields.email.max_length`. */
  path: string;
  line: number;
  column: number;
  message: string;
}

/** A parsed YAML document: its plain value and a way to find the line and column of any path in it. */
export interface ParsedDocument {
  index: number;
  value: Record<string, unknown>;
  /** The YAML text of this document alone (kept as the applied version). */
  text: string;
  locate(path: (string | number)[], key?: boolean): { line: number; column: number };
}

export interface ParseOutcome {
  documents: ParsedDocument[];
  problems: SchemaProblem[];
}

// The format's validator: every problem at once; the schema is ours, so strict mode's warnings help nobody here.
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validateFormat = ajv.compile(RESOURCE_FORMAT_SCHEMA);

/** Documents at most per file, and aliases at most per document (a "billion laughs" YAML expands without bound). */
const MAX_DOCUMENTS = 200;
const MAX_ALIASES = 100;

export function pathText(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(document)';
}

function find(doc: Document, path: (string | number)[], key: boolean): Node | null {
  let node: unknown = doc.contents;
  let keyNode: unknown = null;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return (node as Node) ?? null;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      keyNode = null;
      node = node.items[segment];
    } else {
      return (node as Node) ?? null;
    }
  }
  if (key && keyNode) return keyNode as Node;
  return (node as Node) ?? null;
}

/**
 * Parses a YAML file of one or more documents, keeping positions, and checks each document against the format's
 * JSON Schema. Syntax errors and schema problems are all reported, each with its line and column.
 */
export function parseResourceYaml(text: string): ParseOutcome {
  const lineCounter = new LineCounter();
  const problems: SchemaProblem[] = [];
  const documents: ParsedDocument[] = [];
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    // An empty stream: the parser answers an EmptyStream, which is nothing to apply.
    return { documents, problems: [{ document: 0, path: '(document)', line: 1, column: 1, message: 'is empty: no resource to apply' }] };
  }
  if (list.length > MAX_DOCUMENTS) {
    return {
      documents,
      problems: [{ document: MAX_DOCUMENTS, path: '(document)', line: 1, column: 1, message: `more than ${MAX_DOCUMENTS} documents in one file` }],
    };
  }
  list.forEach((doc, index) => {
    const position = (offset: number) => {
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    };
    for (const error of doc.errors) {
      const at = position(error.pos[0]);
      problems.push({ document: index, path: '(document)', ...at, message: `YAML syntax: ${error.message.split('\n')[0]}` });
    }
    if (doc.errors.length > 0) return;
    if (doc.contents === null) return; // an empty document between separators
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      const start = doc.range?.[0] ?? 0;
      problems.push({ document: index, path: '(document)', ...position(start), message: `YAML: ${(error as Error).message}` });
      return;
    }
    const locate = (path: (string | number)[], key = false) => {
      const node = find(doc, path, key);
      return position(node?.range?.[0] ?? doc.range?.[0] ?? 0);
    };
    const [start, end] = [doc.range?.[0] ?? 0, doc.range?.[2] ?? text.length];
    const documentText = text.slice(start, end).replace(/^---[^\n]*\n/, '').trimEnd() + '\n';
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ document: index, path: '(document)', ...locate([]), message: 'must be a mapping with `resource:` (or `entity:`) and `fields:`' });
      return;
    }
    const record = value as Record<string, unknown>;
    const resource = typeof record.resource === 'string' ? record.resource : typeof record.entity === 'string' ? record.entity : undefined;
    if (!validateFormat(record)) {
      for (const problem of problemsFromErrors(validateFormat.errors ?? [])) {
        problems.push({ document: index, resource, path: pathText(problem.path), ...locate(problem.path, problem.key), message: problem.message });
      }
    }
    documents.push({ index, value: record, text: documentText, locate });
  });
  if (documents.length === 0 && problems.length === 0) {
    problems.push({ document: 0, path: '(document)', line: 1, column: 1, message: 'is empty: no resource to apply' });
  }
  return { documents, problems };
}

interface PathProblem {
  path: (string | number)[];
  key: boolean;
  message: string;
}

function splitPointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** ajv's errors as one problem per place, with the noise of unions (anyOf) folded into the branch that matters. */
function problemsFromErrors(errors: ErrorObject[]): PathProblem[] {
  const out = new Map<string, PathProblem>();
  const add = (path: (string | number)[], key: boolean, message: string) => {
    const id = `${pathText(path)}|${message}`;
    if (!out.has(id)) out.set(id, { path, key, message });
  };
  const deeper = (pointer: string) => errors.some((e) => e.instancePath.startsWith(`${pointer}/`) && e.keyword !== 'anyOf');
  for (const error of errors) {
    const path = splitPointer(error.instancePath);
    // A bad key name is said once, by its propertyNames error, not again by the rule inside it.
    if (error.schemaPath.includes('/propertyNames/')) continue;
    switch (error.keyword) {
      case 'required': {
        const missing = (error.params as { missingProperty: string }).missingProperty;
        // The top-level anyOf (resource or entity) is said once, below.
        if (error.schemaPath.startsWith('#/anyOf')) break;
        add(path, false, `needs \`${missing}\``);
        break;
      }
      case 'anyOf': {
        if (error.instancePath === '' && error.schemaPath === '#/anyOf') {
          add([], false, 'needs `resource:` (or `entity:`) and `fields:`');
        } else if (!deeper(error.instancePath)) {
          const branchTypes = errors
            .filter((e) => e.instancePath === error.instancePath && e.keyword === 'type')
            .map((e) => (e.params as { type: string }).type);
          add(path, false, branchTypes.length > 0 ? `must be ${[...new Set(branchTypes)].join(' or ')}` : 'has an unexpected form');
        }
        break;
      }
      case 'type': {
        // A failed branch of a union is reported by its anyOf, unless it is the only problem there.
        if (error.schemaPath.includes('/anyOf/')) break;
        add(path, false, `must be ${(error.params as { type: string }).type}`);
        break;
      }
      case 'enum': {
        const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
        add(path, false, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      }
      case 'propertyNames': {
        const name = (error.params as { propertyName: string }).propertyName;
        add([...path, name], true, `is not an accepted name here`);
        break;
      }
      case 'additionalProperties': {
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        add([...path, extra], true, 'is not a known key here');
        break;
      }
      case 'pattern': {
        if (error.schemaPath.includes('/anyOf/') && errors.some((e) => e.instancePath === error.instancePath && e.keyword === 'type')) break;
        add(path, false, 'must be letters, digits and `_`, not starting with a digit (at most 63 characters)');
        break;
      }
      default: {
        if (error.schemaPath.includes('/propertyNames/')) break; // reported by its propertyNames error
        if (error.schemaPath.includes('/anyOf/') && errors.some((e) => e.instancePath === error.instancePath && e.keyword === 'anyOf')) {
          // a branch of a union: keep it only when the value had the branch's type
          add(path, false, error.message ?? 'is invalid');
          break;
        }
        add(path, false, error.message ?? 'is invalid');
      }
    }
  }
  return [...out.values()];
}
