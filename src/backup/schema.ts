import type { Queryable } from '../db/driver.ts';

/**
 * What a backup needs to know about the schema, read from the catalog so new tables are backed
 * up without touching this code: the tables in foreign-key order, their stored (not generated)
 * columns, primary keys for keyset paging, and serial sequences to reset after a restore.
 */
export interface TableInfo {
  name: string;
  columns: string[];
  primaryKey: string[];
}

/**
 * Tables the backup never carries: the migration ledger is rebuilt by running migrations, and
 * server_nodes holds heartbeats of the processes running now (actions/peers.ts).
 */
const SKIP = new Set(['schema_migrations', 'server_nodes']);

export const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Application tables of the current schema, parents before children. */
export async function listTables(q: Queryable): Promise<TableInfo[]> {
  const names = (
    await q.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition order by c.relname`,
    )
  )
    .map((r) => r.name)
    .filter((n) => !SKIP.has(n));
  const fks = await q.query<{ child: string; parent: string }>(
    `select cc.relname as child, pc.relname as parent from pg_constraint k
       join pg_class cc on cc.oid = k.conrelid join pg_class pc on pc.oid = k.confrelid
       join pg_namespace n on n.oid = cc.relnamespace
      where k.contype = 'f' and n.nspname = current_schema()`,
  );
  const order = topoSort(names, fks);
  const out: TableInfo[] = [];
  for (const name of order) {
    const columns = (
      await q.query<{ attname: string }>(
        `select a.attname from pg_attribute a
          where a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass
            and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' order by a.attnum`,
        [name],
      )
    ).map((r) => r.attname);
    const primaryKey = (
      await q.query<{ attname: string }>(
        `select a.attname from pg_index i
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass and i.indisprimary
          order by array_position(i.indkey::int2[], a.attnum)`,
        [name],
      )
    ).map((r) => r.attname);
    out.push({ name, columns, primaryKey });
  }
  return out;
}

function topoSort(names: string[], fks: { child: string; parent: string }[]): string[] {
  const set = new Set(names);
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  for (const { child, parent } of fks) if (set.has(child) && set.has(parent) && child !== parent) parents.get(child)!.add(parent);
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (n: string, stack: Set<string>) => {
    if (done.has(n)) return;
    if (stack.has(n)) throw new Error(`foreign-key cycle through table ${n}`);
    stack.add(n);
    for (const p of [...parents.get(n)!].sort()) visit(p, stack);
    stack.delete(n);
    done.add(n);
    out.push(n);
  };
  for (const n of names) visit(n, new Set());
  return out;
}

/** Serial/identity sequences of a table's columns, as [column, sequence name]. */
export async function tableSequences(q: Queryable, table: string): Promise<{ column: string; seq: string }[]> {
  const rows = await q.query<{ column: string; seq: string | null }>(
    `select a.attname as column, pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident($1), a.attname) as seq
       from pg_attribute a
      where a.attrelid = (quote_ident(current_schema()) || '.' || quote_ident($1))::regclass and a.attnum > 0 and not a.attisdropped`,
    [table],
  );
  return rows.filter((r): r is { column: string; seq: string } => !!r.seq);
}
