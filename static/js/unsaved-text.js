// Unsaved text survives a dropped connection, a crash or a closed tab.
//
// While a staff form is open, what is typed in it (its text inputs, text areas and
// rich-text editors) is kept in this browser's localStorage, and nowhere else: nothing
// here sends anything. When the same person opens the same form again (the same
// article, or "new article"), the text is offered back: Restore or Discard.
//
// The key is the person's id and the object's (articles/admin/stale.py renders it on
// the form). A successful save leaves a cookie naming the form it saved, and the page
// it leads to forgets that form's text (and the cookie); signing out forgets every text
// of that person.
//
// The text is kept with the version of the object it was typed on (the form's hidden
// "opened_version" or "opened_state"): restored after someone else saved, it is refused
// by the server's stale-save check, which shows both versions, and never overwrites
// their save unseen.
const PREFIX = "newsroom:unsaved:";
const TEXT_TYPES = new Set(["text", "email", "url", "search", "tel", "number"]);
const SAVE_DELAY = 300;

function storage() {
  try {
    return window.localStorage;
  } catch (error) {
    return null; // storage refused (a private window, a policy): nothing is kept
  }
}

function read(key) {
  try {
    const draft = JSON.parse(storage()?.getItem(key) || "null");
    return draft && typeof draft.fields === "object" ? draft : null;
  } catch (error) {
    return null;
  }
}

function write(key, draft) {
  try {
    storage()?.setItem(key, JSON.stringify(draft));
  } catch (error) {
    // Full or refused: the form still works, only without this safety net.
  }
}

function forget(key) {
  try {
    storage()?.removeItem(key);
  } catch (error) {
    // Nothing to do.
  }
}

function forgetPerson(user) {
  const store = storage();
  if (!store) return;
  const mine = `${PREFIX}${user}:`;
  const keys = [];
  for (let index = 0; index < store.length; index += 1) {
    const key = store.key(index);
    if (key && key.startsWith(mine)) keys.push(key);
  }
  keys.forEach(forget);
}

// --- what every admin page does: forget what was just saved, and all at sign-out ------

const SAVED_COOKIE = "newsroom_saved_form"; // set by the response of a successful save

function savedForm() {
  for (const pair of document.cookie.split(";")) {
    const [name, ...value] = pair.trim().split("=");
    if (name === SAVED_COOKIE) return decodeURIComponent(value.join("="));
  }
  return "";
}

// Once the person signs out, nothing more is kept from this page.
let signingOut = false;

const state = document.getElementById("unsaved-text-state");
if (state) {
  const saved = savedForm();
  if (saved) {
    forget(PREFIX + saved.replace(/^"|"$/g, ""));
    const secure = window.location.protocol === "https:" ? "; secure" : "";
    document.cookie = `${SAVED_COOKIE}=; max-age=0; path=/; samesite=lax${secure}`;
  }
  const logout = state.dataset.logout;
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !logout) return;
      if (new URL(form.action, window.location.href).pathname === logout) {
        signingOut = true;
        forgetPerson(state.dataset.user);
      }
    },
    true,
  );
}

// --- a form whose text is kept -----------------------------------------------------------

function isMarker(name) {
  return (
    name === "opened_version" ||
    name === "opened_state" ||
    name.endsWith("-opened_state")
  );
}

function isKept(element) {
  if (!element || !element.name || element.name.includes("__prefix__")) {
    return false;
  }
  if (element.disabled || element.readOnly) return false;
  if (element instanceof HTMLTextAreaElement) return true;
  if (!(element instanceof HTMLInputElement)) return false;
  if (element.type === "hidden") return isMarker(element.name);
  return TEXT_TYPES.has(element.type);
}

const editors = new WeakMap(); // text area -> its rich-text editor
document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail || {};
  if (editor && textarea) editors.set(textarea, editor);
});

function setValue(element, value) {
  element.value = value;
  const editor = editors.get(element);
  if (editor && !editor.isDestroyed) {
    editor.commands.setContent(value || "");
    element.value = value; // as written, whatever the editor made of it
  }
}

