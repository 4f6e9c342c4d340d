// The hub's page: plain JavaScript, served by the hub, nothing from the internet.
// Everything is built with DOM calls and textContent (never innerHTML of data),
// so text from contracts or vendors cannot become markup.
'use strict';

const SVGNS = 'http://www.w3.org/2000/svg';
const app = { user: null, csrf: null, setupRequired: false, notice: null, timeZone: undefined };

const PAGES = [
  ['overview', 'Overview'],
  ['datamap', 'Data map'],
  ['consent', 'Consent'],
  ['contracts', 'Contracts'],
  ['counters', 'Counters'],
  ['incidents', 'Incidents'],
  ['audit', 'Audit log'],
  ['exit', 'Leaving'],
  ['settings', 'Settings'],
  ['users', 'People'],
  ['account', 'Password'],
];
const PAGE_ROLES = { audit: ['owner', 'member'], exit: ['owner'], users: ['owner'] };

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs);
  for (const child of children.flat()) if (child) el.append(child instanceof Node ? child : String(child));
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function when(iso) {
  if (!iso) return 'never';
  const d = new Date(iso);
  try {
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: app.timeZone });
  } catch {
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }); // a zone this browser does not know
  }
}

function count(n) {
  return Number(n).toLocaleString();
}

function badge(kind, text) {
  return h('span', { class: `badge b-${kind}` }, text);
}

function say(text, kind = 'info') {
  const status = document.getElementById('status');
  status.replaceChildren(text ? h('p', { class: `msg msg-${kind}` }, text) : '');
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (app.csrf) headers['x-csrf-token'] = app.csrf;
  }
  const response = await fetch(path, { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body || {}), credentials: 'same-origin' });
  let data = null;
  const type = response.headers.get('content-type') || '';
  if (type.includes('application/json')) data = await response.json();
  if (response.status === 401 && data && (data.error === 'session-expired' || data.error === 'not-logged-in') && app.user) {
    app.user = null;
    app.csrf = null;
    app.notice = data.error === 'session-expired' ? 'Your session has ended. Please log in again.' : 'Please log in.';
    render();
    throw new Error(data.message);
  }
  if (!response.ok) {
    const error = new Error((data && data.message) || `The hub answered ${response.status}.`);
    error.status = response.status;
    throw error;
  }
  return { data, response };
}

/** Runs an action, shows its error in the status area instead of failing silently. */
async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    say(error.message, 'bad');
    return undefined;
  }
}

function field(id, labelText, attrs, hint) {
  return [
    h('label', { for: id }, labelText),
    h('input', { id, name: id, ...attrs }),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
  ];
}

function value(id) {
  return document.getElementById(id).value;
}

/** A page's nodes, flattened and without the empty slots conditional parts leave. */
function page(title, lead, ...content) {
  return [h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null, ...content].flat(Infinity).filter((node) => node instanceof Node);
}

// ---------- shell and routing ----------

async function loadSession() {
  const { data } = await api('GET', '/api/session');
  app.user = data.user;
  app.csrf = data.csrf;
  app.setupRequired = data.setupRequired;
  if (app.user) app.timeZone = (await api('GET', '/api/settings')).data.timeZone || undefined;
}

function currentPage() {
  const name = (location.hash || '#/overview').replace(/^#\//, '');
  return PAGES.some(([id]) => id === name) ? name : 'overview';
}

function drawNav() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!app.user) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const current = currentPage();
  nav.replaceChildren(
    ...PAGES.filter(([id]) => !PAGE_ROLES[id] || PAGE_ROLES[id].includes(app.user.role)).map(([id, label]) =>
      h('a', { href: `#/${id}`, 'aria-current': id === current ? 'page' : undefined }, label),
    ),
  );
  who.replaceChildren(
    h('span', {}, `${app.user.name} (${app.user.role})`),
    h('button', { type: 'button', onclick: logout }, 'Log out'),
  );
}

async function logout() {
  await attempt(() => api('POST', '/api/logout'));
  app.user = null;
  app.csrf = null;
  app.notice = 'You are logged out.';
  render();
}

async function render() {
  const main = document.getElementById('main');
  try {
    if (!app.user) await loadSession();
  } catch (error) {
    main.replaceChildren(h('p', { class: 'msg msg-bad' }, `The hub did not answer: ${error.message}`));
    return;
  }
  drawNav();
  say(app.notice, 'info');
  app.notice = null;
  if (!app.user) {
    main.replaceChildren(...(app.setupRequired || location.hash === '#/enrol' ? setupView() : loginView()));
    return;
  }
  const name = currentPage();
  document.title = `${PAGES.find(([id]) => id === name)[1]} · Airlock hub`;
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    main.replaceChildren(...(await VIEWS[name]()));
  } catch (error) {
    if (app.user) main.replaceChildren(h('p', { class: 'msg msg-bad' }, error.message));
  }
}

window.addEventListener('hashchange', () => render().then(() => document.getElementById('main').focus()));

/** Shows a page: by changing the address (which renders), or by rendering when it is already there. */
function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}
document.addEventListener('DOMContentLoaded', render);

// ---------- login and enrolment ----------

function loginView() {
  const error = h('div', { role: 'alert' });
  const form = h(
    'form',
    { class: 'box', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in to your hub'),
    field('login-name', 'Account name', { autocomplete: 'username', required: true, autocapitalize: 'none' }),
    field('login-password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
    field('login-totp', '6-digit code from your authenticator app', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true }),
    error,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Log in'), h('a', { href: '#/enrol' }, 'I have an invitation code')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    try {
      const { data } = await api('POST', '/api/login', {
        name: value('login-name'),
        password: value('login-password'),
        totp: value('login-totp'),
        clientTime: Date.now(),
      });
      app.user = data.user;
      app.csrf = data.csrf;
      go(!location.hash || location.hash === '#/enrol' ? '#/overview' : location.hash);
    } catch (e) {
      error.replaceChildren(h('p', { class: 'msg msg-bad' }, e.message));
    }
  });
  return [form];
}

function setupView() {
  const first = app.setupRequired;
  const error = h('div', { role: 'alert' });
  const step2 = h('div');
  const form = h(
    'form',
    { class: 'box', 'aria-labelledby': 'setup-title' },
    h('h1', { id: 'setup-title' }, first ? 'Set up your hub' : 'Create your account'),
    h(
      'p',
      {},
      first
        ? 'This hub has no owner yet and no default password. Its one-time setup code is printed on the hub\'s console (serial port) when it starts.'
        : 'Enter the invitation code the hub\'s owner gave you.',
    ),
    field('setup-code', first ? 'Setup code' : 'Invitation code', { autocomplete: 'off', autocapitalize: 'characters', required: true, placeholder: 'XXXX-XXXX-XXXX' }),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', id: 'setup-next' }, 'Continue'), first ? null : h('a', { href: '#/' }, 'Back to log in')),
    error,
    step2,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    if (step2.childElementCount) return finishSetup(error);
    try {
      const { data } = await api('POST', '/api/setup/start', { code: value('setup-code') });
      document.getElementById('setup-next').remove();
      document.getElementById('setup-code').readOnly = true;
      const qr = new DOMParser().parseFromString(data.qrSvg, 'image/svg+xml').documentElement;
      step2.replaceChildren(...[
        h('h2', {}, 'Your account'),
        data.name ? h('p', {}, `Account name: `, h('strong', {}, data.name), ` (${data.role})`) : field('setup-name', 'Account name', { value: 'owner', autocomplete: 'username', required: true }, 'Lowercase letters and digits, up to 12.'),
        field('setup-password', 'Choose a password', { type: 'password', autocomplete: 'new-password', minlength: 10, required: true }, 'At least 10 characters. A few unrelated words work well.'),
        field('setup-password2', 'Type the password again', { type: 'password', autocomplete: 'new-password', required: true }),
        h('h2', {}, 'Second step: your phone'),
        h('p', {}, 'Scan this with an authenticator app (for example Aegis, FreeOTP, Google Authenticator or 1Password). Every login asks for its 6-digit code, so a stolen password alone is not enough.'),
        h('div', { class: 'qr' }, document.importNode(qr, true)),
        h('p', { class: 'hint' }, 'Cannot scan? Type this key into the app: ', h('span', { class: 'code', id: 'totp-secret' }, data.secret)),
        field('setup-totp', '6-digit code the app now shows', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true }),
        h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create account')),
      ].flat().filter(Boolean));
      (document.getElementById('setup-name') || document.getElementById('setup-password')).focus();
    } catch (e) {
      error.replaceChildren(h('p', { class: 'msg msg-bad' }, e.message));
    }
  });
  return [form];
}

