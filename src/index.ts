// The library: the policy-as-code core that `package.json` names as the package's entry (`main`, `types`).
// Loading, validating and linking a policy directory; its static analysis; compiling and deciding. None of it
// does network or server I/O (DESIGN.md); the proxy, the ledgers and the CLI are their own modules under dist/.
export * from './policy/index.js';
export * from './analyze/index.js';
export * from './engine/index.js';
