// oidc-provider ships no type declarations (and @types/oidc-provider lags its major version); the
// test provider uses it untyped.
declare module 'oidc-provider';