async function finishSetup(error) {
  if (value('setup-password') !== value('setup-password2')) {
    error.replaceChildren(h('p', { class: 'msg msg-bad' }, 'The two passwords differ; type them again.'));
    return;
  }
  try {
    const nameInput = document.getElementById('setup-name');
    const { data } = await api('POST', '/api/setup/finish', {
      code: value('setup-code'),
      ...(nameInput ? { name: nameInput.value } : {}),
      password: value('setup-password'),
      totp: value('setup-totp'),
      clientTime: Date.now(),
    });
    app.user = data.user;
    app.csrf = data.csrf;
    app.setupRequired = false;
    app.notice = `Welcome, ${data.user.name}. Your account is ready.`;
    go('#/overview');
  } catch (e) {
    error.replaceChildren(h('p', { class: 'msg msg-bad' }, e.message));
  }
}

// ---------- pages ----------

const HEALTH = { ok: ['ok', 'Working well'], attention: ['warn', 'Needs a look'], problem: ['bad', 'Problem'] };
const UPLINK = { online: ['ok', 'Internet connected'], 'local-only': ['warn', 'Home network only'], offline: ['bad', 'Offline'] };

async function overviewView() {
  const { data } = await api('GET', '/api/overview');
  const hub = data.hub;
  const [uplinkKind, uplinkText] = UPLINK[hub.uplink] || ['off', hub.uplink];
  const days = Math.floor(hub.uptimeS / 86400);
  const hours = Math.floor((hub.uptimeS % 86400) / 3600);
  return page(
    'Overview',
    'What your hub is doing, and how each connected service is keeping its promises.',
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'hub-title' },
      h('header', {}, h('h2', { id: 'hub-title' }, `Hub ${hub.hubId}`), badge(uplinkKind, uplinkText)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Running for'), h('dd', {}, `${days} days ${hours} hours (start number ${hub.bootCount})`),
        h('dt', {}, 'Clock'), h('dd', {}, hub.wallClockKnown ? 'Set from the internet' : 'Not set yet (no internet time)'),
        h('dt', {}, 'Readings from your devices'), h('dd', {}, count(hub.readingsReceived)),
        h('dt', {}, 'Unreadable messages skipped'), h('dd', {}, count(hub.malformedInputs)),
        h('dt', {}, 'Audit log'), h('dd', {}, hub.auditHeadSeq === null ? 'empty' : `${count(hub.auditHeadSeq)} entries`),
        h('dt', {}, 'Software'), h('dd', {}, `Airlock ${hub.version}`),
      ),
    ),
    h('h2', {}, 'Connected services'),
    h('div', { class: 'grid' }, data.integrations.map(integrationCard)),
  );
}

function integrationCard(i) {
  const [kind, text] = HEALTH[i.health] || ['off', i.health];
  const dropped = Object.values(i.dropped).reduce((a, b) => a + b, 0);
  return h(
    'section',
    { class: 'card', 'aria-label': i.title },
    h('header', {}, h('h3', {}, i.title), badge(kind, text)),
    h('p', { class: 'muted' }, `${i.vendor} · contract ${i.contractVersion}`),
    h('p', {}, i.healthReason),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Connection'), h('dd', {}, i.connectivity === 'online' ? 'Online' : i.connectivity === 'degraded' ? 'Unreliable' : 'Offline'),
      h('dt', {}, 'Received'), h('dd', {}, count(i.received)),
      h('dt', {}, 'Delivered'), h('dd', {}, count(i.forwarded)),
      h('dt', {}, 'Waiting in hub'), h('dd', {}, `${count(i.bufferedRecords)} records`),
      h('dt', {}, 'Not sent'), h('dd', {}, `${count(dropped)} (no consent: ${count(i.dropped.consent)}, too old: ${count(i.dropped.retention)})`),
      h('dt', {}, 'Last delivery'), h('dd', {}, when(i.lastDelivery)),
      i.lastError ? [h('dt', {}, 'Last error'), h('dd', {}, i.lastError)] : null,
      i.openIncidents ? [h('dt', {}, 'Open incidents'), h('dd', {}, String(i.openIncidents))] : null,
    ),
    h(
      'table',
      {},
      h('caption', { class: 'muted' }, 'Service levels promised in the contract'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Promise'), h('th', { scope: 'col' }, 'Promised'), h('th', { scope: 'col' }, 'Actual'))),
      h('tbody', {}, i.serviceLevels.map((level) =>
        h('tr', {}, h('td', {}, level.name), h('td', {}, level.promised), h('td', {}, badge(level.met ? 'ok' : 'bad', `${level.met ? '✓' : '✗'} ${level.measured}`))),
      )),
    ),
  );
}

// The data map, grouped company → purpose → kind of data; devices on demand. Filters survive a redraw.
const mapFilter = { device: '', company: '' };

async function datamapView() {
  const { data } = await api('GET', '/api/datamap');
  const out = h('div', {});
  const draw = () => out.replaceChildren(...mapBody(data).flat());
  const deviceInput = h('input', { id: 'map-device', type: 'search', list: 'map-devices', value: mapFilter.device, autocomplete: 'off', oninput: (e) => { mapFilter.device = e.target.value; draw(); } });
  const companySelect = h('select', { id: 'map-company', onchange: (e) => { mapFilter.company = e.target.value; draw(); } },
    h('option', { value: '' }, 'All companies'),
    data.companies.map((c) => h('option', { value: c.integration, selected: c.integration === mapFilter.company }, c.title)));
  draw();
  const nameable = data.devices.filter((d) => d.nameable);
  return page(
    'Data map',
    'Which company receives which kind of data from your devices, for what, changed how and kept how long. Open a line to see its devices. Greyed: does not flow now (no consent, or paused).',
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      h('div', {}, h('label', { for: 'map-device' }, 'Device'), deviceInput,
        h('datalist', { id: 'map-devices' }, data.devices.map((d) => h('option', { value: d.title })))),
      h('div', {}, h('label', { for: 'map-company' }, 'Company'), companySelect),
    ),
    out,
    nameable.length && app.user.role !== 'member' ? namingSection(data, nameable) : null,
  );
}

