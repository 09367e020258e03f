// glassnet playground: the page. Plain JavaScript, no libraries. The server trains; this
// file draws what it sends (one Server-Sent Events stream) and posts the learner's choices.
"use strict";

const STRINGS = {
  en: {
    playground: "playground", tagline: "A real glassnet network learns while you watch.",
    reset: "Reset the network", play: "Run / pause", pause: "Pause", step: "Train one epoch",
    epoch: "Epoch", learning_rate: "Learning rate", activation: "Activation",
    optimizer: "Optimizer", regularization: "Regularization", none: "None",
    regularization_rate: "Regularization rate", data: "Data",
    which_dataset: "Which data set do you want to use?", circle: "Circle", xor: "XOR",
    gauss: "Two Gaussians", spiral: "Spiral", train_percent: "Ratio of training to test data",
    noise: "Noise", batch_size: "Batch size", regenerate: "Regenerate",
    features: "Features", hidden_layers: "hidden layers", neurons: "neurons",
    network_hint: "Each square is a neuron's output over the plane; lines are weights: " +
      "blue positive, orange negative, thicker is larger.",
    output: "Output", test_loss: "Test loss", training_loss: "Training loss",
    show_test: "Show test data", program: "The Keras program for these settings",
    copy: "Copy", copied: "Copied", download: "Download the trained model (.glassnet)",
    layer: "layer", disconnected: "Lost the connection to glassnet playground; is it running?",
    network: "Network", mlp: "Dense (the tutorial's)", cnn: "Convolutional",
    nav_2d: "2-D data", mnist_tagline: "The tutorial's network learns handwritten digits.",
    train: "Train / stop", hidden_units: "Hidden neurons", epochs: "Epochs",
    limit: "Training images", progress: "Progress", confusion: "Confusion matrix (test images)",
    first_layer: "First layer's weights",
    first_layer_hint: "Each square is one hidden neuron's 784 weights as a 28×28 image: " +
      "blue positive, orange negative.",
    draw: "Draw a digit", clear: "Clear", seen: "What the model sees (28×28)",
    saliency: "Saliency", adversarial: "FGSM adversarial", untrained: "not trained yet",
    confusion_axes: "rows: the true digit; columns: the model's answer",
    accuracy: "accuracy", loss: "loss",
    training_accuracy: "training accuracy", test_accuracy: "test accuracy",
    adv_result: "With every pixel moved by ±{eps}, the model says {digit} ({p}).",
  },
  zh: {
    playground: "游乐场", tagline: "一个真正的 glassnet 神经网络，在你眼前学习。",
    reset: "重置网络", play: "运行 / 暂停", pause: "暂停", step: "训练一轮",
    epoch: "训练轮数", learning_rate: "学习率", activation: "激活函数",
    optimizer: "优化器", regularization: "正则化", none: "无",
    regularization_rate: "正则化率", data: "数据",
    which_dataset: "选择哪个数据集？", circle: "圆形", xor: "异或",
    gauss: "两个高斯分布", spiral: "螺旋", train_percent: "训练数据占比",
    noise: "噪声", batch_size: "批量大小", regenerate: "重新生成",
    features: "特征", hidden_layers: "个隐藏层", neurons: "个神经元",
    network_hint: "每个小方块是一个神经元在平面上的输出；连线是权重：蓝色为正，橙色为负，越粗越大。",
    output: "输出", test_loss: "测试损失", training_loss: "训练损失",
    show_test: "显示测试数据", program: "这些设置对应的 Keras 程序",
    copy: "复制", copied: "已复制", download: "下载训练好的模型（.glassnet）",
    layer: "层", disconnected: "与 glassnet playground 的连接已断开；它还在运行吗？",
    network: "网络", mlp: "全连接（教程里的）", cnn: "卷积网络",
    nav_2d: "二维数据", mnist_tagline: "教程里的网络学习识别手写数字。",
    train: "训练 / 停止", hidden_units: "隐藏神经元数", epochs: "训练轮数",
    limit: "训练图片数", progress: "进度", confusion: "混淆矩阵（测试图片）",
    first_layer: "第一层的权重",
    first_layer_hint: "每个小方块是一个隐藏神经元的 784 个权重，排成 28×28 的图：蓝色为正，橙色为负。",
    draw: "写一个数字", clear: "清除", seen: "模型看到的图（28×28）",
    saliency: "显著图", adversarial: "FGSM 对抗样本", untrained: "还没有训练",
    confusion_axes: "行：真实的数字；列：模型的回答", accuracy: "准确率", loss: "损失",
    training_accuracy: "训练准确率", test_accuracy: "测试准确率",
    adv_result: "每个像素只改动 ±{eps}，模型就说是 {digit}（{p}）。",
  },
};

