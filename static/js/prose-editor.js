// The admin's rich-text editor: django-prose-editor's "configurable" preset, made
// without the <style> element Tiptap would inject into the page.
//
// The Content-Security-Policy allows no inline style, so the editor is created with
// Tiptap's `injectCSS: false` and Tiptap's few rules are in css/admin.css instead.
// Everything else is what django-prose-editor's createTextareaEditor does: the
// textarea is wrapped, kept up to date, and put back when the editor is destroyed.
import * as proseEditor from "django-prose-editor/editor";

const ATTRIBUTE = "data-django-prose-editor-newsroom";
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