/** What the filters leave: companies → purposes → kinds, each kind with its matching devices. */
function filteredMap(data) {
  const needle = mapFilter.device.trim().toLowerCase();
  const match = (i) => !needle || data.devices[i].title.toLowerCase().includes(needle) || data.devices[i].id.toLowerCase().includes(needle);
  return data.companies
    .filter((c) => !mapFilter.company || c.integration === mapFilter.company)
    .map((c) => ({ ...c, purposes: c.purposes
      .map((p) => ({ ...p, kinds: p.kinds.map((k) => ({ ...k, devices: k.devices.filter(match) })).filter((k) => k.devices.length) }))
      .filter((p) => p.kinds.length || !needle) }))
    .filter((c) => c.purposes.length);
}

function mapBody(data) {
  const companies = filteredMap(data);
  const seen = new Set(companies.flatMap((c) => c.purposes.flatMap((p) => p.kinds.flatMap((k) => k.devices))));
  const filtering = Boolean(mapFilter.device.trim() || mapFilter.company);
  return [
    h('p', { class: 'muted', id: 'map-count' }, filtering
      ? `Showing ${companies.length} of ${data.companies.length} companies and ${seen.size} of ${data.devices.length} devices.`
      : `${data.companies.length} companies receive data from ${seen.size} of your ${data.devices.length} devices.`),
    companies.length ? flowDiagram(companies) : h('p', { class: 'msg msg-info' }, 'Nothing matches the filter.'),
    companies.map((c) => companyCard(c, data, filtering)),
  ];
}

function flowBadge(p, paused) {
  if (p.flowing) return badge('ok', 'Flowing');
  return badge('off', paused ? 'Paused' : 'Not flowing: no consent');
}

