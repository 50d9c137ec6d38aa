// Runs the npm package fivesim-api (pinned in package.json) through every method of it that
// Numpool claims to serve, against a Numpool test node, and prints one JSON object of what each
// call returned or threw, for NpmClientsTest to assert on.
// Usage: node fivesim-client.js <node_modules> <base URL> <key>
'use strict';
const path = require('path');
const [modules, base, key] = process.argv.slice(2);
const fivesim = require(path.join(modules, 'fivesim-api'));
const { FiveSimAPI, UserService, GuestService } = fivesim;

// The package has no base-URL option: its two services read 5sim's URL from a static field when
// they build a request (the guest methods) or their axios instance (the user methods). Those
// fields are plain properties, so the test node's URL replaces 5sim's before anything is built.
UserService.baseURL = base + '/v1';
GuestService.baseURL = base + '/v1';

/** The result of one call: what it returned, or the package's error class, status and message. */
async function call(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: e.name, status: e.status, message: e.message };
  }
}

/** An SMS into a sandbox activation or rental, as the website's sandbox sends one (not part of the client). */
async function sms(route, body) {
  const r = await fetch(base + route, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  });
  if (r.status !== 200) throw new Error('sandbox SMS: ' + r.status + ' ' + (await r.text()));
}

(async () => {
  const api = new FiveSimAPI(key);
  const out = {};
  out.products = await call(() => FiveSimAPI.getProducts('russia', 'any'));
  out.prices = await call(() => FiveSimAPI.getPrices());
  out.pricesByCountry = await call(() => FiveSimAPI.getPricesByCountry('russia'));
  out.pricesByProduct = await call(() => FiveSimAPI.getPricesByProduct('telegram'));
  out.pricesByCountryAndProduct = await call(() => FiveSimAPI.getPricesByCountryAndProduct('russia', 'telegram'));
  out.countries = await call(() => FiveSimAPI.getCountries());
  out.profile = await call(() => api.getProfile());

  out.setPriceLimit = await call(() => api.setPriceLimit({ product_name: 'whatsapp', price: 0.45 }));
  out.priceLimits = await call(() => api.getPriceLimits());
  out.aboveTheLimit = await call(() => api.buyActivationNumber('russia', 'any', 'whatsapp'));
  out.deletePriceLimit = await call(() => api.deletePriceLimit({ product_name: 'whatsapp' }));
  out.priceLimitsAfterDelete = await call(() => api.getPriceLimits());

  const bought = await call(() => api.buyActivationNumber('russia', 'any', 'telegram', { maxPrice: 1 }));
  out.buy = bought;
  const id = bought.ok.id;
  out.checkBeforeSms = await call(() => api.checkOrder(id));
  await sms('/v1/sandbox/sms', { activationId: id, sender: 'Telegram', text: 'Telegram code: 48213' });
  out.checkAfterSms = await call(() => api.checkOrder(id));
  out.inbox = await call(() => api.getSMSInbox(id));
  out.cancelWithSms = await call(() => api.cancelOrder(id));
  out.finish = await call(() => api.finishOrder(id));
  out.reuse = await call(() => api.reuseNumber('telegram', bought.ok.phone.replace('+', '')));

  const best = await call(() => api.buyActivationNumber('russia', 'best', 'whatsapp', { wait: true }));
  out.buyBestAndWait = best;
  out.cancel = await call(() => api.cancelOrder(best.ok.id));
  const banned = await call(() => api.buyActivationNumber('russia', 'any', 'telegram'));
  out.ban = await call(() => api.banOrder(banned.ok.id));
  out.checkBanned = await call(() => api.checkOrder(banned.ok.id));

  const hosting = await call(() => api.buyHostingNumber('russia', 'any', '1day'));
  out.buyHosting = hosting;
  await sms('/v1/sandbox/rentals/' + hosting.ok.id + '/sms', { sender: 'Bank', text: 'Your code is 6614' });
  out.checkHosting = await call(() => api.checkOrder(hosting.ok.id));
  out.cancelHostingWithSms = await call(() => api.cancelOrder(hosting.ok.id));
  out.finishHosting = await call(() => api.finishOrder(hosting.ok.id));

  out.orders = await call(() => api.getOrderHistory({ category: 'activation', limit: 10, offset: 0, order: 'id', reverse: true }));
  out.payments = await call(() => api.getPaymentHistory({ limit: 100, offset: 0, order: 'id', reverse: true }));

  out.soldOut = await call(() => api.buyActivationNumber('russia', 'any', 'discord'));
  out.noProduct = await call(() => api.buyActivationNumber('russia', 'any', 'nosuchproduct'));
  out.badCountry = await call(() => api.buyActivationNumber('atlantis', 'any', 'telegram'));
  out.unknownOrder = await call(() => api.checkOrder(2000000000));
  out.badKey = await call(() => new FiveSimAPI('not-a-key').getProfile());
  out.profileAtTheEnd = await call(() => api.getProfile());
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
