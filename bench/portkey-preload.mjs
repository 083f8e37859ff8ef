// Preloaded into Portkey's gateway (`node --import`) for the proxy benchmark. On Node 20 the headers of a
// `fetch` Response are immutable, and the gateway appends to them on its streaming path, failing every stream
// with `TypeError: immutable` (Portkey-AI/gateway issues #1389 and #1550). Re-wrapping each fetched Response
// gives it ordinary, mutable headers; the body stream is passed through untouched.
const NULL_BODY = new Set([101, 204, 205, 304]);
const originalFetch = globalThis.fetch;
globalThis.fetch = async function fetchWithMutableHeaders(input, init) {
  const res = await originalFetch(input, init);
  return new Response(NULL_BODY.has(res.status) ? null : res.body, {
    status: res.status,
    statusText: res.statusText,
    headers: new Headers(res.headers),
  });
};