function companyCard(c, data, filtering) {
  return h('section', { class: 'card', 'aria-label': c.title },
    h('header', {}, h('h2', {}, c.title), c.paused ? badge('warn', 'Delivery paused') : null),
    h('dl', { class: 'facts terms' },
      h('dt', {}, 'Waits and is kept'), h('dd', {}, c.retention),
      h('dt', {}, 'Stored in'), h('dd', {}, c.vendorStorage),
      h('dt', {}, 'Shared with'), h('dd', {}, c.onwardSharing),
    ),
    c.purposes.map((p) => h('div', { class: `purpose-block${p.flowing ? '' : ' idle'}` },
      h('h3', {}, `${p.description} `, flowBadge(p, c.paused)),
      p.kinds.length === 0 ? h('p', { class: 'muted' }, 'None of your devices sends data for this.') : h('table', {},
        h('thead', {}, h('tr', {}, ['Data', 'Changed before sending', 'From'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, p.kinds.map((k) => h('tr', {},
          h('td', {}, k.field), h('td', {}, k.transform),
          h('td', {}, k.devices.length === 1 ? h('span', { class: 'device', title: data.devices[k.devices[0]].id }, data.devices[k.devices[0]].title) : h('details', { open: filtering && k.devices.length <= 12 },
            h('summary', {}, `${k.devices.length} devices`),
            h('ul', { class: 'devices' }, k.devices.map((i) => h('li', { title: data.devices[i].id }, data.devices[i].title))))),
        ))),
      ),
    )),
  );
}

/** Naming devices whose gateway gives no name (Tasmota, ESPHome, BTHome). */
function namingSection(data, nameable) {
  const row = (d) => {
    const input = h('input', { id: `name-${d.id}`, 'aria-label': `Name for ${d.id}`, maxlength: data.maxNameLength, value: d.named === 'owner' ? d.title : '', placeholder: d.title });
    const save = async (e) => {
      e.preventDefault();
      const r = await attempt(() => api('POST', '/api/devices/name', { device: d.id, name: input.value }));
      if (!r) return;
      app.notice = r.data.named === 'owner' ? `${d.id} is now called "${r.data.title}".` : `${d.id} has no given name now.`;
      render();
    };
    return h('tr', {}, h('td', { class: 'code' }, d.id), h('td', {}, h('form', { class: 'inline', onsubmit: save }, input, h('button', { type: 'submit' }, 'Save'))));
  };
  return h('details', { class: 'card', id: 'naming' },
    h('summary', {}, `Name your devices (${nameable.length} Tasmota, ESPHome and BTHome devices)`),
    h('p', { class: 'hint' }, `Zigbee devices show the name zigbee2mqtt gives them. Others are known by a topic or an address: give them a name here (at most ${data.maxNameLength} characters; empty clears it).`),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Device'), h('th', { scope: 'col' }, 'Name'))), h('tbody', {}, nameable.map(row))),
  );
}

/** Kinds of data → companies → purposes: one band per link, greyed when it does not flow. */
function flowDiagram(companies) {
  const columns = [new Map(), new Map(), new Map()];
  const node = (col, key, label) => {
    if (!columns[col].has(key)) columns[col].set(key, { col, key, label, in: 0, out: 0 });
    return columns[col].get(key);
  };
  const links = new Map();
  const link = (a, b, flowing) => {
    const key = `${a.col}${a.key}\u0000${b.key}`;
    const found = links.get(key);
    if (found) found.flowing = found.flowing || flowing;
    else links.set(key, { a, b, flowing });
  };
  for (const c of companies) {
    const company = node(1, c.integration, c.title);
    for (const p of c.purposes) {
      const short = p.description.length > 40 ? `${p.description.slice(0, 39)}…` : p.description;
      link(company, node(2, `${c.integration}/${p.purpose}`, short), p.flowing);
      for (const k of p.kinds) link(node(0, k.field, k.field), company, p.flowing);
    }
  }
  for (const l of links.values()) { l.a.out++; l.b.in++; }
  const unit = 16;
  const gap = 12;
  const x = [160, 410, 660];
  const nodeWidth = 12;
  let height = 0;
  for (const col of columns) {
    let y = 6;
    for (const n of col.values()) {
      n.y = y;
      n.h = Math.max(n.in, n.out, 1) * unit;
      n.usedIn = 0;
      n.usedOut = 0;
      y += n.h + gap;
    }
    height = Math.max(height, y);
  }
  const paths = [...links.values()].map((l) => {
    const x1 = x[l.a.col] + nodeWidth;
    const x2 = x[l.b.col];
    const y1 = l.a.y + (l.a.h / l.a.out) * (l.a.usedOut++ + 0.5);
    const y2 = l.b.y + (l.b.h / l.b.in) * (l.b.usedIn++ + 0.5);
    const mid = (x1 + x2) / 2;
    return s('path', { d: `M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`, fill: 'none', stroke: l.flowing ? '#0b5cad' : '#b8c0c8', 'stroke-opacity': l.flowing ? 0.4 : 0.6, 'stroke-width': unit - 5, 'stroke-dasharray': l.flowing ? undefined : '6 4' });
  });
  const labels = [];
  columns.forEach((col, ci) => {
    for (const n of col.values()) {
      labels.push(s('rect', { x: x[ci], y: n.y, width: nodeWidth, height: n.h, rx: 3, fill: ['#3d5a80', '#12263f', '#0b5cad'][ci] }));
      const left = ci === 0;
      labels.push(s('text', { x: left ? x[ci] - 8 : x[ci] + nodeWidth + 8, y: n.y + n.h / 2 + 5, 'text-anchor': left ? 'end' : 'start', 'font-size': 14, stroke: '#fff', 'stroke-width': 4, 'paint-order': 'stroke', 'stroke-linejoin': 'round' }, n.label));
    }
  });
  const headings = ['Data', 'Company', 'Purpose'].map((t, i) => s('text', { x: x[i] + nodeWidth / 2, y: height + 12, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 600 }, t));
  const description = [...links.values()].map((l) => `${l.a.label} to ${l.b.label}${l.flowing ? '' : ' (not flowing)'}`).join('; ');
  return h('figure', {}, h('figcaption', {}, 'Where your data goes'),
    s('svg', { viewBox: `0 0 1040 ${height + 20}`, width: '100%', role: 'img', 'aria-label': `Diagram: ${description}` }, paths, labels, headings));
}

async function consentView() {
  const { data } = await api('GET', '/api/consent');
  const byIntegration = new Map();
  for (const entry of data.entries) {
    if (!byIntegration.has(entry.integration)) byIntegration.set(entry.integration, []);
    byIntegration.get(entry.integration).push(entry);
  }
  const mayChange = app.user.role !== 'installer';
  const sections = [];
  for (const [, entries] of byIntegration) {
    const rows = [];
    for (const entry of entries) rows.push(await consentRow(entry, mayChange));
    sections.push(h('section', { class: 'card', 'aria-label': entries[0].integrationTitle }, h('h2', {}, entries[0].integrationTitle), rows));
  }
  return page(
    'Consent',
    'Choose what each service may use your data for. Withdrawing takes one click, just like giving; the hub then stops sending and deletes what is still waiting.',
    app.user.role === 'installer' ? h('p', { class: 'msg msg-info' }, 'Installers can see consent choices but only the household can change them.') : null,
    h('div', { class: 'grid' }, sections),
  );
}

async function consentRow(entry, mayChange) {
  const id = `${entry.integration}-${entry.purpose}`;
  const status = entry.given ? badge('ok', 'Given') : badge('off', entry.changedAt ? 'Withdrawn' : 'Not given');
  const details = h('div');
  // A purpose the contract marks as needing no consent (e.g. safety alerts) cannot be withdrawn
  // on its own: the hub would keep sending it. Say so instead of offering a button that fails.
  if (entry.required) mayChange = false;
  if (entry.given && mayChange) {
    const { data: plan } = await api('GET', `/api/consent/preview?integration=${encodeURIComponent(entry.integration)}&purpose=${encodeURIComponent(entry.purpose)}`);
    details.append(h('p', { class: 'hint' }, 'If you withdraw:'), h('ul', {}, plan.effects.map((e) => h('li', {}, e))));
  }
  const button = mayChange
    ? entry.given
      ? h('button', { type: 'button', class: 'danger', id: `withdraw-${id}`, onclick: () => changeConsent(entry, 'withdraw') }, 'Withdraw consent')
      : h('button', { type: 'button', class: 'primary', id: `give-${id}`, onclick: () => changeConsent(entry, 'give') }, 'Give consent')
    : null;
  return h(
    'div',
    { class: 'purpose', id: `consent-${id}` },
    h(
      'div',
      { class: 'what' },
      h('h3', {}, entry.purposeText, ' ', status),
      h('p', { class: 'muted' }, entry.changedAt ? `Last changed ${when(entry.changedAt)} by ${entry.changedBy}.` : 'Not decided yet.', entry.required ? ' The contract sends this without asking (the service cannot work without it); to stop it, end the integration on the Leaving page.' : ''),
      details,
    ),
    h('div', {}, button),
  );
}

async function changeConsent(entry, action) {
  const result = await attempt(() => api('POST', `/api/consent/${action}`, { integration: entry.integration, purpose: entry.purpose }));
  if (!result) return;
  app.notice =
    action === 'withdraw'
      ? `Consent withdrawn: ${entry.integrationTitle} no longer receives data for “${entry.purposeText}”. ${result.data.purgedRecords} waiting record(s) deleted.`
      : `Consent given: ${entry.integrationTitle} may use your data for “${entry.purposeText}”.`;
  await render();
}

async function contractsView() {
  const { data } = await api('GET', '/api/contracts');
  const cards = [];
  for (const c of data.contracts) {
    const statusBadge = c.status === 'pending-change' ? badge('warn', `Change ${c.pendingVersion} waits for you`) : c.status === 'active' ? badge('ok', 'In force') : badge('off', 'Ended');
    const full = h('pre', { 'aria-label': 'Full contract' }, 'Loading…');
    const details = h('details', { ontoggle: (e) => e.target.open && loadContract(c.integration, full) }, h('summary', {}, 'Read the full contract'), full);
    const card = h(
      'section',
      { class: 'card', id: `contract-${c.integration}`, 'aria-label': c.integrationTitle },
      h('header', {}, h('h2', {}, c.integrationTitle), statusBadge),
      h('p', { class: 'muted' }, `${c.vendor} · version ${c.version}`),
      c.summary.map((line) => h('p', {}, line)),
      h('p', {}, h('strong', {}, 'Purposes: '), c.purposes.join(', ')),
      details,
    );
    if (c.pendingVersion) card.append(await pendingBlock(c));
    cards.push(card);
  }
  const configures = app.user.role === 'owner' || app.user.role === 'installer';
  if (configures) for (const [i, c] of data.contracts.entries()) cards[i].append(secretForm(c));
  return page('Contracts', 'What each service has agreed to, in plain words. Changes that widen what a service gets wait for your decision.', configures ? addIntegrationBlock() : null, cards);
}

// ---------- adding a service (POST /api/integrations/preview, /install, /fetch) ----------

function addIntegrationBlock() {
  const text = h('textarea', { id: 'contract-text', rows: 6, spellcheck: 'false', 'aria-describedby': 'contract-text-hint' });
  const file = h('input', { id: 'contract-file', type: 'file', accept: '.json,application/json' });
  file.addEventListener('change', async () => {
    if (file.files[0]) text.value = await file.files[0].text();
  });
  const preview = h('div', { id: 'add-preview', 'aria-live': 'polite' });
  return h(
    'section',
    { class: 'card', id: 'add-integration', 'aria-label': 'Add a service' },
    h('h2', {}, 'Add a service'),
    h('p', {}, 'Paste or upload the contract the company gave you, or give its https:// address. The hub checks it and shows what would be shared before anything is installed.'),
    h('label', { for: 'contract-file' }, 'Upload the contract file'), file,
    field('contract-url', 'Or the contract\'s https:// address', { type: 'url', placeholder: 'https://' }),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => fetchContract(text) }, 'Fetch')),
    h('label', { for: 'contract-text' }, 'Contract (JSON)'), text,
    h('p', { class: 'hint', id: 'contract-text-hint' }, 'At most 12 KB.'),
    field('contract-endpoint', 'Send to another address (optional: an installer\'s relay)', { type: 'url', autocomplete: 'off' }),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => previewContract(text.value, value('contract-endpoint'), preview) }, 'Check and preview')),
    preview,
  );
}

async function fetchContract(text) {
  let result = await attempt(() => api('POST', '/api/integrations/fetch', { url: value('contract-url') }));
  while (result && result.data.state === 'fetching') {
    say('Fetching the contract…');
    await new Promise((resolve) => setTimeout(resolve, 500));
    result = await attempt(() => api('GET', '/api/integrations/fetch'));
  }
  if (!result) return;
  if (result.data.state === 'failed') say(`Not fetched: ${result.data.error}`, 'bad');
  else if (result.data.state === 'done') {
    text.value = result.data.contract;
    say('Fetched. Check and preview it below.', 'ok');
  }
}

