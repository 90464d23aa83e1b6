// What the admin page's views share: the admin key the owner pastes (or, under `npm run dev` on
// loopback, the development key the Worker names in a meta tag), kept in this tab only, and the
// views themselves (Usage, Keys), one shown at a time and chosen by the address's #fragment.
// A view registers a loader; it runs when the view is shown or the key is submitted.

const KEY_ITEM = 'dashboard.key';
const VIEWS = ['usage', 'keys'];
const input = /** @type {HTMLInputElement} */ (document.getElementById('key'));
/** @type {Map<string, (key: string) => void>} */
const loaders = new Map();

function remembered() {
  try {
    return sessionStorage.getItem(KEY_ITEM) || '';
  } catch {
    return '';
  }
}

/** The admin key as typed, remembered for this tab; '' when there is none. */
export function adminKey() {
  const key = input.value.trim();
  if (key) {
    try {
      sessionStorage.setItem(KEY_ITEM, key);
    } catch {}
  }
  return key;
}

const current = () => {
  const name = location.hash.slice(1);
  return VIEWS.includes(name) ? name : 'usage';
};

function load(/** @type {string} */ name) {
  loaders.get(name)?.(adminKey());
}

function show() {
  const name = current();
  document.body.dataset.view = name;
  for (const view of document.querySelectorAll('[data-view]')) {
    /** @type {HTMLElement} */ (view).hidden = /** @type {HTMLElement} */ (view).dataset.view !== name;
  }
  for (const tab of document.querySelectorAll('nav.tabs a')) {
    if (tab.getAttribute('href') === `#${name}`) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  return name;
}

/**
 * Registers a view's loader; it runs at once when that view is showing.
 * @param {string} name one of VIEWS @param {(key: string) => void} loader gets the admin key ('' if none)
 */
export function onView(name, loader) {
  loaders.set(name, loader);
  if (current() === name) loader(adminKey());
}

const devKey = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="dev-admin-key"]'));
input.value = remembered() || devKey?.content || '';
show();
document.getElementById('controls')?.addEventListener('submit', (event) => {
  event.preventDefault();
  load(current());
});
addEventListener('hashchange', () => load(show()));
