/* global fetch, AbortSignal, setTimeout */
// Run by `helm test`: each URL in CHECK_URLS must return 200 within the retry window.
const urls = (process.env.CHECK_URLS ?? '').split(/\s+/).filter(Boolean);
const deadline = Date.now() + Number(process.env.CHECK_WINDOW_MS ?? 60000);
let failed = urls.length === 0;
for (const url of urls) {
  let status;
  let detail;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      status = response.status;
      detail = await response.text();
    } catch (error) {
      status = undefined;
      detail = error.cause?.code ?? error.message;
    }
    if (status === 200 || Date.now() > deadline) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  failed ||= status !== 200;
  console.log(`${status === 200 ? 'ok' : 'FAIL'} ${url}: ${status ?? 'no answer'} ${detail}`);
}
process.exit(failed ? 1 : 0);