async function previewContract(contract, endpoint, target) {
  const result = await attempt(() => api('POST', '/api/integrations/preview', { contract, endpoint }));
  if (!result) return;
  const p = result.data;
  if (!p.valid) {
    target.replaceChildren(h('div', { role: 'alert', class: 'msg msg-bad' }, h('p', {}, `The contract has ${p.errors.length} problem(s); nothing was installed:`), h('ul', { id: 'contract-errors' }, p.errors.map((e) => h('li', {}, h('span', { class: 'code' }, e.path || '(document)'), `: ${e.message}`)))));
    return;
  }
  const secret = p.credential ? `secret-${p.credential.name}` : null;
  target.replaceChildren(
    h('h3', {}, `${p.vendor} (${p.integration}) ${p.version}`, p.replaces ? ` replaces ${p.replaces}` : ''),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Your devices it would get data from'), h('dd', { id: 'preview-devices' }, p.devices.length ? p.devices.map((d) => d.title).join(', ') : 'none of your devices yet'),
      h('dt', {}, 'Sent to'), h('dd', {}, p.endpoint),
      h('dt', {}, 'Purposes'), h('dd', {}, p.purposes.map((x) => `${x.description}${x.requiresConsent ? ' (needs your consent)' : ' (without asking)'}`).join(' ')),
      h('dt', {}, 'Kept'), h('dd', {}, `${p.retention}; ${p.vendorStorage}`),
      h('dt', {}, 'Shared with'), h('dd', {}, p.onwardSharing.join(', ')),
      h('dt', {}, 'Promises'), h('dd', {}, p.serviceLevels.join('; ')),
    ),
    p.kinds.length === 0 ? '' : h('table', { id: 'preview-kinds' }, h('thead', {}, h('tr', {}, ['Purpose', 'Data', 'Changed how', 'From'].map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, p.kinds.map((k) => h('tr', {}, h('td', {}, k.purposeText), h('td', {}, k.field), h('td', {}, k.transform), h('td', {}, k.devices.join(', ')))))),
    h('div', {}, p.warnings.map((w) => h('p', { class: 'msg msg-info' }, `Note: ${w.path}: ${w.message}`))),
    h('div', {}, secret ? field(secret, `Credential “${p.credential.name}” (${p.credential.type})`, { type: 'password', autocomplete: 'off' }, p.credential.stored ? 'The hub has a value; leave empty to keep it. It is never shown again.' : 'Kept in the hub\'s secret store and never shown again.') : null),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'install-integration', onclick: () => installContract(contract, endpoint, secret && p.credential.name, secret) }, p.replaces ? 'Load this version' : 'Install')),
  );
}

async function installContract(contract, endpoint, name, inputId) {
  const secrets = name && value(inputId) ? { [name]: value(inputId) } : {};
  const result = await attempt(() => api('POST', '/api/integrations/install', { contract, secrets, endpoint }));
  if (!result) return;
  const r = result.data;
  app.notice = r.status === 'added'
    ? `Installed ${r.integration} ${r.version}.${r.awaitingConsent.length ? ' Nothing is sent until consent is given on the Consent page.' : ''}`
    : r.status === 'pending' ? `Version ${r.version} widens what ${r.integration} gets: it waits for the owner's approval below.` : `${r.integration}: version ${r.version} ${r.status}.`;
  await render();
}

function secretForm(c) {
  const id = `replace-secret-${c.integration}`;
  const replace = async () => {
    const doc = await attempt(() => api('GET', `/api/contracts/${encodeURIComponent(c.integration)}`));
    const credentials = doc && doc.data.document.delivery.credentials;
    if (!credentials) return say(doc ? `${c.integrationTitle}'s contract names no credential.` : '', 'bad');
    if (await attempt(() => api('POST', `/api/integrations/${encodeURIComponent(c.integration)}/secret`, { name: credentials.secret, value: value(id) }))) say(`Credential of ${c.integrationTitle} replaced.`, 'ok');
  };
  return h('details', {}, h('summary', {}, 'Replace its credential'),
    field(id, `New credential for ${c.integrationTitle}`, { type: 'password', autocomplete: 'off' }, 'The old value is never shown.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', id: `${id}-button`, onclick: replace }, 'Replace')));
}

async function loadContract(integration, target) {
  const result = await attempt(() => api('GET', `/api/contracts/${encodeURIComponent(integration)}`));
  if (result) target.textContent = JSON.stringify(result.data.document, null, 2);
}

async function pendingBlock(c) {
  const { data } = await api('GET', `/api/contracts/${encodeURIComponent(c.integration)}`);
  const p = data.pending;
  const block = h('div', { class: 'pending' }, h('h3', {}, `Proposed change: ${p.fromVersion} → ${p.toVersion}`), h('p', { class: 'muted' }, `Received ${when(p.receivedAt)}. `, h('strong', {}, '+'), ' means the service would get more, ', h('strong', {}, '−'), ' less.'));
  block.append(
    h('ul', { class: 'diff' }, p.diff.map((d) =>
      h('li', { class: d.kind }, h('span', { class: 'sign', 'aria-hidden': 'true' }, d.kind === 'widening' ? '+' : '−'), h('span', { class: 'sr' }, d.kind === 'widening' ? 'More: ' : 'Less: '), d.text),
    )),
  );
  if (app.user.role === 'owner') {
    const reason = h('input', { id: `reason-${c.integration}`, placeholder: 'optional' });
    block.append(
      h('label', { for: `reason-${c.integration}` }, 'Reason if you reject (sent to the audit log)'),
      reason,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', id: `approve-${c.integration}`, onclick: () => decide(c, p.toVersion, 'approve', reason.value) }, `Approve ${p.toVersion}`),
        h('button', { type: 'button', id: `reject-${c.integration}`, onclick: () => decide(c, p.toVersion, 'reject', reason.value) }, 'Reject, keep the current contract'),
      ),
    );
  } else {
    block.append(h('p', { class: 'muted' }, 'Only the owner can approve or reject it.'));
  }
  return block;
}

async function decide(c, version, action, reason) {
  const result = await attempt(() => api('POST', `/api/contracts/${encodeURIComponent(c.integration)}/${action}`, { version, reason }));
  if (!result) return;
  app.notice = action === 'approve' ? `Approved: ${c.integrationTitle} contract ${version} is now in force.` : `Rejected: ${c.integrationTitle} stays on its current contract.`;
  await render();
}

const SERIES = [
  ['received', 'Received', '#0b5cad'],
  ['forwarded', 'Delivered', '#1a7f37'],
  ['dropped', 'Not sent', '#a40e26'],
];

async function countersView() {
  const { data } = await api('GET', '/api/counters');
  const { data: overview } = await api('GET', '/api/overview');
  const titles = Object.fromEntries(overview.integrations.map((i) => [i.id, i.title]));
  const samples = data.samples;
  const ids = [...new Set(samples.flatMap((sample) => Object.keys(sample.integrations)))];
  const hours = (data.intervalS * Math.max(0, samples.length - 1)) / 3600;
  return page(
    'Counters',
    `The last ${Math.round(hours)} hours, one point every ${Math.round(data.intervalS / 60)} minutes (the hub keeps ${data.capacity} points).`,
    samples.length < 2 ? h('p', {}, 'Not enough history yet; come back in a while.') : ids.map((id) => counterCharts(id, titles[id] || id, samples, data.intervalS)),
  );
}

