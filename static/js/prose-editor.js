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

// --- Pictures and posts from other sites inside an article's text -------------------
//
// A picture is uploaded to the admin's endpoint (articles/admin/body_images.py), which
// checks the file and who may change the article, and kept in the body as a marker,
// <figure data-body-image="<id>">; the article's save replaces the marker with the
// full figure (articles/media/body.py), which this node reads back when the editor
// opens. A post from another site is kept as its address alone on a line.
const ARTICLE_BODY = /^body_[a-z]{2}$/;
const ADMIN_ARTICLE = /^(.*\/)articles\/article\/(?:(\d+)\/change\/)?/;

function text(attribute) {
  return {
    default: "",
    parseHTML: attribute,
    renderHTML: () => ({}),
  };
}

const BodyImage = proseEditor.Node.create({
  name: "bodyImage",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,
  addAttributes() {
    return {
      id: text((figure) => figure.getAttribute("data-body-image")),
      src: text((figure) => figure.querySelector("img")?.getAttribute("src") || ""),
      alt: text((figure) => figure.querySelector("img")?.getAttribute("alt") || ""),
      caption: text((figure) => figure.querySelector("figcaption")?.textContent || ""),
    };
  },
  parseHTML() {
    return [{ tag: "figure[data-body-image]", priority: 100 }];
  },
  renderHTML({ node }) {
    const { id, src, alt, caption } = node.attrs;
    const figure = ["figure", { "data-body-image": id }, ["img", { src, alt }]];
    if (caption) figure.push(["figcaption", {}, caption]);
    return figure;
  },
  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "bodyImage",
      groups: "nodes",
      command: insertPicture,
      button: buttons.material("image", gettext("Insert picture")),
      enabled: (editor) => editor.isEditable,
    });
  },
});

// A card made from a post's address: the editor shows (and saves) the address again.
const BodyEmbed = proseEditor.Node.create({
  name: "bodyEmbed",
  group: "block",
  atom: true,
  addAttributes() {
    return {
      url: text((figure) => figure.querySelector("a")?.getAttribute("href") || ""),
    };
  },
  parseHTML() {
    return [{ tag: "figure[data-embed]", priority: 100 }];
  },
  renderHTML({ node }) {
    return ["p", {}, node.attrs.url];
  },
});

function field(label, input) {
  const id = `body-image-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return proseEditor.crel("div", { className: "prose-editor-dialog-field" }, [
    proseEditor.crel("label", { htmlFor: id, textContent: label }),
    input,
  ]);
}

function insertPicture(editor) {
  const where = window.location.pathname.match(ADMIN_ARTICLE);
  if (!where) return;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  const input = (attrs) => proseEditor.crel("input", attrs);
  const file = input({ type: "file", name: "image", required: true });
  file.accept = "image/jpeg,image/png,image/webp";
  const alt = input({ type: "text", name: "alt", required: true, size: 50 });
  const caption = input({ type: "text", name: "caption", size: 50 });
  const credit = input({ type: "text", name: "credit", size: 50 });
  // Given its class (the admin's, which shows it whatever "hidden" says) only when shown.
  const error = proseEditor.crel("p", { hidden: true });
  error.setAttribute("role", "alert");
  const submit = proseEditor.crel("button", { type: "submit", textContent: gettext("Insert") });
  const cancel = proseEditor.crel("button", { type: "button", textContent: gettext("Cancel") });
  const form = proseEditor.crel("form", { method: "dialog" }, [
    proseEditor.crel("h3", {
      className: "prose-editor-dialog-title",
      textContent: gettext("Insert picture"),
    }),
    field(gettext("Picture"), file),
    field(gettext("Alternative text: what the picture shows (required)"), alt),
    field(gettext("Caption"), caption),
    field(gettext("Credit"), credit),
    error,
    proseEditor.crel("div", { className: "prose-editor-dialog-buttons" }, [submit, cancel]),
  ]);
  const dialog = proseEditor.crel("dialog", { className: "prose-editor-dialog" }, [form]);
  editor.view.dom.parentElement.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    data.append("article", where[2] || "");
    submit.disabled = true;
    error.hidden = true;
    error.className = "";
    try {
      const response = await fetch(`${where[1]}articles/article/body-images/`, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status !== 201) {
        const messages = answer.errors ? Object.values(answer.errors).flat() : [answer.error];
        throw new Error(messages.filter(Boolean).join(" "));
      }
      const credited = credit.value.trim();
      editor
        .chain()
        .focus()
        .insertContent({
          type: "bodyImage",
          attrs: {
            id: String(answer.id),
            src: answer.src,
            alt: answer.alt,
            caption: [answer.caption, credited].filter(Boolean).join(" "),
          },
        })
        .run();
      dialog.close();
    } catch (failure) {
      const reason = failure instanceof TypeError ? "" : failure.message;
      error.textContent = reason || gettext("The picture could not be uploaded.");
      error.className = "errornote";
      error.hidden = false;
      submit.disabled = false;
    }
  });
  dialog.showModal();
}
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
  if (ARTICLE_BODY.test(textarea.name) && ADMIN_ARTICLE.test(window.location.pathname)) {
    enabled.push(BodyImage, BodyEmbed);
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
