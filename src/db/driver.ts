/**
 * The database seam: one small interface, two drivers (PGlite embedded, postgres.js).
 * SQL is written once, with $1..$n parameters, and runs on both. Integer columns (int8, count(*))
 * come back as JavaScript numbers from both drivers; numeric comes back as a string from both.
 */
export interface Queryable {
  /** Runs one statement and returns its rows. */
  query<T = Record<string, any>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Tx extends Queryable {
  readonly inTransaction: true;
}

export interface TxOptions {
  isolation?: 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction (READ COMMITTED unless `isolation` says otherwise); commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** Forces committed data to stable storage now (embedded mode; a no-op on PostgreSQL). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