function counterCharts(id, title, samples, intervalS) {
  const points = samples.filter((sample) => sample.integrations[id]);
  const per = (key) => points.slice(1).map((p, i) => ({ t: Date.parse(p.at), v: Math.max(0, p.integrations[id][key] - points[i].integrations[id][key]) }));
  const rate = SERIES.map(([key, label, color]) => ({ label, color, cls: key, values: per(key) }));
  const waiting = [{ label: 'Waiting in hub', color: '#bc4c00', cls: 'buffered', values: points.map((p) => ({ t: Date.parse(p.at), v: p.integrations[id].bufferedRecords })) }];
  const table = h(
    'details',
    {},
    h('summary', {}, 'Show the numbers'),
    h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Time', 'Received', 'Delivered', 'Not sent', 'Retries', 'Waiting'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, points.map((p) => {
        const c = p.integrations[id];
        return h('tr', {}, h('td', {}, when(p.at)), h('td', {}, count(c.received)), h('td', {}, count(c.forwarded)), h('td', {}, count(c.dropped)), h('td', {}, count(c.retried)), h('td', {}, count(c.bufferedRecords)));
      })),
    )),
  );
  return h(
    'section',
    { 'aria-label': title },
    h('h2', {}, title),
    h('div', { class: 'charts' },
      lineChart(`Records per ${Math.round(intervalS / 60)} minutes`, rate),
      lineChart('Records waiting in the hub', waiting),
    ),
    table,
  );
}

/** An SVG line chart: time on x, values on y, with axes, gridlines and a legend. */
function lineChart(title, series) {
  const width = 460;
  const height = 220;
  const pad = { left: 52, right: 14, top: 12, bottom: 30 };
  const all = series.flatMap((x) => x.values);
  if (all.length === 0) return h('figure', {}, h('figcaption', {}, title), h('p', {}, 'No data.'));
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  // At least 4 so the four gridlines fall on whole numbers.
  const max = niceMax(Math.max(4, ...all.map((p) => p.v)));
  const px = (t) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const py = (v) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const grid = [];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    grid.push(s('line', { x1: pad.left, x2: width - pad.right, y1: py(v), y2: py(v), stroke: '#d0d7de' }));
    grid.push(s('text', { x: pad.left - 6, y: py(v) + 4, 'text-anchor': 'end', 'font-size': 13 }, count(Math.round(v))));
  }
  for (const t of [t0, (t0 + t1) / 2, t1]) {
    grid.push(s('text', { x: px(t), y: height - 8, 'text-anchor': t === t0 ? 'start' : t === t1 ? 'end' : 'middle', 'font-size': 13 }, new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })));
  }
  // The first series is drawn wide and pale underneath, so a later one that matches it (delivered = received) stays visible on top.
  const lines = series.map((x, i) =>
    s('polyline', { points: x.values.map((p) => `${px(p.t).toFixed(1)},${py(p.v).toFixed(1)}`).join(' '), fill: 'none', stroke: x.color, 'stroke-width': i === 0 && series.length > 1 ? 6 : 2, 'stroke-opacity': i === 0 && series.length > 1 ? 0.35 : 1, 'stroke-linejoin': 'round' }),
  );
  const latest = series.map((x) => `${x.label} ${x.values.length ? x.values[x.values.length - 1].v : 0}`).join(', ');
  return h(
    'figure',
    {},
    h('figcaption', {}, title),
    s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': `${title}. Latest: ${latest}.` }, grid, lines),
    h('div', { class: 'legend' }, series.map((x) => h('span', {}, h('span', { class: `swatch s-${x.cls}` }), x.label))),
  );
}

function niceMax(v) {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

async function incidentsView() {
  const { data } = await api('GET', '/api/incidents');
  const { data: contracts } = await api('GET', '/api/contracts');
  const titles = Object.fromEntries(contracts.contracts.map((c) => [c.integration, c.integrationTitle]));
  const owner = app.user.role === 'owner';
  const now = Date.now();
  const rows = data.incidents.map((i) => {
    let state;
    if (i.resolvedAt) state = badge('ok', `Resolved ${when(i.resolvedAt)}`);
    else if (i.notifiedAt) state = badge('warn', `Vendor notified ${when(i.notifiedAt)}`);
    else if (i.overdue) state = h('span', { class: 'overdue' }, badge('bad', 'OVERDUE'), ' notification was due ', when(i.notifyBy));
    else state = badge('warn', `Waiting: ${Math.max(0, Math.round((Date.parse(i.notifyBy) - now) / 3_600_000))} h left`);
    return h(
      'tr',
      { id: `incident-${i.id}` },
      h('td', {}, titles[i.integration] || i.integration),
      h('td', {}, i.title),
      h('td', {}, when(i.detectedAt)),
      h('td', {}, when(i.notifyBy)),
      h('td', {}, state),
      owner
        ? h('td', {},
            !i.notifiedAt && !i.resolvedAt ? h('button', { type: 'button', onclick: () => incidentAction(i.id, 'notified') }, 'Mark notified') : null,
            ' ',
            !i.resolvedAt ? h('button', { type: 'button', onclick: () => incidentAction(i.id, 'resolved') }, 'Mark resolved') : null)
        : null,
    );
  });
  const headers = ['Service', 'What happened', 'Detected', 'Vendor must notify by', 'State'];
  if (owner) headers.push('Actions');
  const content = [
    data.incidents.length === 0
      ? h('p', {}, 'No incidents. Good.')
      : h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))),
  ];
  if (owner) content.push(incidentForm(contracts.contracts));
  return page('Incidents', 'Data breaches at the services you use, and whether they told you in the time their contract promises.', content);
}

function incidentForm(contracts) {
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Register an incident'),
    h('label', { for: 'incident-integration' }, 'Service'),
    h('select', { id: 'incident-integration' }, contracts.map((c) => h('option', { value: c.integration }, c.integrationTitle))),
    field('incident-title', 'What happened', { required: true, maxlength: 200 }),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Register')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await attempt(() => api('POST', '/api/incidents', { integration: value('incident-integration'), title: value('incident-title') }));
    if (result) {
      app.notice = `Incident registered. The vendor must notify by ${when(result.data.notifyBy)}.`;
      render();
    }
  });
  return form;
}

async function incidentAction(id, action) {
  if (await attempt(() => api('POST', `/api/incidents/${encodeURIComponent(id)}/${action}`))) {
    app.notice = action === 'notified' ? 'Marked as notified.' : 'Marked as resolved.';
    render();
  }
}

async function auditView() {
  const { data } = await api('GET', '/api/audit?limit=100');
  const v = data.verification;
  const banner =
    v.state === 'verified'
      ? h('div', { class: 'msg msg-ok verified' }, h('strong', {}, '✓ Verified'), `All ${count(v.checked)} entries are intact: each one is chained to the one before, so none was changed or removed.`)
      : v.state === 'broken'
        ? h('div', { class: 'msg msg-bad verified', role: 'alert' }, h('strong', {}, '✗ Broken'), `Entry ${v.brokenAt} does not match the chain: the log was altered or damaged from there on.`)
        : h('div', { class: 'msg msg-info verified' }, h('strong', {}, 'Not checked yet'));
  return page(
    'Audit log',
    'Every decision the hub made or was told to make, newest first.',
    banner,
    data.head ? h('p', { class: 'muted' }, 'Latest entry ', String(data.head.seq), ', fingerprint ', h('span', { class: 'code' }, data.head.hash.slice(0, 16)), '…') : null,
    h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'What'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, data.entries.map((e) => h('tr', {}, h('td', {}, String(e.seq)), h('td', {}, when(e.at)), h('td', {}, e.actor || 'hub'), h('td', {}, e.text)))),
    )),
  );
}

