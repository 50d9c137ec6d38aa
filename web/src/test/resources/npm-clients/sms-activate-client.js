// Runs the npm package sms-activate (pinned in package.json) through every method it has, against
// a Numpool test node, and prints one JSON object of what each call returned or threw, for
// NpmClientsTest to assert on. Usage: node sms-activate-client.js <node_modules> <base URL> <key>
'use strict';
const path = require('path');
const [modules, base, key] = process.argv.slice(2);
const SMSActivate = require(path.join(modules, 'sms-activate'));

// The package has no base-URL option: it sends every call through the axios instance it keeps in
// `session`, created with sms-activate.ru's URL. axios's own instance setting points it here.
function client(apiKey) {
  const c = new SMSActivate(apiKey);
  c.session.defaults.baseURL = base + '/stubs/handler_api.php';
  return c;
}

/** The result of one call: what it returned, or the package's error class and message. */
async function call(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: e.name, message: e.message };
  }
}

/** An SMS to a sandbox activation, as the website's sandbox sends one (not part of the client). */
async function sms(id, text) {
  const r = await fetch(base + '/v1/sandbox/sms', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ activationId: id, sender: 'Telegram', text })
  });
  if (r.status !== 200) throw new Error('sandbox SMS: ' + r.status + ' ' + (await r.text()));
}

(async () => {
  const api = client(key);
  const out = {};
  out.balance = await call(() => api.getBalance());
  out.balanceWithCashBack = await call(() => api.getBalance(true));
  const bought = await call(() => api.getNumber('tg', 0));
  out.getNumber = bought;
  const id = bought.ok.id;
  out.statusBeforeSms = await call(() => api.getStatus(id));
  out.codeBeforeSms = await call(() => api.getCode(id));
  out.ready = await call(() => api.setStatus(id, 1));
  await sms(id, 'Telegram code: 48213');
  out.statusAfterSms = await call(() => api.getStatus(id));
  out.code = await call(() => api.getCode(id));
  out.retry = await call(() => api.setStatus(id, 3));
  out.statusWaitingRetry = await call(() => api.getStatus(id));
  await sms(id, 'Telegram code: 77190');
  out.secondCode = await call(() => api.getCode(id));
  out.finish = await call(() => api.setStatus(id, 6));
  out.cancelFinished = await call(() => api.setStatus(id, 8));
  const other = await call(() => api.getNumber('wa', 0, false));
  out.secondNumber = other;
  out.cancel = await call(() => api.setStatus(other.ok.id, 8));
  out.statusCancelled = await call(() => api.getStatus(other.ok.id));
  out.badService = await call(() => api.getNumber('zz', 0));
  out.soldOut = await call(() => api.getNumber('ds', 0));
  out.unknownActivation = await call(() => api.getStatus(2000000000));
  out.badKey = await call(() => client('not-a-key').getBalance());
  out.balanceAtTheEnd = await call(() => api.getBalance());
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
