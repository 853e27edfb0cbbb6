import { unitOf, type ImportGraph } from './import-graph.js';

/** One row of the folder map: a folder of src/ (or a file at its top), its layer, what it may import. */
export interface MapRow {
  unit: string;
  layer: number;
  /** Units this one may import; `everything below` in the table: every unit of a lower layer. */
  mayImport: ReadonlySet<string>;
}

/** An import the map does not allow yet, kept until the issue that removes it lands. */
export interface KnownException {
  from: string;
  to: string;
  issue: number;
}

const EVERYTHING_BELOW = 'everything below';

/** `config/` or `daemon.ts` as the unit names unitOf gives. */
function unitName(cell: string): string {
  return cell.replace(/`/g, '').trim().replace(/\/$/, '').replace(/\.ts$/, '');
}

/** The table under the heading "Folder map" of CONTRIBUTING.md: | layer | folder | what it is | may import |. */
export function parseFolderMap(markdown: string): MapRow[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Folder map'));
  if (section === undefined) throw new Error('CONTRIBUTING.md has no "## Folder map" section');
  const rows = section.split('\n').filter((line) => /^\|\s*\d+\s*\|/.test(line));
  const parsed = rows.map((line) => {
    const [layer = '', folders = '', , imports = ''] = line.split('|').slice(1, -1);
    return { layer: Number(layer), units: folders.split(',').map(unitName), imports: imports.trim() };
  });
  return parsed.flatMap(({ layer, units, imports }) => {
    const below = parsed.filter((row) => row.layer < layer).flatMap((row) => row.units);
    const listed = imports === 'nothing' ? [] : imports.split(',').map(unitName);
    const mayImport = new Set(imports === EVERYTHING_BELOW ? below : listed);
    return units.map((unit) => ({ unit, layer, mayImport }));
  });
}

/** Rows that allow an import of their own layer or a higher one, or of a unit the map does not have. */
export function mapProblems(rows: readonly MapRow[]): string[] {
  const layers = new Map(rows.map((row) => [row.unit, row.layer]));
  const problems: string[] = [];
  for (const row of rows) {
    for (const allowed of row.mayImport) {
      const layer = layers.get(allowed);
      if (layer === undefined) problems.push(`${row.unit} may import ${allowed}, which is not in the map`);
      else if (layer >= row.layer)
        problems.push(`${row.unit} (layer ${row.layer}) may import ${allowed} (layer ${layer}): not a lower layer`);
    }
  }
  return problems;
}

/** Each import from one unit to another that the map does not allow and no exception lists. */
export function importProblems(
  graph: ImportGraph,
  rows: readonly MapRow[],
  exceptions: readonly KnownException[] = [],
): string[] {
  const byUnit = new Map(rows.map((row) => [row.unit, row]));
  const excepted = new Set(exceptions.map((e) => `${e.from} -> ${e.to}`));
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const row = byUnit.get(unitOf(file));
    if (row === undefined) {
      problems.push(`${file}: ${unitOf(file)} is not in the folder map`);
      continue;
    }
    for (const target of targets) {
      const to = unitOf(target);
      if (to === row.unit || row.mayImport.has(to) || excepted.has(`${file} -> ${target}`)) continue;
      const allowed = row.mayImport.size === 0 ? 'nothing' : [...row.mayImport].join(', ');
      problems.push(`${file} imports ${target}, but ${row.unit} may import only ${allowed}`);
    }
  }
  return problems;
}

/** Exceptions whose import is gone: each is to be removed from the list once its fix has landed. */
export function staleExceptions(graph: ImportGraph, exceptions: readonly KnownException[]): KnownException[] {
  return exceptions.filter((e) => graph.get(e.from)?.includes(e.to) !== true);
}