async function exitView() {
  const { data } = await api('GET', '/api/contracts');
  const cards = data.contracts.map((c) => {
    const input = h('input', { id: `confirm-${c.integration}`, autocomplete: 'off', 'aria-describedby': `confirm-${c.integration}-hint` });
    const del = h('button', { type: 'button', class: 'danger', id: `delete-${c.integration}`, disabled: true, onclick: () => deleteIntegration(c) }, `End ${c.integrationTitle} and delete`);
    input.addEventListener('input', () => (del.disabled = input.value.trim() !== c.integration));
    return h(
      'section',
      { class: 'card', 'aria-label': c.integrationTitle },
      h('h2', {}, c.integrationTitle),
      h('p', {}, 'Download everything the hub holds for this service: its contract, your consent choices, the records still waiting, and its audit entries.'),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: `export-${c.integration}`, onclick: () => exportIntegration(c) }, 'Download export')),
      h('h3', {}, 'End this service'),
      h('p', {}, 'Deleting stops all sending, deletes waiting records and destroys the keys that sealed them. It cannot be undone.'),
      h('label', { for: `confirm-${c.integration}` }, `To confirm, type ${c.integration}`),
      input,
      h('p', { class: 'hint', id: `confirm-${c.integration}-hint` }, 'The button unlocks when the name matches.'),
      h('div', { class: 'actions' }, del),
    );
  });
  return page('Leaving a service', 'Take your data with you, then end the service cleanly. You get a receipt.', h('div', { id: 'receipt' }), data.contracts.length ? h('div', { class: 'grid' }, cards) : h('p', {}, 'No services are connected.'));
}

async function exportIntegration(c) {
  const result = await attempt(() => api('POST', `/api/exit/${encodeURIComponent(c.integration)}/export`));
  if (!result) return;
  const disposition = result.response.headers.get('content-disposition') || '';
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `airlock-${c.integration}.json`;
  const url = URL.createObjectURL(new Blob([JSON.stringify(result.data, null, 2)], { type: 'application/json' }));
  const link = h('a', { href: url, download: name }, 'download');
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  say(`Export of ${c.integrationTitle} downloaded as ${name}.`, 'ok');
}

async function deleteIntegration(c) {
  const result = await attempt(() => api('POST', `/api/exit/${encodeURIComponent(c.integration)}/delete`, { confirm: c.integration }));
  if (!result) return;
  const r = result.data;
  const view = await exitView();
  document.getElementById('main').replaceChildren(...view);
  document.getElementById('receipt').replaceChildren(
    h('section', { class: 'card receipt', id: 'deletion-receipt', 'aria-label': 'Deletion receipt', tabindex: '-1' },
      h('h2', {}, `Receipt: ${c.integrationTitle} ended`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'When'), h('dd', {}, when(r.deletedAt)),
        h('dt', {}, 'Records deleted'), h('dd', {}, count(r.recordsDeleted)),
        h('dt', {}, 'Keys destroyed'), h('dd', {}, count(r.keyEpochsDestroyed)),
        h('dt', {}, 'Audit entry'), h('dd', {}, `${r.auditSeq} (`, h('span', { class: 'code' }, r.auditHash.slice(0, 16)), '…)'),
      ),
      h('ul', {}, r.statements.map((line) => h('li', {}, line))),
    ),
  );
  document.getElementById('deletion-receipt').focus();
}

async function usersView() {
  const { data } = await api('GET', '/api/users');
  const result = h('div', { role: 'status' });
  const hours = h('div', {}, field('invite-hours', 'Installer access (hours)', { type: 'number', min: 1, max: 168, value: 8 }));
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Invite someone'),
    field('invite-name', 'Account name', { required: true, maxlength: 12, autocapitalize: 'none' }, 'Lowercase letters and digits, up to 12.'),
    h('label', { for: 'invite-role' }, 'Role'),
    h('select', { id: 'invite-role' }, h('option', { value: 'member' }, 'Member: sees everything, can withdraw consent'), h('option', { value: 'installer' }, 'Installer: configures services for a few hours, no consent')),
    hours,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Create invitation code')),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const role = value('invite-role');
    const r = await attempt(() => api('POST', '/api/users/invite', { name: value('invite-name'), role, ...(role === 'installer' ? { accessHours: Number(value('invite-hours')) } : {}) }));
    if (r) result.replaceChildren(h('p', { class: 'msg msg-ok' }, `Give ${r.data.name} this code (valid until ${when(r.data.expiresAt)}, shown only once): `, h('strong', { class: 'code' }, r.data.code)));
  });
  return page(
    'People',
    'Who can open this page. Everyone logs in with a password and a code from their phone.',
    h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Account', 'Role', 'Works until', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {},
        data.accounts.map((a) => h('tr', {}, h('td', {}, a.name), h('td', {}, a.role), h('td', {}, a.expiresAt ? when(a.expiresAt) : 'no end'),
          h('td', {}, a.name === app.user.name ? '' : h('button', { type: 'button', onclick: () => removeUser(a.name) }, 'Remove')))),
        data.invitations.map((i) => h('tr', {}, h('td', {}, i.name), h('td', {}, `${i.role} (invited)`), h('td', {}, `code valid until ${when(i.expiresAt)}`), h('td', {}))),
      ),
    )),
    limitsNote(data.limits),
    form,
  );
}

/** What the hub's bounded tables dropped (sessions, login failures, enrolments), when anything. */
function limitsNote(limits) {
  if (!limits) return '';
  const parts = [
    [limits.sessionsEvicted, 'older sessions were logged out (too many open at once)'],
    [limits.failuresForgotten + limits.strangerFailuresForgotten, 'failed-login records were forgotten (many names tried: someone may be guessing)'],
    [limits.enrolmentsForgotten, 'unfinished enrolments were forgotten (that person starts again with the code)'],
  ].filter(([n]) => n > 0);
  return parts.length ? h('p', { class: 'msg msg-info' }, `Since the hub started: ${parts.map(([n, what]) => `${n} ${what}`).join('; ')}.`) : '';
}

function accountView() {
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, 'Change your password'),
    field('old-password', 'Current password', { type: 'password', required: true, autocomplete: 'current-password' }),
    field('new-password', 'New password', { type: 'password', required: true, minlength: 10, maxlength: 128, autocomplete: 'new-password' }, 'At least 10 characters.'),
    field('new-password-again', 'New password again', { type: 'password', required: true, autocomplete: 'new-password' }),
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Change password')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (value('new-password') !== value('new-password-again')) return say('The two new passwords differ; type them again.', 'bad');
    const r = await attempt(() => api('POST', '/api/account/password', { oldPassword: value('old-password'), newPassword: value('new-password') }));
    if (!r) return;
    form.reset();
    say(`Password changed. ${r.data.otherSessionsEnded} other session(s) of ${app.user.name} were logged out.`, 'ok');
  });
  return page('Password', `Your own password, ${app.user.name}. Changing it logs out your other sessions, on every device.`, form);
}

