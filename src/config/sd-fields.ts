// The values of file_sd_configs, http_sd_configs and sd_labels.
import { z } from 'zod';
import { patternProblem } from './file-patterns.js';
import { describeValue, quote } from './describe.js';
import { fail, leaf, ok } from './fields.js';
import { labelNameProblem } from './labels.js';

export const filePatternField = leaf((v) => {
  if (typeof v !== 'string') return fail(`expected a file pattern like "targets/*.json", got ${describeValue(v)}`);
  const problem = patternProblem(v);
  return problem === undefined ? ok(v) : fail(problem);
}, '');

export const sdUrlField = leaf((v) => {
  if (v === undefined) return fail('missing required key "url"');
  if (typeof v !== 'string')
    return fail(`expected a URL like "http://sd.example.com/targets", got ${describeValue(v)}`);
  // Messages end up in logs and in the reload's HTTP answer: never with the password.
  const shown = quote(v.replace(/^([^/]*\/\/[^/@:]*:)[^/@]*@/, '$1xxxxx@'));
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return fail(`${shown} is not a URL; give a full URL like "http://sd.example.com/targets"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return fail(`${shown}: the URL must start with http:// or https://`);
  if (url.hash !== '') return fail(`${shown}: a URL fragment ("#...") is never sent; leave it out`);
  return ok(v);
}, '');

/**
 * `sd_labels`: port label name to the name of the service-discovery label whose value it
 * takes. Each bad entry is its own issue, at its key (a bad port label) or its value. Port
 * labels are legacy Prometheus label names (they are exported as they are); the labels they
 * take from may be any name Prometheus 3 takes in target groups (UTF-8, e.g. "service.name").
 */
export const sdLabelsField = z.unknown().transform((v, ctx): Record<string, string> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a mapping of port label names to service-discovery label names, got ${describeValue(v)}`,
      continue: true,
    });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, from] of Object.entries(v as Record<string, unknown>)) {
    const nameProblem = labelNameProblem(name);
    const issue = (at: 'key' | 'value', message: string): void =>
      ctx.addIssue({ code: 'custom', path: [name], params: { at }, message, continue: true });
    if (nameProblem !== undefined) issue('key', nameProblem);
    else if (typeof from !== 'string')
      issue('value', `expected the name of a service-discovery label, got ${describeValue(from)}`);
    else if (from === '') issue('value', 'the name of the service-discovery label is empty');
    else out[name] = from;
  }
  return out;
});