const BLUE = [8, 119, 189], ORANGE = [245, 147, 34], WHITE = [232, 234, 235];
const ALL_FEATURES = [["x1", "x₁"], ["x2", "x₂"], ["x1^2", "x₁²"], ["x2^2", "x₂²"],
  ["x1x2", "x₁x₂"], ["sin_x1", "sin x₁"], ["sin_x2", "sin x₂"]];
const FEATURE_FN = {
  "x1": (a, b) => a, "x2": (a, b) => b, "x1^2": (a, b) => a * a, "x2^2": (a, b) => b * b,
  "x1x2": (a, b) => a * b, "sin_x1": (a, b) => Math.sin(a), "sin_x2": (a, b) => Math.sin(b),
};

const state = { lang: "en", settings: null, start: null, update: null, history: [],
  playing: false, updates: 0, canvasVersion: 0, clearedVersion: 0,
  asked: 0, shown: 0 };
const $ = (id) => document.getElementById(id);

// -- language ---------------------------------------------------------------------------
function t(key) { return (STRINGS[state.lang] || STRINGS.en)[key] || STRINGS.en[key] || key; }

function setLanguage(lang) {
  state.lang = STRINGS[lang] ? lang : "en";
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const b of document.querySelectorAll(".lang button"))
    b.classList.toggle("active", b.dataset.lang === state.lang);
  try { localStorage.setItem("glassnet-lang", state.lang); } catch (e) { /* private mode */ }
  if (state.settings && $("units")) renderUnits();
  if (state.mnistUpdate) onMnistUpdate(state.mnistUpdate);
  if (state.prediction) showPrediction(state.prediction);
}

function initialLanguage(serverDefault) {
  let saved = null;
  try { saved = localStorage.getItem("glassnet-lang"); } catch (e) { /* private mode */ }
  if (saved) return saved;
  if (serverDefault) return serverDefault;  // GLASSNET_LANG
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

// -- talking to the server ----------------------------------------------------------------
async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) });
  const reply = await r.json();
  if (!r.ok) showError(reply.error || r.statusText);
  return reply;
}

function sendSettings(changes) {
  const s = Object.assign({}, state.settings, changes);
  state.settings = s;
  return post("/api/settings", s);
}

function control(action) { return post("/api/control", { action }); }

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("start", (e) => onStart(JSON.parse(e.data)));
  events.addEventListener("update", (e) => onUpdate(JSON.parse(e.data)));
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) showError(t("disconnected")); };
  window.glassnetEvents = events;
}

function showError(message) {
  const el = $("error");
  el.hidden = !message;
  el.textContent = message || "";
}

// -- colours and heat maps ----------------------------------------------------------------
function colour(v) {  // v in [-1, 1]: orange .. white .. blue
  const [end, f] = v < 0 ? [ORANGE, -v] : [BLUE, v];
  return WHITE.map((w, i) => Math.round(w + (end[i] - w) * Math.min(f, 1)));
}