async function removeUser(name) {
  if (await attempt(() => api('POST', '/api/users/remove', { name }))) {
    app.notice = `${name} can no longer log in.`;
    render();
  }
}

// ---------- hub settings ----------

/** One settings form: its fields, a save button, and where the hub's answer goes. */
function settingsForm(id, title, hint, fields, save, enabled) {
  const result = h('div', { id: `${id}-result`, role: 'status' });
  const form = h('form', { class: 'card', id }, h('h2', {}, title), hint ? h('p', { class: 'hint' }, hint) : null, [fields].flat(Infinity),
    enabled ? h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, `Save ${title.replace(/^[A-Z](?=[a-z]+(\s|$))/, (c) => c.toLowerCase())}`)) : null, result);
  if (!enabled) for (const input of form.querySelectorAll('input, textarea, select')) input.disabled = true;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.replaceChildren(h('p', { class: 'muted' }, 'Checking…'));
    try {
      const { data } = await save();
      const now = data.applied.length ? `In effect now: ${data.applied.join(', ')}.` : '';
      const later = data.restartNeeded.length ? ` Takes effect when the hub restarts: ${data.restartNeeded.join(', ')}.` : '';
      result.replaceChildren(h('p', { class: 'msg msg-ok' }, data.changed.length ? `Saved. ${now}${later}` : 'Nothing changed.'));
      if (data.settings.timeZone !== undefined) app.timeZone = data.settings.timeZone || undefined;
    } catch (error) {
      result.replaceChildren(h('p', { class: 'msg msg-bad', role: 'alert' }, error.message));
    }
  });
  return form;
}

function brokerFields(prefix, broker) {
  return [
    field(`${prefix}-url`, 'Address', { value: broker ? broker.url : '', placeholder: 'mqtt://192.168.1.10:1883', required: true }),
    field(`${prefix}-username`, 'User name', { value: broker ? broker.username : '', autocomplete: 'off' }),
    field(`${prefix}-password`, 'Password', { type: 'password', autocomplete: 'new-password', placeholder: broker && broker.passwordSet ? 'set (leave empty to keep)' : '' }),
    h('label', { for: `${prefix}-ca` }, 'CA certificate (PEM, for mqtts://)'),
    h('textarea', { id: `${prefix}-ca`, rows: 2, placeholder: broker && broker.caSet ? 'set (leave empty to keep)' : '' }),
  ];
}

function brokerForm(prefix) {
  const password = value(`${prefix}-password`);
  const ca = value(`${prefix}-ca`);
  return { url: value(`${prefix}-url`).trim(), username: value(`${prefix}-username`).trim(), ...(password ? { password } : {}), ...(ca ? { ca } : {}) };
}

async function settingsView() {
  const { data } = await api('GET', '/api/settings');
  const can = app.user.role !== 'member';
  const src = data.sources;
  const check = (id, label, on) => h('label', { class: 'check' }, h('input', { type: 'checkbox', id, checked: on }), ` ${label}`);
  const post = (path, body) => api('POST', path, body);
  const restart = data.restartNeeded.length ? h('p', { class: 'msg msg-warn' }, `Saved, waiting for a restart of the hub: ${data.restartNeeded.join(', ')}.`) : null;
  const forms = [
    settingsForm('home-broker', 'Home broker', 'Where zigbee2mqtt, Tasmota and ESPHome publish. The hub tests a new broker before it saves it.',
      brokerFields('home', data.localBroker), () => post('/api/settings', { localBroker: brokerForm('home') }), can),
    settingsForm('monitor-broker', 'Monitoring broker', 'Where the hub reports its state and Home Assistant finds it.',
      [check('monitor-same', 'Same as the home broker', data.monitorBroker === null), brokerFields('monitor', data.monitorBroker)],
      () => post('/api/settings', { monitorBroker: document.getElementById('monitor-same').checked ? null : brokerForm('monitor') }), can),
    settingsForm('sources-form', 'Sources', 'Which kinds of devices the hub listens to. Takes effect when the hub restarts.', [
      check('src-z2m', 'zigbee2mqtt', src.zigbee2mqtt.on), field('src-z2m-topic', 'Base topic', { value: src.zigbee2mqtt.baseTopic }),
      check('src-tasmota', 'Tasmota', src.tasmota.on), field('src-tasmota-topic', 'FullTopic', { value: src.tasmota.fullTopic }),
      check('src-esphome', 'ESPHome', src.esphome.on), field('src-esphome-nodes', 'Nodes (comma-separated; empty: all)', { value: src.esphome.nodes.join(', ') }),
      check('src-bthome', 'BTHome (Bluetooth)', src.bthome.on),
    ], () => {
      const on = (id, options) => (document.getElementById(id).checked ? options : false);
      const nodes = value('src-esphome-nodes').split(',').map((n) => n.trim()).filter(Boolean);
      return post('/api/settings', { sources: {
        zigbee2mqtt: on('src-z2m', { baseTopic: value('src-z2m-topic').trim() }),
        tasmota: on('src-tasmota', { fullTopic: value('src-tasmota-topic').trim() }),
        esphome: on('src-esphome', nodes.length ? { nodes } : {}),
        bthome: document.getElementById('src-bthome').checked,
      } });
    }, can),
    settingsForm('bindkey-form', 'BTHome bindkey', `Devices with a key: ${src.bthome.keys.join(', ') || 'none'}. An empty key removes the device's key.`, [
      field('bindkey-mac', 'Device MAC', { placeholder: 'a4:c1:38:8d:18:b2', required: true }),
      field('bindkey-key', 'Bindkey (32 hex digits)', { autocomplete: 'off' }),
    ], () => post('/api/settings/bthome-key', { mac: value('bindkey-mac').trim(), key: value('bindkey-key').trim() || null }), can),
    settingsForm('hub-form', 'Hub', 'The hub id names the hub in MQTT topics and Home Assistant (takes effect at restart).', [
      field('hub-id', 'Hub id', { value: data.hubId, required: true, maxlength: 32 }),
      field('hub-tz', 'Time zone for this page', { value: data.timeZone || '', placeholder: 'Europe/Berlin (empty: this browser\'s)' }),
    ], () => post('/api/settings', { hubId: value('hub-id').trim(), timeZone: value('hub-tz').trim() }), can),
    data.wifi.available
      ? settingsForm('wifi-form', 'Wi-Fi', `The hub joins ${data.wifi.ssid || 'no network yet'}.`, [
          field('wifi-ssid', 'Network name', { value: data.wifi.ssid || '', required: true, maxlength: 32 }),
          field('wifi-password', 'Password', { type: 'password', autocomplete: 'new-password' }),
        ], () => post('/api/settings/wifi', { ssid: value('wifi-ssid'), password: value('wifi-password') }), can)
      : null,
  ];
  return page('Settings', can ? 'Each change is checked, saved, and written to the audit log. Passwords are never shown again.' : 'Only the owner or an installer can change these.', restart, h('div', { class: 'grid' }, forms.filter(Boolean)));
}

const VIEWS = {
  overview: overviewView,
  datamap: datamapView,
  consent: consentView,
  contracts: contractsView,
  counters: countersView,
  incidents: incidentsView,
  audit: auditView,
  exit: exitView,
  settings: settingsView,
  users: usersView,
  account: accountView,
};
