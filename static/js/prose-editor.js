// The admin's rich-text editor: django-prose-editor's "configurable" preset, made
// without the <style> element Tiptap would inject into the page.
//
// The Content-Security-Policy allows no inline style, so the editor is created with
// Tiptap's `injectCSS: false` and Tiptap's few rules are in css/admin.css instead.
// Everything else is what django-prose-editor's createTextareaEditor does: the
// textarea is wrapped, kept up to date, and put back when the editor is destroyed.
import * as proseEditor from "django-prose-editor/editor";

const ATTRIBUTE = "data-django-prose-editor-newsroom";

// The toolbar's words. django-prose-editor names its buttons in English and passes
// them through no catalogue; these go through the admin's JavaScript catalogue
// (locale/*/LC_MESSAGES/djangojs.po), keyed by the name of each menu item.
const gettext = window.gettext || ((text) => text);
const interpolate = window.interpolate || ((text, values) => text.replace("%s", values[0]));
const LABELS = {
  paragraph: gettext("Paragraph"),
  bulletList: gettext("Bulleted list"),
  orderedList: gettext("Numbered list"),
  blockquote: gettext("Block quote"),
  bold: gettext("Bold"),
  italic: gettext("Italic"),
  link: gettext("Insert link"),
  unlink: gettext("Remove link"),
  "history:undo": gettext("Undo"),
  "history:redo": gettext("Redo"),
};
// The same words for a button known only by its icon (the block menu shows a copy of
// the current block's button, which has no name).
const ICONS = {
  notes: LABELS.paragraph,
  format_list_bulleted: LABELS.bulletList,
  format_list_numbered: LABELS.orderedList,
  format_quote: LABELS.blockquote,
  format_bold: LABELS.bold,
  format_italic: LABELS.italic,
  insert_link: LABELS.link,
  link_off: LABELS.unlink,
  undo: LABELS["history:undo"],
  redo: LABELS["history:redo"],
  question_mark: gettext("Text style"),
};

function label(name, button) {
  const heading = /^heading(\d)$/.exec(name || "") || (button.dataset.level && [0, button.dataset.level]);
  if (heading) return interpolate(gettext("Heading %s"), [heading[1]]);
  return LABELS[name] || ICONS[button.textContent.trim()] || "";
}

function translateMenu(wrapper) {
  for (const button of wrapper.querySelectorAll(".prose-menubar__button")) {
    const text = label(button.dataset.name, button);
    if (text) {
      button.title = text;
      button.setAttribute("aria-label", text);
    } else if (!button.title || button.title === "null") {
      button.removeAttribute("title"); // never a tooltip reading "null"
    }
  }
  for (const option of wrapper.querySelectorAll(".prose-menubar__option")) {
    const text = label(option.dataset.name, option);
    if (text && option.firstElementChild) option.firstElementChild.textContent = text;
  }
  for (const selected of wrapper.querySelectorAll(".prose-menubar__selected")) {
    selected.title = gettext("Text style");
  }
}
const extensions = { ...proseEditor };
const loaded = new Map();

function loadModules(urls) {
  return Promise.all(
    (urls || []).map((url) => {
      if (!loaded.has(url)) {
        loaded.set(
          url,
          import(url).then((module) => Object.assign(extensions, module)),
        );
      }
      return loaded.get(url);
    }),
  );
}

async function createEditor(textarea, config = null) {
  if (textarea.closest(".prose-editor")) return null;
  config = config || JSON.parse(textarea.getAttribute(ATTRIBUTE) || "{}");
  await loadModules(config.js_modules);
  const enabled = [];
  for (const [name, options] of Object.entries(config.extensions || {})) {
    const extension = extensions[name];
    if (extension) {
      enabled.push(
        typeof options === "object" ? extension.configure(options) : extension,
      );
    }
  }
  const disabled = textarea.hasAttribute("disabled");
  const wrapper = proseEditor.crel("div", {
    className: `prose-editor ${disabled ? "disabled" : ""}`,
  });
  textarea.before(wrapper);
  wrapper.append(textarea);
  const editor = new proseEditor.Editor({
    element: wrapper,
    editable: !disabled,
    extensions: enabled,
    content: textarea.value,
    injectCSS: false,
    onTransaction() {
      // The block menu copies the current block's button after each change (in a
      // listener that may run after this one).
      queueMicrotask(() => translateMenu(wrapper));
    },
    onUpdate({ editor }) {
      const html = editor.getHTML();
      // An editor holding nothing but an empty paragraph holds nothing.
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onDestroy() {
      wrapper.before(textarea);
      wrapper.remove();
    },
  });
  translateMenu(wrapper);
  textarea.dispatchEvent(
    new CustomEvent("prose-editor:ready", {
      detail: { editor, textarea },
      bubbles: true,
    }),
  );
  return editor;
}

proseEditor.initializeEditors(
  (textarea) =>
    createEditor(textarea).catch((error) =>
      console.error("Error initializing prose editor:", error),
    ),
  `[${ATTRIBUTE}]`,
);