function timeText(at) {
  const when = new Date(at);
  try {
    return when.toLocaleString(document.documentElement.lang || undefined, {
      day: "numeric",
      month: "long",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      numberingSystem: "latn",
    });
  } catch (error) {
    return when.toISOString();
  }
}

function keepForm(banner) {
  const form = banner.closest("form");
  if (!form) return;
  const key = PREFIX + banner.dataset.unsavedKey;

  function values() {
    const found = {};
    for (const element of form.elements) {
      if (isKept(element)) found[element.name] = element.value;
    }
    return found;
  }

  function rows() {
    const found = {};
    for (const element of form.elements) {
      if (element.name && element.name.endsWith("-TOTAL_FORMS")) {
        found[element.name.slice(0, -"-TOTAL_FORMS".length)] = Number(element.value);
      }
    }
    return found;
  }

  function differs(draft, now) {
    return Object.entries(draft.fields).some(
      ([name, value]) => !isMarker(name) && value !== (now[name] ?? ""),
    );
  }

  // The text as the page brought it: what was typed is what differs from it.
  const initial = values();
  const stored = read(key);
  // Text kept earlier and not on the page now, waiting for Restore or Discard: what
  // is typed meanwhile is kept with it, never instead of it.
  let offered = stored && differs(stored, initial) ? stored : null;
  // Text kept earlier that the page already shows (after a refused save): kept on.
  let carried = stored ? stored.fields : {};

  function save() {
    if (signingOut) return;
    const now = values();
    const fields = {};
    let typed = false;
    for (const [name, value] of Object.entries(carried)) {
      if (!isMarker(name)) fields[name] = value;
    }
    for (const [name, value] of Object.entries(now)) {
      if (!isMarker(name) && value !== (initial[name] ?? "")) {
        fields[name] = value;
        typed = true;
      }
    }
    if (!typed && !Object.keys(fields).length) {
      forget(key);
      return;
    }
    // The version the text was typed on: the offered text's until it is settled.
    const markers = offered ? offered.fields : now;
    for (const [name, value] of Object.entries(markers)) {
      if (isMarker(name)) fields[name] = value;
    }
    const counts = rows();
    for (const [prefix, count] of Object.entries(offered?.rows || {})) {
      counts[prefix] = Math.max(count, counts[prefix] || 0);
    }
    write(key, { at: offered ? offered.at : Date.now(), fields, rows: counts });
  }

  let timer = null;
  function saveSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      timer = null;
      save();
    }, SAVE_DELAY);
  }
  function saveNow() {
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
      save();
    }
  }
  form.addEventListener("input", (event) => isKept(event.target) && saveSoon());
  form.addEventListener("change", (event) => isKept(event.target) && saveSoon());
  // A submit that never arrives (the connection drops) leaves the text kept.
  form.addEventListener("submit", saveNow);
  window.addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveNow();
  });

  if (!offered) return;

  function addRows(counts) {
    for (const [prefix, count] of Object.entries(counts || {})) {
      const total = form.elements.namedItem(`${prefix}-TOTAL_FORMS`);
      const group = document.getElementById(`${prefix}-group`);
      const add = group?.querySelector(".add-row a");
      while (total && add && Number(total.value) < count) {
        const before = total.value;
        add.click(); // Django's inlines.js adds the row
        if (total.value === before) break;
      }
    }
  }

  function settle() {
    offered = null;
    banner.hidden = true;
  }

  const time = banner.querySelector("[data-unsaved-time]");
  if (time) time.textContent = timeText(offered.at);
  banner.querySelector("[data-unsaved-restore]")?.addEventListener("click", () => {
    const draft = offered;
    addRows(draft.rows);
    for (const [name, value] of Object.entries(draft.fields)) {
      const element = form.elements.namedItem(name);
      if (isKept(element)) setValue(element, value);
    }
    carried = draft.fields;
    settle();
    save();
  });
  banner.querySelector("[data-unsaved-discard]")?.addEventListener("click", () => {
    carried = {};
    settle();
    forget(key);
    save();
  });
  banner.hidden = false;
}

document.querySelectorAll("[data-unsaved-key]").forEach(keepForm);
