// cdp_check.js CHROMIUM PAGE.html SHOT.png -- opens a page in headless
// Chromium through the DevTools protocol and prints one JSON object:
//   errors    console errors, uncaught exceptions and error log entries
//             (failed loads, blocked resources) as strings
//   requests  URLs the page asked for besides itself
//   charts    what the --report charts hold, measured in the page:
//             memory: points of the live-bytes line and its box size,
//             top: its highest point's y, bound: the lower-bound line's y,
//             bars: MAC bars taller than 0, rows and the MACs column's sum,
//             sqnr: for a quantized compile, the SQNR chart's bars taller
//             than 0 and the SQNR column's cells (their text, in order)
// and saves a screenshot of the whole page.  Exits 1 if Chromium fails.
// Node's own modules only: a small WebSocket client (RFC 6455, masked text
// frames out, unmasked frames in) is enough for the protocol.
'use strict';
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const [chromium, page, shot] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'qcc-chromium-'));
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--user-data-dir=' + profile,
  '--remote-debugging-port=0', '--window-size=1000,1000', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });

function finish(code, out) {
  if (out) process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  browser.kill();
  setTimeout(() => {
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  }, 500);
}
setTimeout(() => { console.error('timeout'); finish(1); }, 60000);

function getJson(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let s = '';
      res.on('data', (d) => { s += d; });
      res.on('end', () => resolve(JSON.parse(s)));
    }).on('error', reject);
  });
}

// A WebSocket to url; calls onMessage(text) per message.
function connect(url, onMessage) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname,
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res, sock) => {
      let buf = Buffer.alloc(0);
      let parts = [];
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1] & 127;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          const fin = buf[0] & 128;
          const opcode = buf[0] & 15;
          if (opcode === 0 || opcode === 1) parts.push(buf.subarray(off, off + len));
          buf = buf.subarray(off + len);
          if (fin && (opcode === 0 || opcode === 1)) {
            onMessage(Buffer.concat(parts).toString('utf8'));
            parts = [];
          }
        }
      });
      resolve((text) => {
        const payload = Buffer.from(text, 'utf8');
        const n = payload.length;
        const head = n < 126 ? Buffer.from([0x81, 0x80 | n])
          : n < 65536 ? Buffer.from([0x81, 0x80 | 126, n >> 8, n & 255])
            : Buffer.concat([Buffer.from([0x81, 0x80 | 127]),
              (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
        const mask = crypto.randomBytes(4);
        const body = Buffer.alloc(n);
        for (let i = 0; i < n; i++) body[i] = payload[i] ^ mask[i & 3];
        sock.write(Buffer.concat([head, mask, body]));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const measure = `(() => {
  const live = document.querySelector('#memory-chart polyline.live');
  const bound = document.querySelector('#memory-chart line.bound');
  const bars = [...document.querySelectorAll('#macs-chart rect.bar')];
  const box = live ? live.getBBox() : { width: 0, height: 0 };
  return {
    memory: { points: live ? live.points.numberOfItems : 0,
              width: box.width, height: box.height },
    bound: bound ? bound.y1.baseVal.value : null,
    bars: bars.filter((b) => b.getBBox().height > 0).length,
    top: live ? Math.min(...[...Array(live.points.numberOfItems).keys()]
      .map((i) => live.points.getItem(i).y)) : null,
    rows: document.querySelectorAll('#layers tbody tr').length,
    macs: [...document.querySelectorAll('#layers tbody tr')]
      .reduce((s, tr) => s + Number(tr.cells[5].textContent), 0),
    sqnr: {
      bars: [...document.querySelectorAll('#sqnr-chart rect.sqnr')]
        .filter((b) => b.getBBox().height > 0).length,
      cells: [...document.querySelectorAll('#layers td.sqnr')]
        .map((td) => td.textContent),
    },
  };
})()`;

let port = null;
let stderr = '';
browser.stderr.on('data', async (d) => {
  stderr += d;
  const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(stderr);
  if (!m || port) return;
  port = m[1];
  const targets = await getJson(port, '/json/list');
  const target = targets.find((t) => t.type === 'page');
  const pageUrl = 'file://' + path.resolve(page);
  const errors = [];
  const requests = [];
  const pending = new Map();
  let id = 0;
  let loaded = null;
  const send = await connect(target.webSocketDebuggerUrl, (text) => {
    const msg = JSON.parse(text);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    } else if (msg.method === 'Runtime.consoleAPICalled') {
      if (['error', 'assert'].includes(msg.params.type))
        errors.push('console.' + msg.params.type + ': ' +
          msg.params.args.map((a) => a.value).join(' '));
    } else if (msg.method === 'Runtime.exceptionThrown') {
      errors.push('exception: ' + msg.params.exceptionDetails.text);
    } else if (msg.method === 'Log.entryAdded') {
      if (msg.params.entry.level === 'error')
        errors.push('log: ' + msg.params.entry.text + ' ' + (msg.params.entry.url || ''));
    } else if (msg.method === 'Network.requestWillBeSent') {
      if (msg.params.request.url !== pageUrl) requests.push(msg.params.request.url);
    } else if (msg.method === 'Page.loadEventFired' && loaded) {
      loaded();
    }
  });
  const call = (method, params) => new Promise((resolve) => {
    pending.set(++id, resolve);
    send(JSON.stringify({ id, method, params: params || {} }));
  });
  for (const d of ['Runtime', 'Log', 'Network', 'Page']) await call(d + '.enable');
  const onLoad = new Promise((resolve) => { loaded = resolve; });
  await call('Page.navigate', { url: pageUrl });
  await onLoad;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const r = await call('Runtime.evaluate', { expression: measure, returnByValue: true });
  const png = await call('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
  fs.writeFileSync(shot, Buffer.from(png.result.data, 'base64'));
  finish(0, { errors, requests, charts: r.result.result.value });
});
browser.on('exit', (code) => { if (!port) { console.error(stderr); finish(1); } });
