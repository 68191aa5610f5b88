// kg serve's query page: YASQE (editor) and YASR (results) from the Oxigraph server's own
// YASGUI bundle, configured for kg. Everything here talks to this host only.
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("kg-config").textContent);
  const $ = (id) => document.getElementById(id);
  const WORDS = {
    zh: {title: "kg SPARQL 查询", readonly: "只读端点 /query", language: "语言 ", canned: "常用查询：",
         pick: "— 选一个常用查询 —", open: "打开", run: "运行", download_csv: "下载 CSV",
         download_xlsx: "下载 Excel", downloading: "正在生成下载文件…", downloaded: "已下载：",
         all: "（空 = 全部）",
         syntax: (l, c, d) => `语法错误：第 ${l} 行第 ${c} 列：${d}`,
         timeout: (d) => `查询超时被终止：${d}`, limit: (d) => `结果超出上限：${d}`,
         update: "此端点只读：不接受更新（INSERT、DELETE、LOAD 等）。",
         param: "参数错误：", failed: (d) => `端点返回错误：${d}`},
    en: {title: "kg SPARQL query", readonly: "read-only endpoint /query", language: "Language ",
         canned: "Canned queries: ", pick: "— pick a canned query —", open: "Open", run: "Run",
         download_csv: "Download CSV", download_xlsx: "Download Excel",
         downloading: "Preparing the download…", downloaded: "Downloaded: ", all: "(empty = all)",
         syntax: (l, c, d) => `Syntax error at line ${l}, column ${c}: ${d}`,
         timeout: (d) => `The query was stopped for taking too long: ${d}`,
         limit: (d) => `The answer is larger than the endpoint allows: ${d}`,
         update: "This endpoint is read-only: updates (INSERT, DELETE, LOAD, ...) are refused.",
         param: "Parameter: ", failed: (d) => `The endpoint answered with an error: ${d}`},
  };
  let lang = localStorage.getItem("kg-lang") === "en" ? "en" : "zh";
  const words = () => WORDS[lang];

  // ---- the editor. kg's prefixes are known to it: completed from kg's vocabulary, never
  // pasted into the text; they are sent before the query on ONE line, so the endpoint's
  // line numbers are the editor's plus one.
  const PREFIX_LINE = Object.entries(config.prefixes).map(([p, ns]) => `PREFIX ${p}: <${ns}>`).join(" ");
  Yasqe.registerAutocompleter({
    name: "kgTerms", bulk: true, autoShow: true, get: config.terms,
    persistenceId: () => undefined,  // the list is in the page; nothing to keep in localStorage
    isValidCompletionPosition: (yasqe) => {
      const token = yasqe.getCompleteToken();
      return /^[A-Za-z][\w-]*(:[\w.-]*)?$/.test(token.string) && !token.state.inPrefixDecl;
    },
  }, false);
  Yasqe.defaults.autocompleters = ["variables", "kgTerms"];  // no prefix.cc, no LOV
  // YASQE's own syntax check knows the prefixes declared in the text: it starts knowing kg's.
  const sparqlMode = Yasqe.modes.sparql11;
  Yasqe.defineMode("sparql11", (options, spec) => {
    const mode = sparqlMode(options, spec), start = mode.startState;
    mode.startState = (...args) => Object.assign(start(...args), {prefixes: {...config.prefixes}});
    return mode;
  });
  const yasqe = new Yasqe($("yasqe"), {
    value: "SELECT ?product ?label WHERE {\n  ?product a kg:Product ; rdfs:label ?label .\n} LIMIT 20\n",
    persistenceId: "kg-query", editorHeight: "300px",
    requestConfig: {
      // An update goes to /update, which the read-only engine refuses in its own words.
      endpoint: (y) => (y.getQueryMode() === "update" ? "/update" : config.endpoint), method: "POST",
      adjustQueryBeforeRequest: (y) => PREFIX_LINE + "\n" + y.getValue(),
    },
  });

  // ---- errors from the endpoint, in words, at their place in the editor.
  let marks = [];
  function clearError() {
    marks.forEach((m) => m.clear());
    marks = [];
    $("kg-message").textContent = "";
    $("kg-message").className = "";
  }
  function explain(text) {
    const message = String(text || "").trim();
    const syntax = message.match(/error at (\d+):(\d+):\s*([\s\S]*)/);
    if (syntax) {
      const line = Math.max(1, Number(syntax[1]) - 1), column = Number(syntax[2]);
      return {text: words().syntax(line, column, syntax[3]), line, column};
    }
    if (/ran longer than|cancelled|timed? ?out/i.test(message)) return {text: words().timeout(message)};
    if (/limit|too (many|large)|truncat/i.test(message)) return {text: words().limit(message)};
    if (/read-only|update|forbidden/i.test(message)) return {text: words().update};
    return {text: words().failed(message)};
  }
  function showError(text) {
    clearError();
    const error = explain(text);
    $("kg-message").textContent = error.text;
    $("kg-message").className = "error";
    if (error.line && error.line <= yasqe.lineCount()) {
      const line = error.line - 1, length = yasqe.getLine(line).length;
      const column = Math.min(Math.max(error.column - 1, 0), Math.max(length - 1, 0));
      const note = document.createElement("div");
      note.className = "kg-error-widget";
      note.textContent = error.text;
      marks.push(yasqe.addLineWidget(line, note));
      const handle = yasqe.addLineClass(line, "background", "kg-error-line");
      marks.push({clear: () => yasqe.removeLineClass(handle, "background", "kg-error-line")});
      marks.push(yasqe.markText({line, ch: column}, {line, ch: column + 1}, {className: "kg-error-at"}));
      yasqe.scrollIntoView({line, ch: column});
    }
    return error;
  }
  yasqe.on("change", clearError);
  yasqe.on("query", clearError);

  // ---- results: prefixed names; a chart for aggregate answers (kg's own plugin: the
  // bundle's YASR has table, response, boolean and error only).
  const NUMERIC = /#(integer|decimal|double|float|int|long|short|nonNegativeInteger)$/;
  // What a chart can show: 2 to 60 rows, a text column to name the bars (the label in the
  // chosen language when the query selects one) and the numeric columns to pick from.
  function chartData(results) {
    const vars = results.getVariables(), rows = results.getBindings();
    if (!rows || rows.length < 2 || rows.length > 60) return null;
    const numeric = vars.filter((v) => rows.every((r) => r[v] && NUMERIC.test(r[v].datatype || "")));
    const texts = vars.filter((v) => !numeric.includes(v));
    if (!numeric.length || !texts.length) return null;
    const label = [`label_${lang}`, "label", ...texts].find((v) => texts.includes(v));
    const names = rows.map((r) => (r[label] ? compactIri(r[label]) : ""));
    const shown = [...numeric].reverse().find((v) => rows.some((r) => Number(r[v].value) !== 0)) || numeric[0];
    return {label, numeric, shown, names, value: (v) => rows.map((r) => Number(r[v].value))};
  }
  function compactIri(cell) {
    if (cell.type !== "uri") return cell.value;
    for (const [p, ns] of Object.entries(config.prefixes)) {
      if (cell.value.startsWith(ns)) return `${p}:${cell.value.slice(ns.length)}`;
    }
    return cell.value;
  }
  function barChart(names, values) {
    const SVG = "http://www.w3.org/2000/svg", rowHeight = 22, left = 220, width = 760;
    const max = Math.max(...values.map(Math.abs), 0) || 1;
    const svg = document.createElementNS(SVG, "svg");
    const make = (name, attrs, text) => {
      const el = document.createElementNS(SVG, name);
      Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, v));
      if (text !== undefined) el.textContent = text;
      return svg.appendChild(el);
    };
    svg.setAttribute("viewBox", `0 0 ${width} ${names.length * rowHeight + 8}`);
    svg.setAttribute("width", width);
    names.forEach((name, i) => {
      const y = i * rowHeight + 4, w = (width - left - 80) * Math.abs(values[i]) / max;
      make("text", {x: left - 6, y: y + 14, "text-anchor": "end"}, name.length > 30 ? name.slice(0, 29) + "…" : name);
      make("rect", {x: left, y: y + 2, width: w, height: rowHeight - 6, fill: "#1f5f8b"});
      make("text", {x: left + w + 4, y: y + 14}, String(values[i]));
    });
    return svg;
  }
  class KgChart {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "图表 Chart"; }
    canHandleResults() { return !!this.yasr.results && !!this.yasr.results.getBindings && chartData(this.yasr.results) !== null; }
    getIcon() { const icon = document.createElement("span"); icon.textContent = "▇"; return icon; }
    draw() {
      const data = chartData(this.yasr.results), box = document.createElement("div");
      const select = document.createElement("select");
      box.className = "kg-chart";
      data.numeric.forEach((v) => select.add(new Option(`${v} / ${data.label}`, v)));
      select.value = data.shown;
      const show = () => box.replaceChildren(select, document.createElement("br"),
                                             barChart(data.names, data.value(select.value)));
      select.onchange = show;
      show();
      this.yasr.resultsEl.appendChild(box);
    }
  }
  Yasr.registerPlugin("kgChart", KgChart);
  const yasr = new Yasr($("yasr"), {
    prefixes: config.prefixes, persistenceId: "kg-results",
    plugins: {table: {dynamicConfig: {compact: true}}},  // "simple view": 原煤, not "原煤"@zh
    pluginOrder: ["table", "kgChart", "response"], defaultPlugin: "table",
    errorRenderers: [(error) => {
      const box = document.createElement("div");
      box.className = "kg-error-result";
      box.textContent = explain(error.text || error.message || error).text;
      return box;
    }],
  });
  yasqe.on("queryResponse", (_, response, duration) => {
    yasr.setResponse(response, duration);
    if (response instanceof Error) showError(response.message);
  });

  // ---- canned queries by title, with a form for their parameters.
  let current = "";
  function fillCanned() {
    const select = $("canned-select"), chosen = select.value;
    select.replaceChildren(new Option(words().pick, ""));
    for (const q of config.queries) select.add(new Option(lang === "en" ? q.title_en : q.title_zh, q.name));
    select.value = chosen;
  }
  function showForm() {
    const query = config.queries.find((q) => q.name === $("canned-select").value);
    const form = $("canned-form");
    form.replaceChildren();
    $("canned-error").textContent = "";
    $("canned-description").textContent = query ? `${lang === "en" ? query.title_zh : query.title_en} — ${query.description}` : "";
    if (!query) return;
    for (const p of query.params) {
      const label = document.createElement("label"), input = document.createElement("input");
      label.textContent = `?${p.name} `;
      input.name = p.name;
      input.value = p.default || "";
      input.placeholder = p.kind + (p.default ? "" : " " + words().all);
      input.title = p.help;
      label.appendChild(input);
      const help = document.createElement("span");
      help.className = "help";
      help.textContent = p.help;
      label.appendChild(help);
      form.appendChild(label);
    }
    for (const [key, run] of [["open", false], ["run", true]]) {
      const button = document.createElement("button");
      button.type = run ? "submit" : "button";
      button.id = `canned-${key}`;
      button.textContent = words()[key];
      button.onclick = (event) => { event.preventDefault(); openCanned(run); };
      form.appendChild(button);
    }
  }
  async function openCanned(run) {
    const name = $("canned-select").value, fields = new URLSearchParams({name});
    for (const input of $("canned-form").querySelectorAll("input")) fields.set(input.name, input.value);
    const response = await fetch("/canned?" + fields.toString());
    const answer = await response.json();
    if (!response.ok) { $("canned-error").textContent = words().param + answer.error; return; }
    $("canned-error").textContent = "";
    yasqe.setValue(answer.text);
    current = name;
    if (run) yasqe.query().catch(() => {});
  }
  $("canned-select").onchange = showForm;

  // ---- downloads, written by kg on the server (the same writers as `kg query -o`).
  async function download(format) {
    clearError();
    $("kg-message").textContent = words().downloading;
    const body = new URLSearchParams({format, query: yasqe.getValue(), name: current || "query"});
    const response = await fetch("/download", {method: "POST", body});
    if (!response.ok) { showError(await response.text()); return; }
    const disposition = response.headers.get("Content-Disposition") || "";
    const filename = (disposition.match(/filename="([^"]+)"/) || [])[1] || `kg-query.${format}`;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    $("kg-message").textContent = words().downloaded + filename;
  }
  $("download-csv").onclick = () => download("csv");
  $("download-xlsx").onclick = () => download("xlsx");
  yasqe.on("change", () => { current = ""; });

  // ---- language.
  function applyLanguage() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-text]")) el.textContent = words()[el.dataset.text];
    $("lang").value = lang;
    fillCanned();
    showForm();
  }
  $("lang").onchange = () => { lang = $("lang").value; localStorage.setItem("kg-lang", lang); applyLanguage(); };
  applyLanguage();
  window.kgQueryPage = {yasqe, yasr};
})();