function bytes(b64) {
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const PALETTE = Array.from({ length: 256 }, (_, level) => colour(level / 127.5 - 1));
const scratchCanvases = new Map();

function scratch(name) {  // a canvas kept for reuse: making one per image and update is slow
  if (!scratchCanvases.has(name)) scratchCanvases.set(name, document.createElement("canvas"));
  return scratchCanvases.get(name);
}

// levels: n*n bytes, row by row from the top: 0 is -1 (orange), 255 is +1 (blue), as the
// server sends its maps. Drawn into `canvas` (a new one unless given).
function heatImage(levels, n, canvas = document.createElement("canvas")) {
  if (canvas.width !== n || canvas.height !== n) canvas.width = canvas.height = n;
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n), d = img.data;
  for (let i = 0; i < n * n; i++) {
    const c = PALETTE[levels[i]];
    d[4 * i] = c[0];
    d[4 * i + 1] = c[1];
    d[4 * i + 2] = c[2];
    d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

function boundaryImage() {  // the output's heat map, made once per update
  if (state.boundaryOf !== state.update) {
    state.boundaryOf = state.update;
    heatImage(bytes(state.update.boundary), state.start.grid, scratch("boundary"));
  }
  return scratch("boundary");
}

function featureMaps(n) {  // each input feature over [-6, 6]², scaled to [-1, 1] as levels
  const maps = {};
  for (const [name] of ALL_FEATURES) {
    const v = [];
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      const x1 = -6 + 12 * (c + 0.5) / n, x2 = 6 - 12 * (r + 0.5) / n;
      v.push(FEATURE_FN[name](x1, x2));
    }
    const m = Math.max(...v.map(Math.abs)) || 1;
    maps[name] = heatImage(v.map((x) => Math.round((x / m + 1) * 127.5)), n);
  }
  return maps;
}

// -- drawing ------------------------------------------------------------------------------
function drawBoundary() {
  const u = state.update, s = state.start;
  if (!u || !s) return;
  const canvas = $("boundary"), ctx = canvas.getContext("2d"), W = canvas.width;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(boundaryImage(), 0, 0, W, W);
  const toPx = (v) => (v + 6) / 12 * W;
  const dots = (points, stroke) => {
    for (const [x1, x2, label] of points) {
      const c = label > 0.5 ? BLUE : ORANGE;
      ctx.beginPath();
      ctx.arc(toPx(x1), W - toPx(x2), 4, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${c})`;
      ctx.fill();
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  };
  dots(s.train, "#fff");
  if ($("show-test").checked) dots(s.test, "#000");
}

function drawLossChart() {
  const canvas = $("loss-chart"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, h = state.history;
  ctx.clearRect(0, 0, W, H);
  if (!h.length) return;
  const finite = h.flatMap((r) => [r[1], r[2]]).filter(Number.isFinite);
  const top = Math.max(...finite, 1e-6);
  const line = (k, style) => {
    ctx.beginPath();
    const step = Math.max(1, Math.floor(h.length / W));
    for (let i = 0; i < h.length; i += step) {
      const x = h.length === 1 ? W : (i / (h.length - 1)) * W;
      const y = H - (Math.min(h[i][k] ?? top, top) / top) * (H - 4) - 2;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    const last = h[h.length - 1];
    ctx.lineTo(W, H - (Math.min(last[k] ?? top, top) / top) * (H - 4) - 2);
    ctx.strokeStyle = style;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  };
  line(1, "#999");  // training
  line(2, "#222");  // test
}

function drawNetwork() {
  const u = state.update, s = state.start;
  if (!u || !s) return;
  const canvas = $("network"), ctx = canvas.getContext("2d"), size = 30;
  const tallest = Math.max(s.features.length, ...u.neurons.map((layer) => layer.length));
  const height = Math.max(160, tallest * (size + 12) + 30);
  if (canvas.height !== height) canvas.height = height;
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const inputs = s.features.map(([name]) => () => state.featureMaps[name]);
  const hidden = u.neurons.map((layer) => layer.map((b64) => () =>
    heatImage(bytes(b64), s.neuron_grid, scratch("neuron"))));  // drawn before the next
  const columns = [inputs, ...hidden, [boundaryImage]];
  const pos = columns.map((col, i) => col.map((_, j) => [
    20 + i * (W - 40 - size) / Math.max(columns.length - 1, 1),
    H / 2 + (j - (col.length - 1) / 2) * (size + 12) - size / 2]));
  const maxW = Math.max(1e-6, ...u.weights.flat(2).map(Math.abs));
  u.weights.forEach((Wmat, i) => {  // Wmat[a][b]: from neuron a of column i to b of i+1
    Wmat.forEach((row, a) => row.forEach((w, b) => {
      const [x0, y0] = pos[i][a], [x1, y1] = pos[i + 1][b];
      ctx.beginPath();
      ctx.moveTo(x0 + size, y0 + size / 2);
      ctx.bezierCurveTo((x0 + size + x1) / 2, y0 + size / 2, (x0 + size + x1) / 2, y1 + size / 2,
        x1, y1 + size / 2);
      ctx.strokeStyle = `rgba(${w < 0 ? ORANGE : BLUE},0.8)`;
      ctx.lineWidth = 0.3 + 5 * Math.abs(w) / maxW;
      ctx.stroke();
    }));
  });
  columns.forEach((col, i) => col.forEach((image, j) => {
    const [x, y] = pos[i][j];
    ctx.drawImage(image(), x, y, size, size);
    ctx.strokeStyle = "#888";
    ctx.lineWidth = 1;
    ctx.strokeRect(x, y, size, size);
  }));
  ctx.fillStyle = "#555";
  ctx.font = "11px sans-serif";
  s.features.forEach(([, label], j) => ctx.fillText(label, 0, pos[0][j][1] + size + 10));
}

function renderControls() {
  const s = state.settings;
  for (const id of ["learning_rate", "activation", "optimizer", "regularization",
    "regularization_rate"]) {
    const el = $(id);
    const value = String(s[id]);
    if (![...el.options].some((o) => o.value === value)) el.add(new Option(value, value));
    el.value = value;
  }
  for (const id of ["train_percent", "noise", "batch_size"]) {
    $(id).value = s[id];
    $(id + "_value").textContent = s[id];
  }
  for (const b of document.querySelectorAll("[data-dataset]"))
    b.classList.toggle("active", b.dataset.dataset === s.dataset);
  const box = $("features");
  box.textContent = "";
  for (const [name, label] of ALL_FEATURES) {
    const l = document.createElement("label"), c = document.createElement("input");
    c.type = "checkbox";
    c.dataset.feature = name;
    c.checked = s.features.includes(name);
    c.addEventListener("change", () => {
      const chosen = [...box.querySelectorAll("input:checked")].map((i) => i.dataset.feature);
      if (chosen.length) sendSettings({ features: chosen }); else c.checked = true;
    });
    l.append(c, " " + label);
    box.append(l);
  }
  renderUnits();
}

function renderUnits() {
  const s = state.settings, box = $("units");
  $("layer-count").textContent = s.hidden.length;
  box.textContent = "";
  s.hidden.forEach((units, i) => {
    const span = document.createElement("span");
    const minus = document.createElement("button"), plus = document.createElement("button");
    minus.textContent = "−";
    plus.textContent = "+";
    minus.type = plus.type = "button";
    const change = (d) => {
      const hidden = s.hidden.slice();
      hidden[i] = Math.min(8, Math.max(1, units + d));
      sendSettings({ hidden });
    };
    minus.onclick = () => change(-1);
    plus.onclick = () => change(1);
    span.append(minus, ` ${units} ${t("neurons")} `, plus);
    box.append(span);
  });
}

// -- events from the server -----------------------------------------------------------------
function onStart(start) {
  state.start = start;
  state.settings = start.settings;
  state.history = [];
  state.featureMaps = state.featureMaps || featureMaps(start.neuron_grid);
  renderControls();
}

function onUpdate(update) {
  if (!state.start || update.generation !== state.start.generation) return;
  state.update = update;
  state.updates += 1;
  state.history.push(...update.history);
  state.playing = update.playing;
  $("epoch").textContent = String(update.epoch).padStart(3, "0");
  $("play").textContent = update.playing ? "❚❚" : "▶";
  const last = state.history[state.history.length - 1];
  const fmt = (v) => (typeof v === "number" ? v.toFixed(3) : "–");  // null: not a number
  $("train-loss").textContent = last ? fmt(last[1]) : "–";
  $("test-loss").textContent = last ? fmt(last[2]) : "–";
  $("program").textContent = update.program;
  showError(update.error);
  document.body.dataset.epoch = update.epoch;
  if (last) document.body.dataset.testLoss = last[2];
  drawBoundary();
  drawLossChart();
  drawNetwork();
}

// -- wiring -----------------------------------------------------------------------------------
function wire() {
  $("play").onclick = () => control(state.playing ? "pause" : "play");
  $("step").onclick = () => control("step");
  $("reset").onclick = () => control("reset");
  $("regenerate").onclick = () => sendSettings({ seed: (state.settings.seed + 1) % 1000000 });
  for (const id of ["learning_rate", "regularization_rate"])
    $(id).onchange = () => sendSettings({ [id]: Number($(id).value) });
  for (const id of ["activation", "optimizer", "regularization"])
    $(id).onchange = () => sendSettings({ [id]: $(id).value });
  for (const id of ["train_percent", "noise", "batch_size"]) {
    $(id).oninput = () => { $(id + "_value").textContent = $(id).value; };
    $(id).onchange = () => sendSettings({ [id]: Number($(id).value) });
  }
  for (const b of document.querySelectorAll("[data-dataset]"))
    b.onclick = () => sendSettings({ dataset: b.dataset.dataset });
  $("add-layer").onclick = () => {
    if (state.settings.hidden.length < 6) sendSettings({ hidden: [...state.settings.hidden, 2] });
  };
  $("remove-layer").onclick = () => sendSettings({ hidden: state.settings.hidden.slice(0, -1) });
  $("show-test").onchange = drawBoundary;
  $("copy").onclick = async () => {
    try {
      await navigator.clipboard.writeText($("program").textContent);
    } catch (e) {  // no clipboard permission: select the text for Ctrl-C instead
      const range = document.createRange();
      range.selectNodeContents($("program"));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    $("copy").textContent = t("copied");
    setTimeout(() => { $("copy").textContent = t("copy"); }, 1500);
  };
}

async function main() {
  window.glassnetState = state;
  const mnist = Boolean($("digit-canvas"));
  for (const b of document.querySelectorAll(".lang button")) b.onclick = () => setLanguage(b.dataset.lang);
  if (mnist) wireMnist(); else wire();
  const r = await fetch(mnist ? "/api/mnist/state" : "/api/state");
  const first = await r.json();
  setLanguage(initialLanguage(first.lang));
  if (mnist) connectMnist(); else connect();
}

// == the MNIST page ===========================================================================
function wireMnist() {
  const settings = () => Object.assign({ model: $("model").value }, Object.fromEntries(
    ["hidden", "epochs", "batch_size", "learning_rate", "limit"].map((id) => [id, Number($(id).value)])));
  for (const id of ["model", "hidden", "epochs", "batch_size", "learning_rate", "limit"])
    $(id).onchange = () => post("/api/mnist/settings", settings());
  $("train").onclick = () => post("/api/mnist/control",
    { action: state.mnistUpdate && state.mnistUpdate.training ? "stop" : "train" });
  $("reset").onclick = () => post("/api/mnist/control", { action: "reset" });
  $("copy").onclick = () => navigator.clipboard.writeText($("program").textContent).catch(() => {});
  wireDrawing();
}

function connectMnist() {
  const events = new EventSource("/api/mnist/events");
  events.addEventListener("start", (e) => {
    const start = JSON.parse(e.data);
    state.mnistStart = start;
    state.history = [];
    for (const [k, v] of Object.entries(start.settings)) {
      const el = $(k), value = String(v);
      if (!el) continue;  // the seed: fixed, shown in the program
      if (![...el.options].some((o) => o.value === value)) el.add(new Option(value, value));
      el.value = value;
    }
    $("hidden").disabled = start.settings.model === "cnn";
  });
  events.addEventListener("update", (e) => {
    const u = JSON.parse(e.data);
    if (!state.mnistStart || u.generation !== state.mnistStart.generation) return;
    state.history.push(...u.history);
    state.updates += 1;
    onMnistUpdate(u);
  });
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) showError(t("disconnected")); };
  window.glassnetEvents = events;
}

function onMnistUpdate(u) {
  state.mnistUpdate = u;
  $("train").textContent = u.training ? "❚❚" : "▶";
  const p = u.progress || {}, h = state.history, last = h[h.length - 1];
  let text = p.epoch ? `${t("epoch")} ${p.epoch}/${p.epochs}  ${p.step}/${p.steps}` +
    (p.loss !== undefined ? `  ${t("loss")}: ${p.loss.toFixed(4)}  ${t("accuracy")}: ` +
      `${(p.accuracy || 0).toFixed(4)}` : "") : t("untrained");
  if (last) text += `\n${t("test_loss")}: ${last[3].toFixed(4)}  ` +
    `${t("accuracy")}: ${(100 * last[4]).toFixed(2)}%`;
  $("progress").textContent = text;
  $("program").textContent = u.program;
  showError(u.error);
  document.body.dataset.training = u.training;
  document.body.dataset.epochsDone = h.length;
  if (last) document.body.dataset.testAccuracy = last[4];
  drawWeights(u.weights);
  drawConfusion(u.confusion);
  drawMnistChart();
}

function drawWeights(w) {
  const canvas = $("weights"), ctx = canvas.getContext("2d");
  const cols = Math.ceil(Math.sqrt(w.units)), cell = Math.floor(canvas.width / cols);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  w.images.forEach((b64, j) => {
    const img = heatImage(bytes(b64), w.size, scratch("weights"));  // drawn before the next
    ctx.drawImage(img, (j % cols) * cell + 1, Math.floor(j / cols) * cell + 1, cell - 2, cell - 2);
  });
}

function drawConfusion(m) {
  const table = $("confusion");
  table.textContent = "";
  if (!m) return;
  table.createCaption().textContent = t("confusion_axes");
  const head = table.insertRow();
  head.insertCell();
  for (let c = 0; c < 10; c++) head.insertCell().textContent = c;
  m.forEach((row, r) => {
    const tr = table.insertRow(), total = row.reduce((a, b) => a + b, 0) || 1;
    tr.insertCell().textContent = r;
    row.forEach((n, c) => {
      const cell = tr.insertCell(), f = n / total;
      cell.textContent = n;
      const tint = r === c ? BLUE : ORANGE;
      cell.style.background = `rgba(${tint},${r === c ? f : Math.min(1, 5 * f)})`;
      if (f > 0.5) cell.style.color = "#fff";
    });
  });
}

function drawMnistChart() {  // accuracy per epoch: training grey, test black
  const canvas = $("mnist-chart"), ctx = canvas.getContext("2d"), h = state.history;
  const W = canvas.width, H = canvas.height, left = 30, top = 22, bottom = H - 8;
  ctx.clearRect(0, 0, W, H);
  if (!h.length) return;
  const lowest = Math.min(...h.flatMap((r) => [r[2], r[4]]));
  const lo = Math.max(0, Math.floor(10 * lowest - 1) / 10);  // the scale: lo .. 1
  const y = (v) => bottom - (v - lo) / (1 - lo) * (bottom - top);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.strokeStyle = "#eee";
  ctx.fillStyle = "#777";
  for (const v of [lo, (lo + 1) / 2, 1]) {
    ctx.beginPath();
    ctx.moveTo(left, y(v));
    ctx.lineTo(W - 4, y(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(2), 2, y(v));
  }
  const line = (k, style) => {
    ctx.beginPath();
    ctx.strokeStyle = ctx.fillStyle = style;
    h.forEach((r, i) => {
      const x = h.length === 1 ? (left + W) / 2 : left + 4 + i * (W - left - 10) / (h.length - 1);
      if (i === 0) ctx.moveTo(x, y(r[k])); else ctx.lineTo(x, y(r[k]));
      ctx.fillRect(x - 2, y(r[k]) - 2, 4, 4);
    });
    ctx.stroke();
  };
  line(2, "#999");
  line(4, "#222");
  let x = left;  // the legend, above the plot
  for (const [key, style] of [["training_accuracy", "#999"], ["test_accuracy", "#222"]]) {
    ctx.fillStyle = style;
    ctx.fillRect(x, 5, 12, 3);
    ctx.fillText(t(key), x + 16, 7);
    x += 28 + ctx.measureText(t(key)).width;
  }
}

// -- the drawing canvas --------------------------------------------------------------------------
const DRAW_SIZE = 112;  // the drawing is sent as DRAW_SIZE² gray bytes

function wireDrawing() {
  const canvas = $("digit-canvas"), ctx = canvas.getContext("2d");
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  let drawing = false, last = null, pending = null;
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    last = at(e);
    canvas.setPointerCapture && canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = at(e);
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 20;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
    state.canvasVersion++;  // a reply for an older drawing is not this one's prediction
    state.drawnAt = performance.now();
    if (!pending) pending = setTimeout(() => { pending = null; classify(); }, 200);
  });
  const end = () => { if (drawing) { drawing = false; state.strokeEnd = performance.now(); classify(); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);
  $("clear").onclick = () => {
    clear();
    state.clearedVersion = ++state.canvasVersion;  // replies on their way are for no drawing
    state.prediction = state.lastPredictionMs = null;
    delete document.body.dataset.prediction;
    delete document.body.dataset.predictionFor;
    $("top3").textContent = "";
    $("adv-result").textContent = "";
    for (const id of ["seen", "saliency", "adversarial"])
      $(id).getContext("2d").clearRect(0, 0, 112, 112);
  };
}

async function classify() {
  // Replies may come back out of order (each request has its own server thread): show a
  // reply only if no later request's reply was shown and the canvas was not cleared since.
  const version = state.canvasVersion, asked = ++state.asked;
  const small = document.createElement("canvas");
  small.width = small.height = DRAW_SIZE;
  const sctx = small.getContext("2d");
  sctx.drawImage($("digit-canvas"), 0, 0, DRAW_SIZE, DRAW_SIZE);
  const rgba = sctx.getImageData(0, 0, DRAW_SIZE, DRAW_SIZE).data;
  let bin = "";
  for (let i = 0; i < rgba.length; i += 4) bin += String.fromCharCode(rgba[i]);
  const r = await fetch("/api/mnist/predict", { method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ width: DRAW_SIZE, height: DRAW_SIZE, pixels: btoa(bin) }) });
  const reply = await r.json();
  if (asked < state.shown || version < state.clearedVersion) return;
  state.shown = asked;
  if (!r.ok) { showError(reply.error); return; }
  showError(null);
  if (version === state.canvasVersion && state.strokeEnd > state.drawnAt)  // after the last stroke
    state.lastPredictionMs = performance.now() - state.strokeEnd;
  state.prediction = reply;
  showPrediction(reply);
  document.body.dataset.predictionFor = version;
}

function grayImage(b64, canvas) {
  const v = bytes(b64), ctx = canvas.getContext("2d"), img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) img.data.set([v[i], v[i], v[i], 255], 4 * i);
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = 28;
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function topk(p, k) { return p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, k); }

function showPrediction(pred) {
  grayImage(pred.seen, $("seen"));
  grayImage(pred.saliency, $("saliency"));
  grayImage(pred.adversarial, $("adversarial"));
  const list = $("top3");
  list.textContent = "";
  for (const [p, digit] of topk(pred.probabilities, 3)) {
    const li = document.createElement("li"), bar = document.createElement("span");
    li.dataset.digit = digit;
    bar.className = "bar";
    bar.style.width = `${Math.round(120 * p)}px`;
    const name = document.createElement("b");
    name.textContent = digit;
    li.append(name, ` ${(100 * p).toFixed(1)}%`, bar);
    list.append(li);
  }
  const [[pa, da]] = topk(pred.adversarial_probabilities, 1);
  $("adv-result").textContent = t("adv_result").replace("{eps}", pred.eps)
    .replace("{digit}", da).replace("{p}", `${(100 * pa).toFixed(1)}%`);
  document.body.dataset.prediction = topk(pred.probabilities, 1)[0][1];
}

document.addEventListener("DOMContentLoaded", main);
