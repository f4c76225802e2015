/**
 * The README's "Rule ids" table, read at build time (vite.config.ts serves it to the page as
 * `virtual:readme-rules`), so the page's rule reference is the README's own words and cannot drift
 * from it. A test checks the table lists exactly the manager's rule ids.
 */

export interface ReadmeRule {
  rule: string;
  /** The README rule number(s), e.g. `2` or `1, 5`; `—` when no numbered rule applies. */
  section: string;
  /** When the manager applies it (inline markdown: `code` spans). */
  when: string;
}

const HEADING = '### Rule ids';

/** The rows of the table under `### Rule ids`; throws if the section or its table is missing. */
export function parseRuleTable(markdown: string): ReadmeRule[] {
  const start = markdown.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`README has no "${HEADING}" section`);
  const rest = markdown.slice(start + HEADING.length + 2);
  const end = rest.search(/\n#{1,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const rows: ReadmeRule[] = [];
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([a-z-]+)`\s*\|\s*([^|]*?)\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (m) rows.push({ rule: m[1]!, section: m[2]!, when: m[3]! });
  }
  if (rows.length === 0) throw new Error(`README's "${HEADING}" section has no table`);
  return rows;
}

/** Inline markdown of a table cell as text runs: `code` spans apart from plain text. */
export function inlineRuns(cell: string): Array<{ code: boolean; text: string }> {
  return cell
    .split('`')
    .map((text, i) => ({ code: i % 2 === 1, text }))
    .filter((r) => r.text !== '');
}
